"""Dispatch timers: what happens when a request's `due_at` passes.

`scan`, which the scheduler calls, works every due timer once: an unclaimed request is pushed
again once, then escalated to admins, who assign it by hand; a claim without first progress
reminds the claimer, then goes back to the pool. Each step is a conditional UPDATE whose
expectations a second run no longer meets, so two workers or a restart never double-act, and
reminders to people wait for working hours (the scan does nothing yet and acts on a later run).
The claims and pushes these timers build on live in `domain.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.dispatch import push_to_pool
from domain.dispatch_policy import DispatchPolicy, WorkingHours
from domain.moves import move
from domain.notices import (
    ClaimReminder,
    Escalated,
    Notice,
    NoticeKind,
    RequestRef,
    StaffChoice,
    TaskReleased,
)
from domain.ports import UnitOfWork
from domain.request_notices import active_staff, tell_admins
from domain.requests import SYSTEM, EventKind, RequestEvent, ServiceRequest, Status


@dataclass
class ScanReport:
    """What one scan did, counted per kind of step (the job logs it; tests assert on it)."""

    repushed: int = 0
    escalated: int = 0
    reminded: int = 0
    released: int = 0
    waiting: int = 0  # due, but outside working hours

    @property
    def acted(self) -> int:
        return self.repushed + self.escalated + self.reminded + self.released


# One-tap assignments offered to the admins with an escalation.
MAX_CHOICES = 6


async def _unclaimed_due(
    uow: UnitOfWork, req: ServiceRequest, now: datetime, policy: DispatchPolicy, rep: ScanReport
) -> None:
    if req.push_count <= 1:
        if await move(
            uow,
            req.id,
            frozenset({Status.SUBMITTED}),
            Status.SUBMITTED,
            now,
            expect_push_count=req.push_count,
            push_count=req.push_count + 1,
            due_at=now + policy.claim_timeout(req.urgency),
        ):
            fresh = await uow.requests.get_by_id(req.id) or req
            await push_to_pool(uow, fresh, now, again=True, hours=policy.hours)
            rep.repushed += 1
        return
    if not await move(
        uow,
        req.id,
        frozenset({Status.SUBMITTED}),
        Status.ESCALATED,
        now,
        expect_push_count=req.push_count,
        due_at=None,
    ):
        return
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.ESCALATED, SYSTEM, facts={"pushes": req.push_count})
    )
    staff = [s for s in await active_staff(uow, req.firm_id) if not s.is_admin]
    choices = tuple(StaffChoice(s.id, s.name) for s in staff[:MAX_CHOICES])
    await tell_admins(
        uow,
        req.firm_id,
        now,
        NoticeKind.ESCALATED,
        Escalated(RequestRef.of(req), choices),
        dedup=f"escalated:{req.id}:{now.isoformat()}",
    )
    rep.escalated += 1


async def _held_due(
    uow: UnitOfWork, req: ServiceRequest, now: datetime, policy: DispatchPolicy, rep: ScanReport
) -> None:
    if req.handler_id is None or req.first_progress_at is not None:
        return
    handler = await uow.identities.get_staff(req.handler_id)
    if handler is None:
        return
    if not WorkingHours.of_staff(handler, policy.hours).is_open(now):
        rep.waiting += 1
        return
    if req.reminded_at is None:
        if not await move(
            uow,
            req.id,
            frozenset({req.status}),
            req.status,
            now,
            expect_handler=handler.id,
            expect_reminded=False,
            reminded_at=now,
            due_at=now + policy.first_progress_timeout,
        ):
            return
        await uow.requests.add_event(
            RequestEvent(req.id, now, EventKind.REMINDED, SYSTEM, facts={"handler": handler.name})
        )
        if handler.openid:
            claimed_at = req.claimed_at.isoformat() if req.claimed_at else ""
            reminder = Notice(
                handler.openid,
                NoticeKind.CLAIM_REMINDER,
                ClaimReminder(RequestRef.of(req), handler.name),
                dedup_key=f"claim_reminder:{req.id}:{claimed_at}",
            )
            await uow.outbox.add(reminder, now)
        rep.reminded += 1
        return
    if not await move(
        uow,
        req.id,
        frozenset({Status.CLAIMED, Status.ASSIGNED}),
        Status.SUBMITTED,
        now,
        expect_handler=handler.id,
        expect_reminded=True,
        handler_id=None,
        claimed_at=None,
        reminded_at=None,
        push_count=1,
        due_at=now + policy.claim_timeout(req.urgency),
    ):
        return
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.RELEASED, SYSTEM, facts={"handler": handler.name})
    )
    fresh = await uow.requests.get_by_id(req.id) or req
    await push_to_pool(uow, fresh, now, again=True, hours=policy.hours)
    released = TaskReleased(RequestRef.of(req), handler.name)
    await tell_admins(
        uow,
        req.firm_id,
        now,
        NoticeKind.TASK_RELEASED,
        released,
        dedup=f"released:{req.id}:{now.isoformat()}",
    )
    if handler.openid:
        await uow.outbox.add(Notice(handler.openid, NoticeKind.TASK_TAKEN_BACK, released), now)
    rep.released += 1


async def scan(
    uow: UnitOfWork, now: datetime, policy: DispatchPolicy, limit: int = 100
) -> ScanReport:
    """Work every due timer once. Idempotent: each step is a conditional UPDATE whose
    expectations (status, push count, reminder) a second run no longer meets."""
    rep = ScanReport()
    for req in await uow.requests.due(now, limit):
        if req.status is Status.SUBMITTED:
            if not policy.hours.is_open(now):
                rep.waiting += 1
                continue
            await _unclaimed_due(uow, req, now, policy, rep)
        elif req.status in (Status.CLAIMED, Status.ASSIGNED):
            await _held_due(uow, req, now, policy, rep)
    return rep
