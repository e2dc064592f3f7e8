"""Dispatch: getting every request into someone's hands.

A new request is pushed to every active staff member with a one-tap "抢单". The first claim wins
by one conditional UPDATE (no read-then-write); everyone after hears who got it. Timers live on
the request (`due_at`) and are worked by `scan`, which the scheduler calls: an unclaimed request
is pushed again once, then escalated to admins, who assign it by hand; a claim without first
progress reminds the claimer, then goes back to the pool. Each step is itself a conditional
UPDATE, so two workers or a restart never double-act, and reminders to people wait for working
hours (the scan simply does nothing yet and acts on a later run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from domain.clock import local
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import Identity, Staff
from domain.notices import Notice, QuickReply
from domain.ports import UnitOfWork
from domain.request_notices import active_staff, request_fields, tell_admins, tell_staff
from domain.requests import (
    FINISHED,
    HELD,
    SYSTEM,
    UNCLAIMED,
    EventKind,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
    move,
)


def _parse_hhmm(text: str) -> time:
    hh, _, mm = text.strip().partition(":")
    return time(int(hh), int(mm or 0))


@dataclass(frozen=True)
class WorkingHours:
    """When people may be reminded, in Asia/Shanghai: "09:00-18:00" on ISO weekdays 1-5."""

    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    @classmethod
    def parse(cls, hours: str = "09:00-18:00", days: str = "1-5") -> WorkingHours:
        start, _, end = hours.partition("-")
        picked: set[int] = set()
        for part in days.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            lo, _, hi = part.partition("-")
            picked.update(range(int(lo), int(hi or lo) + 1))
        return cls(_parse_hhmm(start), _parse_hhmm(end), frozenset(picked & set(range(1, 8))))

    @classmethod
    def of_staff(cls, staff: Staff, default: WorkingHours) -> WorkingHours:
        """A staff member's own hours (same days as the firm); the firm's when unreadable."""
        try:
            own = cls.parse(staff.working_hours)
        except ValueError:
            return default
        return cls(own.start, own.end, default.days)

    def is_open(self, at: datetime) -> bool:
        here = local(at)
        return here.isoweekday() in self.days and self.start <= here.time() < self.end


@dataclass(frozen=True)
class DispatchPolicy:
    claim_timeout_normal: timedelta = timedelta(minutes=30)
    claim_timeout_urgent: timedelta = timedelta(minutes=10)
    first_progress_timeout: timedelta = timedelta(minutes=120)
    hours: WorkingHours = field(default_factory=WorkingHours)

    def claim_timeout(self, urgency: Urgency) -> timedelta:
        return self.claim_timeout_urgent if urgency is Urgency.URGENT else self.claim_timeout_normal

    @classmethod
    def from_settings(cls, settings: Any) -> DispatchPolicy:
        """From any object with the settings' attribute names (missing ones keep defaults)."""
        d = cls()
        if settings is None:
            return d

        def minutes(name: str, default: timedelta) -> timedelta:
            value = getattr(settings, name, None)
            return default if value is None else timedelta(minutes=float(value))

        return cls(
            claim_timeout_normal=minutes("claim_timeout_min", d.claim_timeout_normal),
            claim_timeout_urgent=minutes("claim_timeout_urgent_min", d.claim_timeout_urgent),
            first_progress_timeout=minutes("first_progress_timeout_min", d.first_progress_timeout),
            hours=WorkingHours.parse(
                getattr(settings, "working_hours", "09:00-18:00"),
                getattr(settings, "working_days", "1-5"),
            ),
        )


def staff_of(ident: Identity) -> Staff:
    if not ident.is_staff or ident.staff is None:
        raise Forbidden("这是员工功能哦。如需办理业务，直接告诉我您要办什么就行。")
    return ident.staff


def claim_button(number: str) -> QuickReply:
    return QuickReply(f"claim_task:{number}", f"抢单 {number}")


async def push_to_pool(uow: UnitOfWork, req: ServiceRequest, now: datetime, again: bool) -> int:
    """Tell every active staff member about an unclaimed request, with a one-tap claim."""
    people = await active_staff(uow, req.firm_id)
    head = "【再次推送】仍无人接单：" if again else "【新业务】"
    text = (
        f"{head}{req.title}\n客户：{req.company_name}\n需求：{req.description}\n"
        f"点下方“抢单”或回复“抢单 {req.number}”接单。"
    )
    sent = await tell_staff(
        uow,
        people,
        now,
        "request_raised",
        text,
        request_fields(req, now, description=req.description[:60]),
        (claim_button(req.number),),
        dedup=f"pool:{req.id}:{req.push_count}:{now.isoformat()}",
    )
    if again:
        await uow.requests.add_event(
            RequestEvent(req.id, now, EventKind.PUSHED, SYSTEM, "再次推送")
        )
    return sent


