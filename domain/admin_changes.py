"""The changes an admin makes in the panel, each through the same service the chat uses and
each with its audit entry in the same transaction: assigning work, the staff (add, invite,
role, deactivate), resolving complaints, and the firm's wording of its messages."""

from __future__ import annotations

from datetime import datetime

from domain import dispatch, feedback, notice_wording, people, staff_logins
from domain.actors import Actor
from domain.audit import entry
from domain.complaints import Complaint
from domain.dispatch import push_to_pool
from domain.dispatch_policy import DispatchPolicy, WorkingHours
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import Invite, Staff
from domain.message_templates import MessageTemplate, SavedTemplate
from domain.moves import move
from domain.notices import NoticeKind, RequestRef, TaskReleased
from domain.panel_ports import PanelUnitOfWork
from domain.request_notices import tell_admins
from domain.requests import HELD, EventKind, RequestEvent, ServiceRequest, Status
from domain.staff_access import AccessPolicy


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_people")


async def assign(
    uow: PanelUnitOfWork,
    actor: Actor,
    number: str,
    assignee: Staff | None,
    now: datetime,
    policy: DispatchPolicy,
) -> ServiceRequest:
    """`dispatch.assign`, which writes its own audit entry (the chat's assignments too)."""
    return await dispatch.assign(uow, actor, number, assignee, now, policy)


async def add_staff(
    uow: PanelUnitOfWork, actor: Actor, name: str, phone: str, admin: bool, now: datetime
) -> tuple[Staff, Invite]:
    """A new staff member and their WeChat binding code (`people.add_staff`)."""
    _admin(actor)
    staff, invite = await people.add_staff(uow, actor, name.strip(), now, phone.strip(), admin)
    await uow.audit.add(
        entry(actor, "staff_added", staff.name, now, after={"phone": staff.phone, "admin": admin})
    )
    return staff, invite


async def _member(uow: PanelUnitOfWork, actor: Actor, staff_id: int) -> Staff:
    staff = await uow.identities.get_staff(staff_id)
    if staff is None or staff.firm_id != actor.firm_id:
        raise NotFound("staff_not_found", name=str(staff_id))
    return staff


async def invite_to_panel(
    uow: PanelUnitOfWork, actor: Actor, staff_id: int, now: datetime, policy: AccessPolicy
) -> tuple[Staff, str, datetime]:
    """A one-time link for the staff member to set their panel password (shown once)."""
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    if not staff.active:
        raise Conflict("staff_inactive", name=staff.name)
    token, expires_at = await staff_logins.issue_link(uow, staff, now, policy)
    await uow.audit.add(entry(actor, "staff_invited", staff.name, now))
    return staff, token, expires_at


async def set_role(
    uow: PanelUnitOfWork, actor: Actor, staff_id: int, admin: bool, now: datetime
) -> Staff:
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    if staff.id == actor.staff_id and not admin:
        raise Conflict("cannot_demote_self")
    if not await uow.roster.set_admin(staff.id, admin):
        raise Conflict("role_unchanged", name=staff.name)
    await uow.audit.add(
        entry(actor, "staff_role", staff.name, now, {"admin": staff.is_admin}, {"admin": admin})
    )
    return await _member(uow, actor, staff.id)


async def set_working_hours(
    uow: PanelUnitOfWork,
    actor: Actor,
    staff_id: int,
    start: str,
    end: str,
    days: str,
    now: datetime,
    policy: DispatchPolicy,
) -> Staff:
    """A staff member's own working hours and days: new work is pushed to them, and they are
    reminded of a claim, only inside them (`dispatch.on_duty`, `dispatch_timers`)."""
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    text = WorkingHours.for_staff(start, end, days).staff_text()
    before = WorkingHours.of_staff(staff, policy.hours).staff_text()
    if not await uow.roster.set_working_hours(staff.id, text):
        raise Conflict("working_hours_unchanged", name=staff.name)
    await uow.audit.add(
        entry(actor, "staff_hours", staff.name, now, {"hours": before}, {"hours": text})
    )
    return await _member(uow, actor, staff.id)


CLAIMED_ONLY = frozenset({Status.CLAIMED, Status.ASSIGNED})


