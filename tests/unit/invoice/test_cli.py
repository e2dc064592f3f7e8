"""`yunkuaiji invoice read`: one JSON line per image, nulls for absent fields, errors in Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

pytestmark = pytest.mark.slow


def test_cli_prints_fields_and_errors_as_json_lines(
    invoices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    code = main(["invoice", "read", str(invoices_dir / "synthetic_digital_2.png"), str(empty)])
    assert code == 0  # not every file failed
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["invoice_number"] == "25112685624046012936"
    assert first["invoice_code"] is None and first["check_code"] is None
    assert first["amount_total"] == "16454.17" and first["tax"] == "1814.70"
    assert first["issue_date"] == "2025-06-24"
    assert first["sources"]["invoice_number"] == "qr" and first["sources"]["seller_name"] == "ocr"
    assert set(first["confidence"]) == set(first["sources"])
    assert {c["name"] for c in first["checks"]} >= {"sum", "date", "seller_tax_id"}
    assert all(c["ok"] for c in first["checks"])
    assert second["error"] == "empty" and "空" in second["message"]


def test_cli_fails_only_when_every_file_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "note.txt"
    text.write_text("not an image", encoding="utf-8")
    assert main(["invoice", "read", str(text)]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "not_image"