def _refusal(current: ServiceRequest, staff: Staff) -> Conflict:
    n = current.number
    if current.status in HELD:
        if current.handler_id == staff.id:
            return Conflict(f"{n} 已经是您的单了，直接办理就好。")
        return Conflict(f"手慢了一步，{n} 已被{current.handler_name or '同事'}接单。下次加油！")
    if current.status is Status.CANCELLED:
        return Conflict(f"{n} 已被客户取消，不用接了。")
    if current.status in FINISHED:
        return Conflict(f"{n} 已经办结了，无需再接。")
    return Conflict(f"{n} 现在不能接单，请稍后再试。")


async def claim(
    uow: UnitOfWork, ident: Identity, number: str, now: datetime, policy: DispatchPolicy
) -> ServiceRequest:
    """First claim wins: the conditional UPDATE decides, its row count is the verdict."""
    staff = staff_of(ident)
    req = await uow.requests.get(ident.firm.id, number)
    if req is None:
        raise NotFound(f"没有找到单号 {number}，请核对一下。")
    won = await move(
        uow,
        req.id,
        UNCLAIMED,
        Status.CLAIMED,
        now,
        handler_id=staff.id,
        claimed_at=now,
        reminded_at=None,
        due_at=now + policy.first_progress_timeout,
    )
    if not won:
        current = await uow.requests.get_by_id(req.id) or req
        raise _refusal(current, staff)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.CLAIMED, staff.name, "", (), staff.id)
    )
    phone = f"，电话 {staff.phone}" if staff.phone else ""
    await uow.outbox.add(
        Notice(
            req.client_openid,
            "task_claimed",
            f"您的{req.title}已由{staff.name}接手办理{phone}。有进展会第一时间告诉您。",
            template_fields=request_fields(req, now, handler=staff.name),
        ),
        now,
    )
    return await uow.requests.get_by_id(req.id) or req


async def assign(
    uow: UnitOfWork,
    ident: Identity,
    number: str,
    assignee: Staff | None,
    now: datetime,
    policy: DispatchPolicy,
) -> ServiceRequest:
    """An admin hands a request to a named staff member (unclaimed, escalated or reassigned)."""
    if not ident.is_admin:
        raise Forbidden("分配任务需要管理员权限。")
    if assignee is None or not assignee.active or assignee.firm_id != ident.firm.id:
        raise NotFound("没有这位在职员工，请核对姓名，例如：分配 R1024 给 王会计。")
    req = await uow.requests.get(ident.firm.id, number)
    if req is None:
        raise NotFound(f"没有找到单号 {number}，请核对一下。")
    if req.handler_id == assignee.id and req.status in HELD:
        raise Conflict(f"{number} 已经由{assignee.name}负责了。")
    done = await move(
        uow,
        req.id,
        UNCLAIMED | {Status.CLAIMED, Status.ASSIGNED},
        Status.ASSIGNED,
        now,
        handler_id=assignee.id,
        claimed_at=now,
        reminded_at=None,
        due_at=now + policy.first_progress_timeout,
    )
    if not done:
        current = await uow.requests.get_by_id(req.id) or req
        if current.status is Status.IN_PROGRESS:
            raise Conflict(f"{number} 已由{current.handler_name}办理中，不便改派。")
        raise _refusal(current, assignee)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.ASSIGNED, ident.display_name, f"指派给{assignee.name}")
    )
    fields = request_fields(req, now, handler=assignee.name)
    if assignee.openid:
        await uow.outbox.add(
            Notice(
                assignee.openid,
                "task_assigned",
                f"{ident.display_name}把{req.title}（{req.company_name}）分配给您了：\n"
                f"{req.description}\n有进展请回复“进度 {req.number} 内容”。",
                template_fields=fields,
            ),
            now,
        )
    if req.handler_id is not None and req.handler_id != assignee.id:
        former = await uow.identities.get_staff(req.handler_id)
        if former is not None and former.openid:
            await uow.outbox.add(
                Notice(
                    former.openid,
                    "task_reassigned",
                    f"{req.number} 已由{ident.display_name}改派给{assignee.name}，您不用再跟进了。",
                    template_fields=fields,
                ),
                now,
            )
    phone = f"，电话 {assignee.phone}" if assignee.phone else ""
    await uow.outbox.add(
        Notice(
            req.client_openid,
            "task_claimed",
            f"您的{req.title}已安排{assignee.name}办理{phone}。有进展会第一时间告诉您。",
            template_fields=fields,
        ),
        now,
    )
    return await uow.requests.get_by_id(req.id) or req


@dataclass
class ScanReport:
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


async def pool(uow: UnitOfWork, ident: Identity) -> list[ServiceRequest]:
    staff_of(ident)
    return list(await uow.requests.list_by_status(ident.firm.id, UNCLAIMED))


async def my_tasks(uow: UnitOfWork, ident: Identity) -> list[ServiceRequest]:
    staff = staff_of(ident)
    return list(await uow.requests.list_for_handler(staff.id, HELD))
