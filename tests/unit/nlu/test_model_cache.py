"""The embedded model is cached on disk: a second build with the same data loads it (no
training), changed data retrains and replaces it, and a damaged file is retrained over."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from nlu import classifier
from nlu.classifier import ModelArrays
from nlu.embedded import EmbeddedParser
from nlu.model_cache import ModelCache, model_key
from nlu.training_data import load_dir

SMALL_DATA = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - 你好
    - 您好
    - 早上好
    - 在吗
    - 哈喽
    - 你好呀
- intent: check_progress
  examples: |
    - 办到哪一步了
    - 进度怎么样
    - 执照办好了吗
    - 现在到哪了
    - 查一下进度
    - 我的业务进展如何
- intent: cancel
  examples: |
    - 取消
    - 不办了
    - 算了
    - 退出
    - 不要了
    - 撤销
- lookup: request_type
  examples: |
    - 营业执照
- synonym: 营业执照
  examples: |
    - 执照
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "nlu.yml").write_text(SMALL_DATA, encoding="utf-8")
    return folder


def build(data_dir: Path, cache: Path) -> EmbeddedParser:
    return EmbeddedParser.train(data_dir, in_process=True, cache_dir=cache)


def test_the_second_build_loads_the_cached_model_and_answers_the_same(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "nlu-cache"
    first = build(data_dir, cache)
    assert not first.from_cache
    assert len(list(cache.glob("*.npz"))) == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was trained although it was cached")

    monkeypatch.setattr(classifier.IntentClassifier, "train", refuse)
    second = build(data_dir, cache)
    assert second.from_cache
    for text in ("你好", "执照办到哪一步了", "算了不办了", "今天天气"):
        a, b = first.parse_sync(text), second.parse_sync(text)
        assert (a.intent, a.entities) == (b.intent, b.entities)
        assert [x for x, _ in a.ranking] == [x for x, _ in b.ranking]
        assert [p for _, p in a.ranking] == pytest.approx([p for _, p in b.ranking])


def test_changed_training_data_retrains_and_replaces_the_cached_model(
    data_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "nlu-cache"
    build(data_dir, cache)
    (old_file,) = cache.glob("*.npz")
    text = (data_dir / "nlu.yml").read_text(encoding="utf-8")
    (data_dir / "nlu.yml").write_text(text.replace("    - 哈喽\n", "    - 哈喽\n    - 嗨\n"))
    changed = build(data_dir, cache)
    assert not changed.from_cache
    (new_file,) = cache.glob("*.npz")
    assert new_file != old_file
    assert build(data_dir, cache).from_cache


def test_the_featuriser_code_is_part_of_the_key(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = load_dir(data_dir)
    before = model_key(data, 50.0)
    assert model_key(data, 50.0) == before
    assert model_key(data, 10.0) != before
    monkeypatch.setattr("nlu.model_cache.FORMAT", 99)
    assert model_key(data, 50.0) != before


def test_a_damaged_or_foreign_cache_file_is_retrained_over(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir = tmp_path / "nlu-cache"
    build(data_dir, cache_dir)
    (path,) = cache_dir.glob("*.npz")
    caplog.set_level(logging.WARNING, logger="nlu.model_cache")

    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # torn write
    assert not build(data_dir, cache_dir).from_cache
    assert "unreadable" in caplog.text
    assert build(data_dir, cache_dir).from_cache  # rewritten whole

    # A file under the right name whose stored key is another one.
    key = model_key(load_dir(data_dir), classifier.C)
    cache = ModelCache(cache_dir)
    arrays = cache.load(key)
    assert arrays is not None
    cache.store("f" * 64, arrays)
    cache.path("f" * 64).rename(cache.path(key))
    assert cache.load(key) is None
    assert "another key" in caplog.text


def test_inconsistent_arrays_are_neither_stored_nor_loaded(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    good = ModelArrays({"a": 0, "b": 1}, np.ones(2), np.zeros((3, 2)), np.zeros(3), ("x", "y", "z"))
    cache.store("k" * 64, good)
    loaded = cache.load("k" * 64)
    assert loaded is not None and loaded.vocabulary == {"a": 0, "b": 1}
    assert loaded.labels == ("x", "y", "z")
    with pytest.raises(ValueError, match="coef"):
        cache.store(
            "k" * 64,
            ModelArrays({"a": 0}, np.ones(1), np.zeros((3, 2)), np.zeros(3), ("x", "y", "z")),
        )
    assert not list(tmp_path.glob(".*.tmp"))
