"""The work board: every request in exactly one column, and who may see which.

The columns follow the request's status, except that a timer that has run out (nobody claimed
it in time, or the claimer has not posted progress in time) moves the request to OVERDUE until
the scheduler acts or someone does, and escalated requests wait for an admin in ESCALATED.
An admin sees the firm's whole board; an accountant only their own work and the requests of
the clients they look after. Each edge names the columns its own way (the panel:
`admin_web.wording`); the read side is the `Board` port.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.requests import ServiceRequest, Status, Urgency


class Column(StrEnum):
    UNCLAIMED = "unclaimed"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ColumnRule:
    """The statuses a column holds, and whether their timer has run out (None: either)."""

    statuses: frozenset[Status]
    overdue: bool | None = None


# How far the board counts a column: past this it says "more than" (a firm's finished work
# grows without end, and counting all of it each time the board is drawn is what slowed it).
COUNT_CAP = 1000

TIMED = frozenset({Status.SUBMITTED, Status.CLAIMED, Status.ASSIGNED})

# In board order, left to right.
COLUMNS: Mapping[Column, ColumnRule] = {
    Column.UNCLAIMED: ColumnRule(frozenset({Status.SUBMITTED}), overdue=False),
    Column.CLAIMED: ColumnRule(frozenset({Status.CLAIMED, Status.ASSIGNED}), overdue=False),
    Column.IN_PROGRESS: ColumnRule(frozenset({Status.IN_PROGRESS})),
    Column.OVERDUE: ColumnRule(TIMED, overdue=True),
    Column.ESCALATED: ColumnRule(frozenset({Status.ESCALATED})),
    Column.DONE: ColumnRule(frozenset({Status.COMPLETED, Status.RATED})),
    Column.CANCELLED: ColumnRule(frozenset({Status.CANCELLED})),
}


def is_overdue(req: ServiceRequest, now: datetime) -> bool:
    return req.status in TIMED and req.due_at is not None and req.due_at <= now


def column_of(req: ServiceRequest, now: datetime) -> Column:
    overdue = is_overdue(req, now)
    for column, rule in COLUMNS.items():
        if req.status in rule.statuses and rule.overdue in (None, overdue):
            return column
    raise AssertionError(f"no column for {req.status}")  # COLUMNS covers every status


@dataclass(frozen=True)
class Viewer:
    """Whose board it is: an admin (`staff_id` None: everything) or one accountant."""

    firm_id: int
    staff_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        return self.staff_id is None


class DatedBy(StrEnum):
    RAISED = "raised"
    CLAIMED = "claimed"
    COMPLETED = "completed"


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows; every field narrows it. Dates are instants (the edge turns the
    viewer's calendar days into them); `created_until` is exclusive. `dated_by` says which
    moment the dates bound: raised (default), claimed or completed (绩效 links to the work
    behind its figures this way)."""

    column: Column | None = None
    handler_id: int | None = None
    type: str | None = None
    company_id: int | None = None
    urgency: Urgency | None = None
    created_from: datetime | None = None
    created_until: datetime | None = None
    dated_by: DatedBy = DatedBy.RAISED


@dataclass(frozen=True)
class BoardPage:
    """One page of a column. `total` is exact up to `COUNT_CAP`; above it, it only says
    "more than COUNT_CAP", and `more` (a row after this page was found) decides the pager."""

    items: Sequence[ServiceRequest]
    total: int
    page: int
    per_page: int
    more: bool | None = None

    @property
    def exact(self) -> bool:
        return self.total <= COUNT_CAP

    @property
    def pages(self) -> int:
        """The number of pages, when the total is exact (otherwise at least this many)."""
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages
