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

from domain.dispatch import DispatchPolicy, WorkingHours, push_to_pool
from domain.identity import Staff
from domain.notices import Notice, QuickReply
from domain.ports import UnitOfWork
from domain.request_notices import active_staff, request_fields, tell_admins
from domain.requests import SYSTEM, EventKind, RequestEvent, ServiceRequest, Status, move


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


def assign_buttons(number: str, staff: list[Staff]) -> tuple[QuickReply, ...]:
    return tuple(
        QuickReply(f"assign_task:{number}:{s.id}", f"分给{s.name}") for s in staff if not s.is_admin
    )[:6]


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
            await push_to_pool(uow, fresh, now, again=True)
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
        RequestEvent(req.id, now, EventKind.ESCALATED, SYSTEM, "超时无人接单，已转管理员指派")
    )
    staff = [s for s in await active_staff(uow, req.firm_id) if not s.is_admin]
    await tell_admins(
        uow,
        req.firm_id,
        now,
        "escalated",
        f"【待指派】{req.title}（{req.company_name}）推送两次仍无人接单。\n需求：{req.description}\n"
        f"请点下方按钮，或回复“分配 {req.number} 给 姓名”。",
        request_fields(req, now),
        assign_buttons(req.number, staff),
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
            RequestEvent(req.id, now, EventKind.REMINDED, SYSTEM, f"提醒{handler.name}更新进度")
        )
        if handler.openid:
            await uow.outbox.add(
                Notice(
                    handler.openid,
                    "claim_reminder",
                    f"提醒：您接的{req.title}（{req.company_name}）还没有进度更新，客户在等。\n"
                    f"请回复“进度 {req.number} 内容”，否则稍后将退回抢单池。",
                    template_fields=request_fields(req, now, handler=handler.name),
                    dedup_key=f"claim_reminder:{req.id}:{req.claimed_at.isoformat() if req.claimed_at else ''}",
                ),
                now,
            )
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
        RequestEvent(
            req.id, now, EventKind.RELEASED, SYSTEM, f"{handler.name}超时未更新进度，已退回抢单池"
        )
    )
    fresh = await uow.requests.get_by_id(req.id) or req
    await push_to_pool(uow, fresh, now, again=True)
    fields = request_fields(req, now, handler=handler.name)
    await tell_admins(
        uow,
        req.firm_id,
        now,
        "task_released",
        f"{req.title}（{req.company_name}）由{handler.name}接单后一直没有进度，已退回抢单池重新推送。",
        fields,
        dedup=f"released:{req.id}:{now.isoformat()}",
    )
    if handler.openid:
        await uow.outbox.add(
            Notice(
                handler.openid,
                "task_released",
                f"{req.number} 因长时间没有进度，已退回抢单池。",
                template_fields=fields,
            ),
            now,
        )
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
