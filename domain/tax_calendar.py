"""The monthly filing deadline (申报纳税期限): the 15th, moved by weekends and holidays.

The tax authority publishes each year's calendar; it ships as data (`tax_calendar.json`) for the
current and the next year and is edited there. A year not in the file follows the rule: the 15th,
or the Monday after when the 15th is a weekend day. Dates are Asia/Shanghai dates.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("tax_calendar.json").read_text(encoding="utf-8")
)
_DEADLINES: dict[int, dict[int, int]] = {
    int(year): {int(m): int(day) for m, day in months.items()}
    for year, months in _DATA["deadlines"].items()
}
_RULE_DAY = int(_DATA["rule"]["day"])


def filing_deadline(year: int, month: int) -> date:
    """The last day to file in month `month` of `year` (for the month before)."""
    day = _DEADLINES.get(year, {}).get(month)
    if day is not None:
        return date(year, month, day)
    found = date(year, month, _RULE_DAY)
    while found.weekday() >= 5:
        found += timedelta(days=1)
    return found


def next_month(period: str) -> tuple[int, int]:
    year, month = int(period[:4]), int(period[5:7])
    return (year + 1, 1) if month == 12 else (year, month + 1)


def deadline_for_period(period: str) -> date:
    """The filing deadline for the tax period `period` ("YYYY-MM"): next month's deadline."""
    return filing_deadline(*next_month(period))


def tax_period_on(today: date) -> str:
    """The tax period filed during `today`'s month: the month before it."""
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"
