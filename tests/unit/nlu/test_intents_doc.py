"""nlu/INTENTS.md is the annotation guideline: every intent of the data is defined there, with
borderline examples, and none of its examples is a line of a test file."""

from __future__ import annotations

import re
from pathlib import Path

from nlu import intents as names
from nlu.textnorm import normalise
from nlu.training_data import BLIND_FILES, HELD_OUT_FILES, load_dir, load_files

DOC = Path(names.__file__).parent / "INTENTS.md"


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (\w+)\s*$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _example_rows(body: str) -> list[tuple[str, str]]:
    rows = re.findall(r"^\| ([^|]+?) \| (\w+) \|", body, flags=re.M)
    return [(text, label) for text, label in rows if text not in ("example", "---")]


def test_every_intent_of_the_data_has_a_definition() -> None:
    sections = _sections()
    data_intents = set(load_dir().intents)
    assert data_intents == set(names.ALL_INTENTS)
    missing = sorted(data_intents - set(sections))
    assert missing == []
    for intent in data_intents:
        assert "**Definition.**" in sections[intent], intent


def test_every_intent_has_five_borderline_examples_with_known_labels() -> None:
    for intent, body in _sections().items():
        rows = _example_rows(body)
        assert len(rows) >= 5, intent
        assert {label for _, label in rows} <= set(names.ALL_INTENTS), intent


def test_no_guideline_example_is_a_test_line() -> None:
    def squash(text: str) -> str:
        return re.sub(r"[\s，。！？,.!?~～…]+", "", normalise(text))

    tests = {squash(ex.text) for ex in load_files([*HELD_OUT_FILES, *BLIND_FILES]).examples}
    copied = [
        text
        for body in _sections().values()
        for text, _ in _example_rows(body)
        if squash(text) in tests
    ]
    assert copied == []
