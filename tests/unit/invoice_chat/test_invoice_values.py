"""The plain values behind the invoice chat: months in Shanghai, money typed by people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.invoice_uploads import CorrectionInvalid, day_start, month_bounds, yuan
from handlers.invoice_values import parse_fen, parse_period

# 2024-03-31 23:30 in Shanghai is still March there, though April 1st has not begun in UTC.
LATE_MARCH = datetime(2024, 3, 31, 15, 30, tzinfo=UTC)
APRIL_FIRST = datetime(2024, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Shanghai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "2024-03"),
        ("本月", "2024-03"),
        ("上个月", "2024-02"),
        ("2023-12", "2023-12"),
        ("2023年12月", "2023-12"),
        ("3月", "2024-03"),
        ("11月", "2023-11"),  # a month still to come this year means last year's
        ("13月", None),
        ("随便", None),
    ],
)
def test_periods_in_words_resolve_in_shanghai_time(text: str | None, expected: str | None) -> None:
    assert parse_period(text, LATE_MARCH) == expected


def test_the_month_turns_at_midnight_in_shanghai() -> None:
    assert parse_period("本月", APRIL_FIRST) == "2024-04"
    assert parse_period("上个月", APRIL_FIRST) == "2024-03"
    assert month_bounds("2024-03") == (
        datetime(2024, 2, 29, 16, tzinfo=UTC),
        datetime(2024, 3, 31, 16, tzinfo=UTC),
    )
    assert day_start(APRIL_FIRST) == datetime(2024, 3, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("46.62", 4662), ("¥46.6", 4660), ("46元", 4600), ("1,234.50", 123450), ("0.01", 1)],
)
def test_money_typed_by_people_becomes_fen(text: str, fen: int) -> None:
    assert parse_fen(text) == fen


@pytest.mark.parametrize("text", ["46.621", "四十六", "", "1e3", "-5"])
def test_money_that_is_not_money_is_refused(text: str) -> None:
    with pytest.raises(CorrectionInvalid):
        parse_fen(text)


def test_yuan_shows_two_decimals_and_a_dash_when_unknown() -> None:
    assert (yuan(5270), yuan(5), yuan(None), yuan(-120)) == ("¥52.70", "¥0.05", "—", "-¥1.20")
