"""绩效's arithmetic: the median (odd, even, unsorted, empty) and the periods a report may ask
for (a month, a quarter, a custom range), refusing what makes no sense."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import Invalid
from domain.performance import last_months, median, period_for


def test_median_of_odd_even_unsorted_and_no_values() -> None:
    assert median([]) is None
    assert median([7]) == 7
    assert median([1000, 10, 20]) == 20
    assert median([40, 10, 1000, 20]) == 30  # the mean of the two middle values
    assert median([2, 2, 2, 9]) == 2
    assert median([1.5, 2.5]) == 2.0


TODAY = date(2026, 11, 30)


def test_periods_by_month_quarter_and_range() -> None:
    p = period_for("", "", None, None, TODAY)
    assert (p.kind, p.key, p.since, p.until) == ("month", "2026-11", date(2026, 11, 1), TODAY)
    p = period_for("month", "2024-02", None, None, TODAY)
    assert (p.since, p.until) == (date(2024, 2, 1), date(2024, 2, 29))
    p = period_for("quarter", "2026-Q4", None, None, TODAY)
    assert (p.since, p.until) == (date(2026, 10, 1), date(2026, 12, 31))
    p = period_for("quarter", "", None, None, date(2026, 5, 3))
    assert (p.key, p.since, p.until) == ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30))
    p = period_for("", "", date(2026, 11, 3), date(2026, 11, 9), TODAY)
    assert (p.kind, p.since, p.until) == ("custom", date(2026, 11, 3), date(2026, 11, 9))
    assert p.end.isoformat() == "2026-11-10T00:00:00+08:00"


@pytest.mark.parametrize(
    ("kind", "key", "since", "until", "code"),
    [
        ("month", "2026-13", None, None, "period_month_unknown"),
        ("month", "<script>", None, None, "period_month_unknown"),
        ("quarter", "2026-Q5", None, None, "period_quarter_unknown"),
        ("custom", "", date(2026, 11, 9), date(2026, 11, 3), "period_reversed"),
        ("custom", "", date(2024, 1, 1), date(2026, 1, 1), "period_too_long"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused(
    kind: str, key: str, since: date | None, until: date | None, code: str
) -> None:
    with pytest.raises(Invalid) as caught:
        period_for(kind, key, since, until, TODAY)
    assert caught.value.code == code


def test_the_trend_covers_twelve_months_ending_this_one() -> None:
    starts = last_months(date(2026, 1, 15))
    assert starts[0] == date(2025, 2, 1) and starts[-1] == date(2026, 1, 1) and len(starts) == 12
