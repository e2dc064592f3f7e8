"""The board's SLA colours: which clock runs, and the boundaries at half and the whole
allowance (time to claim by urgency, time to first progress since the claim)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.clock import SHANGHAI
from domain.dispatch_policy import DispatchPolicy
from domain.requests import ServiceRequest, Status, Urgency
from domain.sla import SlaClock, SlaState, grade, sla_of

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
POLICY = DispatchPolicy(
    claim_timeout_normal=timedelta(minutes=30),
    claim_timeout_urgent=timedelta(minutes=10),
    first_progress_timeout=timedelta(minutes=120),
)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def request(status: Status = Status.SUBMITTED, urgency: Urgency = Urgency.NORMAL) -> ServiceRequest:
    return ServiceRequest(
        1, 1, "R1001", 1, None, "o-client", "记账", "要记账", urgency, (), status, T0
    )


@pytest.mark.parametrize(
    ("waited", "state"),
    [
        (timedelta(0), SlaState.OK),
        (15 * MIN, SlaState.OK),
        (15 * MIN + SEC, SlaState.WARNING),
        (30 * MIN, SlaState.WARNING),
        (30 * MIN + SEC, SlaState.LATE),
    ],
)
def test_time_to_claim_boundaries_for_a_normal_request(waited: timedelta, state: SlaState) -> None:
    sla = sla_of(request(), T0 + waited, POLICY)
    assert sla is not None and sla.clock is SlaClock.CLAIM and sla.state is state


def test_urgent_requests_use_the_urgent_claim_timeout_and_escalated_ones_still_count() -> None:
    urgent = request(urgency=Urgency.URGENT)
    assert sla_of(urgent, T0 + 5 * MIN, POLICY).state is SlaState.OK  # type: ignore[union-attr]
    assert sla_of(urgent, T0 + 6 * MIN, POLICY).state is SlaState.WARNING  # type: ignore[union-attr]
    assert sla_of(urgent, T0 + 11 * MIN, POLICY).state is SlaState.LATE  # type: ignore[union-attr]
    escalated = sla_of(request(Status.ESCALATED), T0 + 35 * MIN, POLICY)
    assert escalated is not None and escalated.state is SlaState.LATE and escalated.minutes == 35


@pytest.mark.parametrize("status", [Status.CLAIMED, Status.ASSIGNED])
def test_time_to_first_progress_counts_from_the_claim(status: Status) -> None:
    claimed = replace(request(status), claimed_at=T0 + 60 * MIN, handler_id=3)
    at = claimed.claimed_at
    assert at is not None
    assert sla_of(claimed, at + 60 * MIN, POLICY).state is SlaState.OK  # type: ignore[union-attr]
    assert sla_of(claimed, at + 61 * MIN, POLICY).state is SlaState.WARNING  # type: ignore[union-attr]
    assert sla_of(claimed, at + 120 * MIN, POLICY).state is SlaState.WARNING  # type: ignore[union-attr]
    late = sla_of(claimed, at + 121 * MIN, POLICY)
    assert late is not None and late.clock is SlaClock.FIRST_PROGRESS
    assert late.state is SlaState.LATE and late.minutes == 121


def test_no_clock_once_progress_is_reported_or_the_request_is_finished() -> None:
    progressed = replace(request(Status.CLAIMED), claimed_at=T0, first_progress_at=T0 + MIN)
    assert sla_of(progressed, T0 + 500 * MIN, POLICY) is None
    for status in (Status.IN_PROGRESS, Status.COMPLETED, Status.RATED, Status.CANCELLED):
        assert sla_of(request(status), T0 + 500 * MIN, POLICY) is None


def test_grade_is_ok_up_to_half_and_warning_up_to_the_whole() -> None:
    assert grade(timedelta(minutes=5), timedelta(minutes=10)) is SlaState.OK
    assert grade(timedelta(minutes=10), timedelta(minutes=10)) is SlaState.WARNING
    assert grade(timedelta(minutes=10, seconds=1), timedelta(minutes=10)) is SlaState.LATE
