"""`yunkuaiji nlu parse` and `yunkuaiji nlu eval`, through main() and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def test_parse_writes_one_json_object_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NLU_BACKEND", "embedded")
    monkeypatch.setattr(sys, "stdin", io.StringIO("我那个执照办到哪一步了\n\n交3块5\n"))
    assert main(["--env-file", "/nonexistent", "nlu", "parse", "--today", "2025-06-15"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    first, empty, money = (json.loads(line) for line in lines)
    assert set(first) == {"text", "intent", "confidence", "entities"}
    assert first["intent"] == "check_progress"
    assert first["entities"] == [
        {"entity": "request_type", "value": "营业执照", "start": 3, "end": 5}
    ]
    assert empty == {"text": "", "intent": "nlu_fallback", "confidence": 0.0, "entities": []}
    assert money["entities"][0]["value"] == "350"


def test_parse_as_a_subprocess_reads_stdin_until_eof() -> None:
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--env-file", "/nonexistent", "nlu", "parse"],
        input="这个月的票拍给你\n😀\n".encode(),
        capture_output=True,
        cwd=root,
        env={**os.environ, "NLU_BACKEND": "embedded", "PYTHONPATH": str(root)},
        timeout=120,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [row["intent"] for row in rows] == ["upload_invoice", "nlu_fallback"]
    assert rows[0]["entities"][0]["entity"] == "period"


def test_eval_prints_the_report_as_json_and_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test_file = tmp_path / "mini.yml"
    test_file.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: check_progress\n"
        "  examples: |\n"
        '    - 我那个[执照]{"entity": "request_type", "value": "营业执照"}办到哪一步了\n'
        "- intent: complete_task\n"
        "  examples: |\n"
        "    - [R1024](task_ref)已经办结\n"
        "- intent: greet\n"
        "  examples: |\n"
        "    - 给会计打个五星\n",
        encoding="utf-8",
    )
    code = main(
        ["--env-file", "/nonexistent", "nlu", "eval", str(test_file), "--backend", "embedded"]
    )
    assert code == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert "nlu eval" in captured.err  # the progress bar
    assert report["examples"] == 3
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["per_intent"]["greet"]["recall"] == 0.0
    assert report["confused_pairs"] == [
        {"gold": "greet", "predicted": "rate_accountant", "count": 1}
    ]
    assert report["per_entity"]["request_type"]["f1"] == 1.0
    assert report["per_entity"]["task_ref"]["f1"] == 1.0
    assert {"macro_f1", "entity_f1", "latency_ms", "training_seconds"} <= set(report)
    assert report["latency_ms"]["p99"] >= report["latency_ms"]["p50"] > 0


def test_eval_against_an_unreachable_rasa_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nlu.training_data import HELD_OUT_FILE

    code = main(
        [
            "--env-file",
            "/nonexistent",
            "nlu",
            "eval",
            str(HELD_OUT_FILE),
            "--backend",
            "rasa",
            "--rasa-url",
            "http://127.0.0.1:9",
        ]
    )
    assert code == 2
    assert "not reachable" in capsys.readouterr().err


def test_eval_text_summary_shows_targets_recall_and_confusions_but_no_utterance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test_file = tmp_path / "mini_blind.yml"
    test_file.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: check_progress\n"
        "  examples: |\n"
        "    - 我那个执照办到哪一步了\n"
        "- intent: greet\n"
        "  examples: |\n"
        "    - 给会计打个五星\n"
        "    - 你好\n",
        encoding="utf-8",
    )
    saved = tmp_path / "out" / "report.json"
    args = ["--env-file", "/nonexistent", "nlu", "eval", str(test_file), "--backend", "embedded"]
    assert main([*args, "--text", "--errors", "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "accuracy    0.6667  BELOW (target >= 0.95)" in out
    assert "OOS caught  n/a" in out
    assert "entity F1   n/a" in out
    assert "recall      1/2 intents >= 0.85; below: greet" in out
    assert "greet -> rate_accountant x1" in out
    assert "五星" not in out and "执照" not in out  # a blind file's lines stay unseen
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert report["errors"][0]["text"] == "给会计打个五星"
