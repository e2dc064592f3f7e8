"""Amount cells -> integer fen, exactly.

Exports write amounts as numbers or as text: "1,234.56", "(1,234.56)" for a negative, "-" or a
blank for zero, full-width digits and signs now and then. Text is parsed with `Decimal`; a numeric
cell (a binary double in the file) goes through its shortest repr, which is the decimal Excel
shows, so no binary fraction ever reaches the books.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# What exports print for zero.
_ZERO_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "0", "－", "―", "−"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# Thousands separators only where they group thousands: "1,234.5" yes, "1,23" (a decimal comma) no.
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FEN = Decimal("0.01")

UNITS: dict[str, int] = {"元": 100, "千元": 100_000, "万元": 1_000_000}  # fen per unit

CellValue = int | float | str | bool | date | datetime | time | timedelta


class NotAnAmount(ValueError):
    """The cell holds something that is not an amount (text, a date, a truth value)."""


def to_fen(value: CellValue, fen_per_unit: int = 100) -> int | None:
    """The cell's amount in fen; None for a blank or a zero mark ("-"), which read as zero.

    >>> to_fen("(1,234.56)")
    -123456
    >>> to_fen(1234.5600000000002)
    123456
    >>> to_fen("-") is None
    True
    """
    if isinstance(value, bool | date | time | timedelta):
        raise NotAnAmount(str(value))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotAnAmount(str(value))
        number = Decimal(repr(value))
    else:
        text = _clean(value)
        if text in _ZERO_MARKS:
            return None
        negative = False
        if text.startswith("(") and text.endswith(")"):
            negative, text = True, text[1:-1].strip()
        if "," in text:
            if not _GROUPED.fullmatch(text):
                raise NotAnAmount(value)
            text = text.replace(",", "")
        if not _NUMBER.fullmatch(text):
            raise NotAnAmount(value)
        try:
            number = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise NotAnAmount(value) from exc
        if negative:
            number = -number
    return int((number * fen_per_unit / 100).quantize(_FEN, ROUND_HALF_UP) * 100)


def _clean(text: str) -> str:
    # NFKC folds full-width digits, commas, parentheses and the full-width minus.
    text = unicodedata.normalize("NFKC", text).strip()
    for mark in ("¥", "￥", "元", " ", "\u00a0", "\u3000"):
        text = text.replace(mark, "")
    return text.replace("−", "-").replace("–", "-") if len(text) > 1 else text
