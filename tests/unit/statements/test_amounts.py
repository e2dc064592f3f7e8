"""Amount cells become exact fen: text with separators, parentheses, dashes, full-width forms,
numeric cells through their shortest decimal, and refusals for anything else."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.statements.money import NotAnAmount, to_fen


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1,234.56", 123_456),
        ("12,345,678.90", 1_234_567_890),
        ("(1,234.56)", -123_456),
        ("（1,234.56）", -123_456),
        ("-1,234.56", -123_456),
        ("－12.30", -1_230),
        ("−5", -500),
        ("１，２３４．５", 123_450),
        ("¥ 88.8", 8_880),
        (" 0.01 ", 1),
        ("0.005", 1),  # half up, as the statements round
        (1234.56, 123_456),
        (1234.5600000000002, 123_456),  # a sum computed in binary
        (0.1 + 0.2, 30),
        (3, 300),
        (-7.0, -700),
    ],
)
def test_amounts_become_exact_fen(cell: object, fen: int) -> None:
    assert to_fen(cell) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["", "-", "--", "—", "——", "–", "/", "0", "－", "  "])
def test_blanks_and_dashes_read_as_zero(cell: str) -> None:
    assert to_fen(cell) is None


@pytest.mark.parametrize(
    "cell", ["待定", "1,23", "1 234,00", "(1,234.56", "-(5)", "12元5角", True, date(2026, 9, 30)]
)
def test_anything_else_is_not_an_amount(cell: object) -> None:
    with pytest.raises(NotAnAmount):
        to_fen(cell)  # type: ignore[arg-type]


def test_larger_units_scale_without_floats() -> None:
    assert to_fen("1.5", 1_000_000) == 1_500_000  # 1.5 万元 = 15,000.00 元
    assert to_fen("(2.25)", 100_000) == -225_000  # 2.25 千元 = 2,250.00 元
