"""Request use cases: a client raises, looks up and cancels; the handling staff member adds
progress and completes. Each takes the unit of work; notices go out in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain import dispatch
from domain.actors import Actor
from domain.dispatch import staff_of
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.moves import move
from domain.notices import (
    Notice,
    NoticeKind,
    ProgressAdded,
    RequestCancelled,
    RequestCompleted,
    RequestRef,
)
from domain.ports import UnitOfWork
from domain.request_notices import active_staff, photo_notices, tell_staff
from domain.requests import (
    FINISHED,
    HELD,
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    OPEN,
    REQUEST_SERIES,
    UNCLAIMED,
    EventKind,
    NewRequest,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
)
from domain.service_items import request_types_of

# Timeline entries a client sees; the rest (pushes, reminders) are the firm's business.
CLIENT_VISIBLE = frozenset(
    {
        EventKind.RAISED,
        EventKind.CLAIMED,
        EventKind.ASSIGNED,
        EventKind.PROGRESS,
        EventKind.COMPLETED,
        EventKind.RATED,
        EventKind.CANCELLED,
    }
)


def _client(actor: Actor) -> int:
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    return actor.company_id


async def offered_types(uow: UnitOfWork, firm_id: int) -> tuple[str, ...]:
    """The request types a client may raise now: those of the firm's active catalogue items,
    in display order. The catalogue is their one source of truth."""
    return request_types_of(await uow.catalogue.list_items(firm_id, active_only=True))


def _not_found(number: str) -> NotFound:
    return NotFound("request_not_found", number=number)


def _changed_meanwhile(number: str) -> Conflict:
    return Conflict("status_changed", number=number)


async def raise_request(
    uow: UnitOfWork,
    actor: Actor,
    type_: str,
    description: str,
    urgency: Urgency,
    photos: Sequence[str],
    now: datetime,
    policy: DispatchPolicy,
    *,
    offered_only: bool = True,
) -> ServiceRequest:
    """Record a confirmed request and put it in the pool (pushed to every active staff). Its
    type must be one the firm's catalogue offers now (`offered_only`); work the firm owes
    anyway (a paid order, a fee invoice) passes False."""
    company_id = _client(actor)
    if offered_only and type_ not in await offered_types(uow, actor.firm_id):
        raise Invalid("unknown_request_type", type=type_)
    description = description.strip()
    if not description:
        raise Invalid("description_missing")
    # Notices about the request reach the contact on WeChat, wherever it was raised.
    contact = await uow.identities.get_contact(actor.contact_id) if actor.contact_id else None
    number = await uow.requests.next_number(actor.firm_id, REQUEST_SERIES)
    req = await uow.requests.add(
        NewRequest(
            firm_id=actor.firm_id,
            number=number,
            company_id=company_id,
            contact_id=actor.contact_id,
            client_openid=(contact.openid if contact else None) or "",
            type=type_,
            description=description[:MAX_DESCRIPTION],
            urgency=urgency,
            photos=tuple(photos)[:MAX_PHOTOS],
            created_at=now,
            due_at=now + policy.claim_timeout(urgency),
        )
    )
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.RAISED, actor.name, req.description, req.photos)
    )
    await dispatch.push_to_pool(uow, req, now, again=False, hours=policy.hours)
    return req


async def visible_request(uow: UnitOfWork, actor: Actor, number: str) -> ServiceRequest:
    """A request the actor may see: their own company's, or any of the firm's for staff.
    Another company's number gets the same answer as an unknown one: it reveals nothing."""
    req = await uow.requests.get(actor.firm_id, number)
    if req is None:
        raise _not_found(number)
    if actor.is_staff or actor.is_system:
        return req
    if actor.is_client and req.company_id == actor.company_id:
        return req
    raise _not_found(number)


async def requests_in_view(uow: UnitOfWork, actor: Actor) -> Sequence[ServiceRequest]:
    """A client's open requests and those completed but not yet rated."""
    return await uow.requests.list_for_company(_client(actor), OPEN | {Status.COMPLETED})


