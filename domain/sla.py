"""How a request stands against the dispatch policy's allowances, for the board's colours:
time to claim (unclaimed: since it was raised, against the claim timeout for its urgency) and
time to first progress (claimed or assigned, nothing reported yet: since the claim, against the
first-progress timeout). Past half the allowance is a warning, past the whole of it late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.dispatch_policy import DispatchPolicy
from domain.requests import UNCLAIMED, ServiceRequest, Status


class SlaClock(StrEnum):
    CLAIM = "claim"  # waiting for someone to take it
    FIRST_PROGRESS = "first_progress"  # taken, waiting for the first progress


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # past half the allowance
    LATE = "late"  # past the allowance


@dataclass(frozen=True)
class Sla:
    clock: SlaClock
    state: SlaState
    waited: timedelta
    allowance: timedelta

    @property
    def minutes(self) -> int:
        return max(int(self.waited.total_seconds() // 60), 0)


def grade(waited: timedelta, allowance: timedelta) -> SlaState:
    """Exactly half the allowance is still ok, exactly the allowance still a warning."""
    if waited > allowance:
        return SlaState.LATE
    if waited * 2 > allowance:
        return SlaState.WARNING
    return SlaState.OK


def sla_of(req: ServiceRequest, now: datetime, policy: DispatchPolicy) -> Sla | None:
    """The running clock of a request, or None when none runs (in progress, finished)."""
    if req.status in UNCLAIMED:
        waited, allowance, clock = (
            now - req.created_at,
            policy.claim_timeout(req.urgency),
            SlaClock.CLAIM,
        )
    elif req.status in (Status.CLAIMED, Status.ASSIGNED) and req.first_progress_at is None:
        since = req.claimed_at or req.created_at
        waited, allowance = now - since, policy.first_progress_timeout
        clock = SlaClock.FIRST_PROGRESS
    else:
        return None
    return Sla(clock, grade(waited, allowance), waited, allowance)
