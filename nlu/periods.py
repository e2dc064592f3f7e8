"""Accounting periods in words ("本月", "上个月", "2024年3月", "第一季度") to "YYYY-MM" / "YYYY-Qn".

Relative words resolve against a reference date the caller gives: the date, in Asia/Shanghai,
of the message being read (a message sent at 00:30 on 1 January asking about "上个月" means
December, whatever the clock says when it is parsed). A bare month or quarter later than the
reference one means last year's: clients ask about periods already past ("12月的账" in June is
last December's). Only entry points with no message time (the `nlu parse` command, evaluation)
fall back to `today_shanghai()`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from nlu.numerals import cn_to_int

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MONTH_NUM = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_QUARTER_NUM = r"[1-4一二三四]"
_YEAR = r"(?P<year>\d{4}|\d{2}|[去今前明]|二〇\d\d|二〇[一二三四五六七八九〇]{2})"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx), kind)
    for rx, kind in (
        (rf"^{_YEAR}年?\s*第?(?P<q>{_QUARTER_NUM})季度?$", "yq"),
        (rf"^{_YEAR}年?\s*q(?P<q>[1-4])$", "yq"),
        (rf"^{_YEAR}年\s*(?P<m>{_MONTH_NUM})月份?$", "ym"),
        (r"^(?P<year>\d{4})\s*[-/.]\s*(?P<m>1[0-2]|0?[1-9])$", "ym"),
        (r"^(?P<rel>本|这个?|当|上上个?|上个?|下个?|前个?)月份?$", "relm"),
        (r"^(?P<rel>本|这个?|当|上上个?|上个?|下个?)季度?$", "relq"),
        (rf"^第?(?P<q>{_QUARTER_NUM})季度$", "q"),
        (r"^q(?P<q>[1-4])$", "q"),
        (rf"^(?P<m>{_MONTH_NUM})月份?$", "m"),
    )
)
_REL_MONTHS = {"本": 0, "这": 0, "这个": 0, "当": 0, "上": -1, "上个": -1, "前": -1, "前个": -1}
_REL_MONTHS.update({"上上": -2, "上上个": -2, "下": 1, "下个": 1})


def today_shanghai() -> date:
    """Today's date where the firms and their clients are (for callers without a message)."""
    return datetime.now(SHANGHAI).date()


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _year(token: str, today: date) -> int | None:
    if token in ("去", "前", "今", "明"):
        return today.year + {"去": -1, "前": -2, "今": 0, "明": 1}[token]
    value = cn_to_int(token)
    if value is None:
        return None
    return 2000 + value if value < 100 else value


def normalise_period(text: str, today: date) -> str | None:
    """ "上个月" -> "2025-05" (with `today` 2025-06-15); "第一季度" -> "2025-Q1"; None if not a
    period. `today` is the reference date: the message's date in Asia/Shanghai."""
    text = text.strip().lower().replace(" ", "")
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        if kind in ("yq", "q"):
            quarter = cn_to_int(groups["q"])
            if quarter is None or not 1 <= quarter <= 4:
                return None
            if kind == "yq":
                year = _year(groups["year"], today)
            else:
                year = today.year - (1 if quarter > (today.month - 1) // 3 + 1 else 0)
            return None if year is None else f"{year:04d}-Q{quarter}"
        if kind in ("ym", "m"):
            month = cn_to_int(groups["m"])
            if month is None or not 1 <= month <= 12:
                return None
            if kind == "ym":
                year = _year(groups["year"], today)
            else:
                year = today.year - (1 if month > today.month else 0)
            return None if year is None else f"{year:04d}-{month:02d}"
        if kind == "relm":
            y, m = _shift_month(today.year, today.month, _REL_MONTHS[groups["rel"]])
            return f"{y:04d}-{m:02d}"
        if kind == "relq":
            quarter_index = today.year * 4 + (today.month - 1) // 3 + _REL_MONTHS[groups["rel"]]
            return f"{quarter_index // 4:04d}-Q{quarter_index % 4 + 1}"
    return None