async def timeline(
    uow: UnitOfWork, actor: Actor, number: str
) -> tuple[ServiceRequest, list[RequestEvent]]:
    req = await visible_request(uow, actor, number)
    events = await uow.requests.events(req.id)
    if not (actor.is_staff or actor.is_system):
        events = [e for e in events if e.kind in CLIENT_VISIBLE]
    return req, list(events)


async def cancel_request(
    uow: UnitOfWork, actor: Actor, number: str, now: datetime
) -> ServiceRequest:
    """A client may cancel a request nobody has claimed yet."""
    _client(actor)
    req = await visible_request(uow, actor, number)
    if not await move(uow, req.id, UNCLAIMED, Status.CANCELLED, now, due_at=None):
        current = await uow.requests.get_by_id(req.id) or req
        if current.status is Status.CANCELLED:
            raise Conflict("already_cancelled", number=number)
        if current.status in HELD:
            raise Conflict("cancel_after_claim", number=number, handler=current.handler_name)
        raise Conflict("cancel_after_completion", number=number)
    await uow.requests.add_event(RequestEvent(req.id, now, EventKind.CANCELLED, actor.name))
    # Everyone it was pushed to (every active staff member; admins too once it had escalated)
    # hears it in one line, so nobody sets out to claim it.
    await tell_staff(
        uow,
        await active_staff(uow, req.firm_id),
        now,
        NoticeKind.REQUEST_CANCELLED,
        RequestCancelled(RequestRef.of(req)),
        dedup=f"cancelled:{req.id}",
    )
    return req


async def held_by(uow: UnitOfWork, actor: Actor, number: str) -> ServiceRequest:
    """A request the acting staff member is working on (admins may act on any)."""
    staff_id = staff_of(actor)
    req = await uow.requests.get(actor.firm_id, number)
    if req is None:
        raise _not_found(number)
    if req.status in UNCLAIMED:
        raise Conflict("not_claimed_yet", number=number)
    if req.status is Status.CANCELLED:
        raise Conflict("cancelled_by_client", number=number)
    if req.status in FINISHED:
        raise Conflict("already_finished", number=number)
    if req.handler_id != staff_id and not actor.is_admin:
        raise Forbidden("not_your_request", number=number, handler=req.handler_name)
    return req


async def add_progress(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    text: str,
    photos: Sequence[str],
    now: datetime,
) -> ServiceRequest:
    """A progress note (and photos) on a held request; it reaches the client at once."""
    req = await held_by(uow, actor, number)
    text = text.strip()[:MAX_DESCRIPTION]
    if not text and not photos:
        raise Invalid("progress_missing", number=number)
    staff_id = staff_of(actor)
    if not await move(
        uow,
        req.id,
        HELD,
        Status.IN_PROGRESS,
        now,
        expect_handler=req.handler_id,
        due_at=None,
        latest_progress=text,  # empty for photos alone
        first_progress_at=req.first_progress_at or now,
    ):
        raise _changed_meanwhile(number)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.PROGRESS, actor.name, text, tuple(photos), staff_id)
    )
    facts = ProgressAdded(RequestRef.of(req), actor.name, text)
    await uow.outbox.add(Notice(req.client_openid, NoticeKind.PROGRESS_ADDED, facts), now)
    for n in photo_notices(req.client_openid, NoticeKind.PROGRESS_PHOTO, photos):
        await uow.outbox.add(n, now)
    return req


async def complete(
    uow: UnitOfWork, actor: Actor, number: str, note: str, now: datetime
) -> ServiceRequest:
    """Done: tell the client and ask for the rating at once, with one-tap answers."""
    req = await held_by(uow, actor, number)
    staff_id = staff_of(actor)
    note = note.strip()[:MAX_DESCRIPTION]
    if not await move(
        uow,
        req.id,
        HELD,
        Status.COMPLETED,
        now,
        expect_handler=req.handler_id,
        due_at=None,
        completed_at=now,
        latest_progress=note,
    ):
        raise _changed_meanwhile(number)
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.COMPLETED, actor.name, note, (), staff_id)
    )
    handler = req.handler_name or actor.name
    done = RequestCompleted(RequestRef.of(req), handler, note, rate=True)
    await uow.outbox.add(Notice(req.client_openid, NoticeKind.REQUEST_COMPLETED, done), now)
    return req
