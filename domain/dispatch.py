"""Dispatch: getting every request into someone's hands.

A new request is pushed to every active staff member with a one-tap "抢单". The first claim wins
by one conditional UPDATE (no read-then-write); everyone after hears who got it; admins can
assign by hand. Timers live on the request (`due_at`) and are worked by
`domain.dispatch_timers.scan`, which the scheduler calls: re-push, escalate to admins, remind a
silent claimer, release back to the pool. The policy (timeouts, working hours) lives in
`domain.dispatch_policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor
from domain.audit import entry
from domain.dispatch_policy import DispatchPolicy, WorkingHours
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import Staff
from domain.moves import move
from domain.notices import (
    Notice,
    NoticeKind,
    RequestRaised,
    RequestRef,
    TaskAssigned,
    TaskClaimed,
    TaskReassigned,
)
from domain.ports import UnitOfWork
from domain.request_notices import active_staff, photo_notices, tell_staff
from domain.requests import (
    FINISHED,
    HELD,
    SYSTEM,
    UNCLAIMED,
    EventKind,
    RequestEvent,
    ServiceRequest,
    Status,
)


def staff_of(actor: Actor) -> int:
    """The acting staff member's id; anyone else is refused."""
    if not actor.is_staff or actor.staff_id is None:
        raise Forbidden("staff_only")
    return actor.staff_id


async def acting_staff(uow: UnitOfWork, actor: Actor) -> Staff:
    """The acting staff member as the firm knows them now (a web panel's login may outlive
    their employment: someone no longer active is refused)."""
    staff = await uow.identities.get_staff(staff_of(actor))
    if staff is None or not staff.active or staff.firm_id != actor.firm_id:
        raise Forbidden("staff_only")
    return staff


def on_duty(people: Sequence[Staff], now: datetime, hours: WorkingHours | None) -> list[Staff]:
    """Who should hear of new work now: those inside their own working hours (each staff
    member's, or the firm's). When nobody is, everyone: a request is never pushed to no one
    (the claim timer and escalation to the admins still run, and a client waits less)."""
    if hours is None:
        return list(people)
    working = [s for s in people if WorkingHours.of_staff(s, hours).is_open(now)]
    return working or list(people)


async def push_to_pool(
    uow: UnitOfWork,
    req: ServiceRequest,
    now: datetime,
    again: bool,
    hours: WorkingHours | None = None,
) -> int:
    """Tell the active staff about an unclaimed request, with a one-tap claim: with the firm's
    `hours`, only those at work now (`on_duty`); the next push reaches whoever is then."""
    people = on_duty(await active_staff(uow, req.firm_id), now, hours)
    sent = await tell_staff(
        uow,
        people,
        now,
        NoticeKind.REQUEST_RAISED,
        RequestRaised(RequestRef.of(req), again, len(req.photos)),
        dedup=f"pool:{req.id}:{req.push_count}:{now.isoformat()}",
    )
    if again:
        await uow.requests.add_event(
            RequestEvent(req.id, now, EventKind.PUSHED, SYSTEM, facts={"again": True})
        )
    return sent


def _refusal(current: ServiceRequest, staff_id: int) -> Conflict:
    n = current.number
    if current.status in HELD:
        if current.handler_id == staff_id:
            return Conflict("already_yours", number=n)
        return Conflict("claimed_by_another", number=n, handler=current.handler_name)
    if current.status is Status.CANCELLED:
        return Conflict("claim_cancelled", number=n)
    if current.status in FINISHED:
        return Conflict("claim_finished", number=n)
    return Conflict("not_claimable", number=n)


async def claim(
    uow: UnitOfWork, actor: Actor, number: str, now: datetime, policy: DispatchPolicy
) -> ServiceRequest:
    """First claim wins: the conditional UPDATE decides, its row count is the verdict."""
    staff = await acting_staff(uow, actor)
    req = await uow.requests.get(actor.firm_id, number)
    if req is None:
        raise NotFound("request_not_found", number=number)
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
        raise _refusal(current, staff.id)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.CLAIMED, staff.name, "", (), staff.id)
    )
    if staff.openid:  # the client's photos travel with the request to whoever holds it
        for n in photo_notices(staff.openid, NoticeKind.REQUEST_PHOTO, req.photos):
            await uow.outbox.add(n, now)
    claimed = TaskClaimed(RequestRef.of(req), staff.name, staff.phone)
    await uow.outbox.add(Notice(req.client_openid, NoticeKind.TASK_CLAIMED, claimed), now)
    return await uow.requests.get_by_id(req.id) or req


async def assign(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    assignee: Staff | None,
    now: datetime,
    policy: DispatchPolicy,
    *,
    in_progress_too: bool = False,
) -> ServiceRequest:
    """An admin hands a request to a named staff member (unclaimed, escalated or reassigned).
    With `in_progress_too` (moving a leaver's work) a request already in progress changes
    hands and stays in progress, its progress kept."""
    if not actor.is_admin:
        raise Forbidden("admins_only_assign")
    if assignee is None or not assignee.active or assignee.firm_id != actor.firm_id:
        raise NotFound("assignee_not_found")
    req = await uow.requests.get(actor.firm_id, number)
    if req is None:
        raise NotFound("request_not_found", number=number)
    if req.handler_id == assignee.id and req.status in HELD:
        raise Conflict("already_assigned", number=number, assignee=assignee.name)
    taking_over = in_progress_too and req.status is Status.IN_PROGRESS
    after = Status.IN_PROGRESS if taking_over else Status.ASSIGNED
    if taking_over:
        done = await move(
            uow,
            req.id,
            frozenset({Status.IN_PROGRESS}),
            Status.IN_PROGRESS,
            now,
            expect_handler=req.handler_id,
            handler_id=assignee.id,
        )
    else:
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
            raise Conflict("in_progress_elsewhere", number=number, handler=current.handler_name)
        raise _refusal(current, assignee.id)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.ASSIGNED, actor.name, facts={"assignee": assignee.name})
    )
    ref = RequestRef.of(req)
    if assignee.openid:
        assigned = TaskAssigned(ref, assignee.name, actor.name, len(req.photos))
        await uow.outbox.add(Notice(assignee.openid, NoticeKind.TASK_ASSIGNED, assigned), now)
        for n in photo_notices(assignee.openid, NoticeKind.REQUEST_PHOTO, req.photos):
            await uow.outbox.add(n, now)
    if req.handler_id is not None and req.handler_id != assignee.id:
        former = await uow.identities.get_staff(req.handler_id)
        if former is not None and former.openid:
            moved = TaskReassigned(ref, assignee.name, actor.name)
            await uow.outbox.add(Notice(former.openid, NoticeKind.TASK_REASSIGNED, moved), now)
    arranged = TaskClaimed(ref, assignee.name, assignee.phone, assigned=True)
    await uow.outbox.add(Notice(req.client_openid, NoticeKind.TASK_CLAIMED, arranged), now)
    await uow.audit.add(
        entry(
            actor,
            "assign",
            number,
            now,
            before={"handler": req.handler_name, "status": req.status.value},
            after={"handler": assignee.name, "status": after.value},
        )
    )
    return await uow.requests.get_by_id(req.id) or req


async def pool(uow: UnitOfWork, actor: Actor) -> list[ServiceRequest]:
    staff_of(actor)
    return list(await uow.requests.list_by_status(actor.firm_id, UNCLAIMED))


async def my_tasks(uow: UnitOfWork, actor: Actor) -> list[ServiceRequest]:
    return list(await uow.requests.list_for_handler(staff_of(actor), HELD))
