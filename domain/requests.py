"""Client business requests (营业执照, 工商变更, 注销 ...) and their lifecycle.

A request moves through a small status machine; every change is also an event in the request's
timeline (who, when, what), so a client can always see where it stands. This module holds the
model and the status machine; the use cases live in `domain.lifecycle` (raise, cancel, progress,
complete, look up) and `domain.dispatch` (pool, claims, assignment, timers).

```mermaid
stateDiagram-v2
    [*] --> submitted: client confirms
    submitted --> claimed: staff claim (first wins)
    submitted --> assigned: admin assigns
    submitted --> submitted: unclaimed past deadline: pushed again (once)
    submitted --> escalated: still unclaimed: admins told
    submitted --> cancelled: client cancels
    escalated --> claimed
    escalated --> assigned
    escalated --> cancelled
    claimed --> in_progress: first progress
    assigned --> in_progress
    claimed --> claimed: no progress in time: claimer reminded
    claimed --> submitted: still no progress: back to the pool, admins told
    assigned --> submitted
    claimed --> assigned: admin reassigns
    claimed --> completed
    assigned --> completed
    in_progress --> in_progress: more progress
    in_progress --> completed
    completed --> rated: client rates
    rated --> rated: rating changed (7 days)
    cancelled --> [*]
    rated --> [*]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

REQUEST_SERIES = "R"
MAX_DESCRIPTION = 500
MAX_PHOTOS = 9


class Status(StrEnum):
    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    RATED = "rated"
    CANCELLED = "cancelled"
    ESCALATED = "escalated"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


UNCLAIMED: frozenset[Status] = frozenset({Status.SUBMITTED, Status.ESCALATED})
HELD: frozenset[Status] = frozenset({Status.CLAIMED, Status.ASSIGNED, Status.IN_PROGRESS})
OPEN: frozenset[Status] = UNCLAIMED | HELD
FINISHED: frozenset[Status] = frozenset({Status.COMPLETED, Status.RATED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    # Self-loops are timer steps that keep the status: pushed again, claimer reminded.
    Status.SUBMITTED: frozenset(
        {Status.SUBMITTED, Status.CLAIMED, Status.ASSIGNED, Status.ESCALATED, Status.CANCELLED}
    ),
    Status.ESCALATED: frozenset({Status.CLAIMED, Status.ASSIGNED, Status.CANCELLED}),
    Status.CLAIMED: frozenset(
        {Status.CLAIMED, Status.IN_PROGRESS, Status.COMPLETED, Status.SUBMITTED, Status.ASSIGNED}
    ),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.COMPLETED, Status.SUBMITTED, Status.ASSIGNED}
    ),
    Status.IN_PROGRESS: frozenset({Status.IN_PROGRESS, Status.COMPLETED}),
    Status.COMPLETED: frozenset({Status.RATED}),
    Status.RATED: frozenset({Status.RATED}),
    Status.CANCELLED: frozenset(),
}


def sources(target: Status) -> frozenset[Status]:
    """Every status from which `target` may be reached: the WHERE of a conditional UPDATE."""
    return frozenset(s for s, to in TRANSITIONS.items() if target in to)


class IllegalTransition(RuntimeError):
    """A use case asked for a move the status machine does not have: a bug, not bad input."""


def check_move(from_: frozenset[Status], to: Status) -> None:
    """Refuse a move the status machine does not have (for every status in `from_`)."""
    illegal = sorted(s.value for s in from_ if to not in TRANSITIONS[s])
    if illegal or not from_:
        raise IllegalTransition(f"{illegal or 'nothing'} -> {to.value}")


def normalise_number(raw: str) -> str | None:
    """ "r1024", "R 1024", "1024", "#1024" -> "R1024"; None when it is no request number."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    rest = "".join(ch for ch in raw if not ch.isdigit()).strip().lstrip("#").strip().upper()
    if not digits or rest not in ("", REQUEST_SERIES):
        return None
    return f"{REQUEST_SERIES}{int(digits)}"


class EventKind(StrEnum):
    RAISED = "raised"
    PUSHED = "pushed"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    PROGRESS = "progress"
    COMPLETED = "completed"
    RATED = "rated"
    CANCELLED = "cancelled"
    ESCALATED = "escalated"
    REMINDED = "reminded"
    RELEASED = "released"


@dataclass(frozen=True)
class NewRequest:
    firm_id: int
    number: str
    company_id: int
    contact_id: int | None
    client_openid: str
    type: str
    description: str
    urgency: Urgency
    photos: tuple[str, ...]
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class ServiceRequest:
    id: int
    firm_id: int
    number: str
    company_id: int
    contact_id: int | None
    client_openid: str
    type: str
    description: str
    urgency: Urgency
    photos: tuple[str, ...]
    status: Status
    created_at: datetime
    handler_id: int | None = None
    handler_name: str | None = None
    company_name: str = ""
    claimed_at: datetime | None = None
    first_progress_at: datetime | None = None
    completed_at: datetime | None = None
    due_at: datetime | None = None  # when the scheduler should next look at it
    push_count: int = 0
    reminded_at: datetime | None = None
    latest_progress: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RequestEvent:
    request_id: int
    at: datetime
    kind: EventKind
    actor: str  # a display name; empty for the system
    text: str = ""  # a person's own words (a description, a note, a rating comment)
    photos: tuple[str, ...] = field(default=())
    actor_id: int | None = None  # the staff id, for staff actions
    # What the event was about, for the timeline's wording: e.g. {"assignee": "王会计"} for an
    # assignment, the scores of a rating. Events recorded before facts existed have none and
    # carry their wording in `text`.
    facts: Mapping[str, Any] = field(default_factory=dict)


SYSTEM = ""  # the actor of the system's own steps (timers), worded by each edge
