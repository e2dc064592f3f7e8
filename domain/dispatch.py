"""Dispatch: getting every request into someone's hands.

A new request is pushed to every active staff member with a one-tap "抢单". The first claim wins
by one conditional UPDATE (no read-then-write); everyone after hears who got it; admins can
assign by hand. Timers live on the request (`due_at`) and are worked by
`domain.dispatch_timers.scan`, which the scheduler calls: re-push, escalate to admins, remind a
silent claimer, release back to the pool. The policy (timeouts, working hours) lives here.
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
from domain.request_notices import active_staff, request_fields, tell_staff
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


async def pool(uow: UnitOfWork, ident: Identity) -> list[ServiceRequest]:
    staff_of(ident)
    return list(await uow.requests.list_by_status(ident.firm.id, UNCLAIMED))


async def my_tasks(uow: UnitOfWork, ident: Identity) -> list[ServiceRequest]:
    staff = staff_of(ident)
    return list(await uow.requests.list_for_handler(staff.id, HELD))
