"""绩效: each accountant's figures for a period (a month, a quarter or any range of days, in
Beijing's calendar), the team's trend over the last twelve months, and the rows of the 绩效
export. Admins see everyone; an accountant sees only their own figures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.actors import Actor
from domain.clock import SHANGHAI
from domain.errors import Forbidden, Invalid
from domain.panel_figures import AccountantFigures, MonthCounts
from domain.panel_ports import PanelUnitOfWork

TREND_MONTHS = 12
LONGEST = timedelta(days=366)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.I)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for none.
    The reference for what the SQL read models compute in the database."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Period:
    """Whole days in Beijing time, `since` to `until` both included. `kind` is how it was
    asked for ("month", "quarter" or "custom") and `key` the month or quarter ("2026-11",
    "2026-Q4"; empty for a custom range), so links keep it."""

    kind: str
    key: str
    since: date
    until: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.until + timedelta(days=1), time(0), SHANGHAI)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_period(key: str) -> Period:
    m = _MONTH.fullmatch(key.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise Invalid("period_month_unknown", value=key[:20])
    first = date(int(m.group(1)), int(m.group(2)), 1)
    return Period("month", first.strftime("%Y-%m"), first, _month_end(first))


def quarter_period(key: str) -> Period:
    m = _QUARTER.fullmatch(key.strip())
    if m is None or int(m.group(1)) < 2000:
        raise Invalid("period_quarter_unknown", value=key[:20])
    year, q = int(m.group(1)), int(m.group(2))
    first = date(year, 3 * q - 2, 1)
    last = _month_end(date(year, 3 * q, 1))
    return Period("quarter", f"{year}-Q{q}", first, last)


def custom_period(since: date, until: date) -> Period:
    if until < since:
        raise Invalid("period_reversed")
    if until - since > LONGEST:
        raise Invalid("period_too_long")
    return Period("custom", "", since, until)


def period_for(kind: str, key: str, since: date | None, until: date | None, today: date) -> Period:
    """The period a report asks for: this month when nothing is asked, a named month or
    quarter, or a custom range (its missing end today, its missing start 29 days before)."""
    if kind == "quarter":
        return quarter_period(key or f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    if kind == "custom" or (not kind and (since or until)):
        end = until or today
        return custom_period(since or end - timedelta(days=29), end)
    return month_period(key or today.strftime("%Y-%m"))


def last_months(today: date, n: int = TREND_MONTHS) -> list[date]:
    """The 1st of this month and of the n-1 months before it, oldest first."""
    starts = [today.replace(day=1)]
    while len(starts) < n:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def _scope(actor: Actor, staff_id: int | None) -> int | None:
    """Whose figures the actor may read: an accountant only their own, whatever they ask."""
    if actor.is_admin:
        return staff_id
    if actor.staff_id is None:
        raise Forbidden("admins_only_reports")
    return actor.staff_id


async def figures(
    uow: PanelUnitOfWork, actor: Actor, period: Period
) -> Sequence[AccountantFigures]:
    """Every staff member's figures for an admin; an accountant's own row for an accountant."""
    rows = await uow.panel_reads.team_figures(actor.firm_id, period.start, period.end)
    own = _scope(actor, None)
    return [r for r in rows if own is None or r.staff_id == own]


async def trend(
    uow: PanelUnitOfWork, actor: Actor, staff_id: int | None, today: date
) -> Sequence[MonthCounts]:
    """Claimed and completed per month over the last twelve months: one person's (an
    accountant always their own) or, with no one chosen, the team's."""
    who = _scope(actor, staff_id)
    starts = last_months(today)
    bounds = [datetime.combine(d, time(0), SHANGHAI) for d in starts]
    bounds.append(datetime.combine(today + timedelta(days=1), time(0), SHANGHAI))
    return await uow.panel_reads.monthly_counts(actor.firm_id, who, bounds)