async def _release_held(
    uow: PanelUnitOfWork, actor: Actor, staff: Staff, now: datetime, policy: DispatchPolicy
) -> int:
    """`staff`'s claimed work without progress back to the pool (pushed again, admins told)."""
    released = 0
    for req in await uow.requests.list_for_handler(staff.id, CLAIMED_ONLY):
        if not await move(
            uow,
            req.id,
            CLAIMED_ONLY,
            Status.SUBMITTED,
            now,
            expect_handler=staff.id,
            handler_id=None,
            claimed_at=None,
            reminded_at=None,
            push_count=1,
            due_at=now + policy.claim_timeout(req.urgency),
        ):
            continue
        await uow.requests.add_event(
            RequestEvent(req.id, now, EventKind.RELEASED, actor.name, facts={"handler": staff.name})
        )
        fresh = await uow.requests.get_by_id(req.id) or req
        await push_to_pool(uow, fresh, now, again=True, hours=policy.hours)
        facts = TaskReleased(RequestRef.of(req), staff.name)
        await tell_admins(
            uow, req.firm_id, now, NoticeKind.TASK_RELEASED, facts, dedup=f"left:{req.id}:{now}"
        )
        await uow.audit.add(
            entry(
                actor,
                "release",
                req.number,
                now,
                before={"handler": staff.name, "status": req.status.value},
                after={"handler": None, "status": Status.SUBMITTED.value},
            )
        )
        released += 1
    return released


async def open_work_of(uow: PanelUnitOfWork, actor: Actor, staff_id: int) -> list[ServiceRequest]:
    """What a bulk reassign would move: the staff member's claimed, assigned and in-progress
    requests."""
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    return list(await uow.requests.list_for_handler(staff.id, HELD))


async def bulk_reassign(
    uow: PanelUnitOfWork,
    actor: Actor,
    staff_id: int,
    to_id: int | None,
    now: datetime,
    policy: DispatchPolicy,
    expected: int,
) -> int:
    """Move all of a staff member's open work (someone leaves): to another active staff
    member, each request through `dispatch.assign` (the new handler, the former one and the
    client hear of it; each audited), or with `to_id` None back to the pool (claimed work
    only: work in progress needs a person). All or nothing: any refusal refuses the lot.
    `expected` is the count the admin confirmed; if the work changed meanwhile, nothing moves."""
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    work = list(await uow.requests.list_for_handler(staff.id, HELD))
    if not work:
        raise Conflict("nothing_to_reassign", name=staff.name)
    if len(work) != expected:
        raise Conflict("reassign_count_changed", name=staff.name, count=str(len(work)))
    if to_id is None:
        if any(r.status is Status.IN_PROGRESS for r in work):
            raise Conflict("in_progress_needs_staff", name=staff.name)
        moved = await _release_held(uow, actor, staff, now, policy)
        target = None
    else:
        assignee = await uow.identities.get_staff(to_id)
        if assignee is None or not assignee.active or assignee.firm_id != actor.firm_id:
            raise NotFound("assignee_not_found")
        if assignee.id == staff.id:
            raise Conflict("reassign_to_same", name=staff.name)
        for req in work:
            await dispatch.assign(
                uow, actor, req.number, assignee, now, policy, in_progress_too=True
            )
        moved, target = len(work), assignee.name
    if moved != len(work):
        raise Conflict("reassign_count_changed", name=staff.name, count=str(moved))
    await uow.audit.add(
        entry(actor, "bulk_reassign", staff.name, now, {"open": len(work)}, {"to": target})
    )
    return moved


async def deactivate(
    uow: PanelUnitOfWork, actor: Actor, staff_id: int, now: datetime, policy: DispatchPolicy
) -> int:
    """Someone leaves: they can no longer log in or bind, and their claimed work without
    progress goes back to the pool (pushed again; admins told). Work in progress stays theirs
    for an admin to reassign on the board. How many requests went back."""
    _admin(actor)
    staff = await _member(uow, actor, staff_id)
    if staff.id == actor.staff_id:
        raise Conflict("cannot_deactivate_self")
    if not await uow.roster.set_active(staff.id, False):
        raise Conflict("staff_inactive", name=staff.name)
    released = await _release_held(uow, actor, staff, now, policy)
    await uow.audit.add(
        entry(
            actor,
            "staff_deactivated",
            staff.name,
            now,
            {"active": True},
            {"active": False, "released": released},
        )
    )
    return released


async def resolve_complaint(
    uow: PanelUnitOfWork, actor: Actor, number: str, note: str, now: datetime
) -> Complaint:
    """Close a case with a note; the client hears it (`feedback.resolve_complaint`)."""
    return await feedback.resolve_complaint(uow, actor, number, note, now)


async def reopen_complaint(
    uow: PanelUnitOfWork, actor: Actor, number: str, note: str, now: datetime
) -> Complaint:
    """Open a resolved case again with a note (`feedback.reopen_complaint`; the client is not
    messaged)."""
    return await feedback.reopen_complaint(uow, actor, number, note, now)


async def save_wording(
    uow: PanelUnitOfWork, actor: Actor, template: MessageTemplate, now: datetime
) -> SavedTemplate:
    earlier = (await uow.templates.latest(actor.firm_id)).get(template.kind)
    saved = await notice_wording.save_template(uow, actor, template, now)
    await uow.audit.add(
        entry(
            actor,
            "template_saved",
            f"{template.kind.value} v{saved.version}",
            now,
            earlier.template.parts() if earlier else None,
            template.parts(),
        )
    )
    return saved
