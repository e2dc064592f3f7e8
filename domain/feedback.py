"""Feedback use cases: a client rates the accountant after completion and complains when
something went wrong; admins resolve complaints. A low rating opens a complaint on its own.
The models live in `domain.ratings` and `domain.complaints`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.actors import Actor
from domain.audit import entry
from domain.complaints import COMPLAINT_SERIES, MAX_TEXT, Complaint, NewComplaint
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.lifecycle import visible_request
from domain.moves import move
from domain.notices import (
    ComplaintFollowup,
    ComplaintOpened,
    ComplaintResolved,
    Notice,
    NoticeKind,
    Photo,
    RatingFigures,
    RequestRef,
)
from domain.ports import UnitOfWork
from domain.ratings import CHANGE_WINDOW, RateOutcome, Rating
from domain.request_notices import admins, tell_admins
from domain.requests import FINISHED, EventKind, RequestEvent, ServiceRequest, Status

# -- complaints ------------------------------------------------------------------------------


async def _client_name(uow: UnitOfWork, actor: Actor) -> str:
    """How admins know the complaining client: company and person."""
    company = await uow.identities.get_company(actor.company_id) if actor.company_id else None
    return f"{company.name if company else ''} {actor.name}"


async def _client_openid(uow: UnitOfWork, actor: Actor) -> str:
    contact = await uow.identities.get_contact(actor.contact_id) if actor.contact_id else None
    return (contact.openid if contact else None) or ""


async def _tell_admins_opened(
    uow: UnitOfWork, facts: ComplaintOpened, c: Complaint, now: datetime
) -> None:
    kind = NoticeKind.COMPLAINT_OPENED
    await tell_admins(uow, c.firm_id, now, kind, facts, dedup=f"complaint_opened:{c.id}")
    for photo in c.photos:
        for admin in await admins(uow, c.firm_id):
            await uow.outbox.add(
                Notice(admin.openid or "", NoticeKind.COMPLAINT_PHOTO, Photo(photo)), now
            )


async def open_complaint(
    uow: UnitOfWork,
    actor: Actor,
    description: str,
    photos: Sequence[str],
    request: ServiceRequest | None,
    staff_name: str | None,
    now: datetime,
) -> Complaint:
    """`request` must already be one the client may see (see `lifecycle.visible_request`)."""
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("complaints_clients_only")
    description = description.strip()
    if not description:
        raise Invalid("complaint_missing")
    staff_id = request.handler_id if request is not None else None
    named = await uow.identities.staff_by_name(actor.firm_id, staff_name) if staff_name else None
    if named is not None:
        staff_id = named.id
    number = await uow.requests.next_number(actor.firm_id, COMPLAINT_SERIES)
    c = await uow.complaints.add(
        NewComplaint(
            firm_id=actor.firm_id,
            number=number,
            company_id=actor.company_id,
            client_openid=await _client_openid(uow, actor),
            client_name=await _client_name(uow, actor),
            description=description[:MAX_TEXT],
            created_at=now,
            photos=tuple(photos),
            request_id=request.id if request is not None else None,
            staff_id=staff_id,
        )
    )
    facts = ComplaintOpened(
        c.number,
        c.client_name,
        c.description,
        RequestRef.of(request) if request is not None else None,
        request.handler_name if request is not None else None,
        named.name if named is not None else None,
    )
    await _tell_admins_opened(uow, facts, c, now)
    return c


async def add_to_complaint(
    uow: UnitOfWork, actor: Actor, number: str, text: str, now: datetime
) -> Complaint:
    """The client adds to their own case ("尽快给个说法"): the admins hear it at once."""
    if not actor.is_client:
        raise Forbidden("complaints_clients_only")
    c = await uow.complaints.get(actor.firm_id, number)
    if c is None or c.client_openid != await _client_openid(uow, actor):
        raise NotFound("complaint_not_found", number=number)
    words = text.strip()[:MAX_TEXT]
    facts = ComplaintFollowup(c.number, c.client_name, words)
    await tell_admins(uow, c.firm_id, now, NoticeKind.COMPLAINT_FOLLOWUP, facts)
    return c


async def open_from_rating(
    uow: UnitOfWork, req: ServiceRequest, client_name: str, rating: Rating, now: datetime
) -> Complaint | None:
    """A low rating becomes a follow-up case for the admins, once per request."""
    if await uow.complaints.for_request(req.id) is not None:
        return None
    number = await uow.requests.next_number(req.firm_id, COMPLAINT_SERIES)
    c = await uow.complaints.add(
        NewComplaint(
            firm_id=req.firm_id,
            number=number,
            company_id=req.company_id,
            client_openid=req.client_openid,
            client_name=client_name,
            description=rating.comment,  # the scores stay with the rating
            created_at=now,
            request_id=req.id,
            staff_id=req.handler_id,
            source="rating",
        )
    )
    facts = ComplaintOpened(
        c.number,
        c.client_name,
        c.description,
        RequestRef.of(req),
        req.handler_name,
        rating=RatingFigures(rating.attitude, rating.speed, rating.comment),
    )
    await _tell_admins_opened(uow, facts, c, now)
    return c


async def resolve_complaint(
    uow: UnitOfWork, actor: Actor, number: str, resolution: str, now: datetime
) -> Complaint:
    """An admin closes a case; the client hears the outcome."""
    if not actor.is_admin:
        raise Forbidden("admins_only_resolve")
    resolution = resolution.strip()
    if not resolution:
        raise Invalid("resolution_missing", number=number)
    c = await uow.complaints.get(actor.firm_id, number)
    if c is None:
        raise NotFound("complaint_not_found", number=number)
    if not await uow.complaints.resolve(c.id, resolution[:MAX_TEXT], actor.name, now):
        raise Conflict("complaint_already_resolved", number=number)
    resolved = ComplaintResolved(c.number, resolution)
    await uow.outbox.add(Notice(c.client_openid, NoticeKind.COMPLAINT_RESOLVED, resolved), now)
    await uow.audit.add(
        entry(
            actor, "complaint_resolved", c.number, now, {"status": c.status}, {"note": resolution}
        )
    )
    return c


async def reopen_complaint(
    uow: UnitOfWork, actor: Actor, number: str, note: str, now: datetime
) -> Complaint:
    """An admin opens a resolved case again (it was not really settled). The client is not
    told (they already heard the outcome, and will hear the next one); the case is back on
    the open list for the admins. Returns the case as it was before."""
    if not actor.is_admin:
        raise Forbidden("admins_only_resolve")
    note = note.strip()
    if not note:
        raise Invalid("reopen_note_missing", number=number)
    c = await uow.complaints.get(actor.firm_id, number)
    if c is None:
        raise NotFound("complaint_not_found", number=number)
    if not await uow.complaints.reopen(c.id, note[:MAX_TEXT], actor.name, now):
        raise Conflict("complaint_not_resolved", number=number)
    await uow.audit.add(
        entry(
            actor,
            "complaint_reopened",
            c.number,
            now,
            {"status": c.status, "resolution": c.resolution},
            {"status": "open", "note": note},
        )
    )
    return c


# -- ratings ---------------------------------------------------------------------------------


async def ratable(
    uow: UnitOfWork, actor: Actor, number: str
) -> tuple[ServiceRequest, Rating | None]:
    """The client's own finished request and its earlier rating; refuse anything else."""
    if not actor.is_client:
        raise Forbidden("ratings_clients_only")
    req = await visible_request(uow, actor, number)
    if req.status not in FINISHED:
        raise Conflict("not_finished_yet", number=number)
    return req, await uow.ratings.get(req.id)


async def latest_ratable(uow: UnitOfWork, actor: Actor) -> ServiceRequest | None:
    """The client's most recently completed request still open to a rating or a change."""
    if not actor.is_client or actor.company_id is None:
        return None
    done = await uow.requests.list_for_company(actor.company_id, FINISHED)
    return max(done, key=lambda r: r.completed_at or r.created_at, default=None)


async def rate(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    attitude: int,
    speed: int,
    comment: str,
    now: datetime,
) -> RateOutcome:
    if not (1 <= attitude <= 5 and 1 <= speed <= 5):
        raise Invalid("score_out_of_range")
    req, earlier = await ratable(uow, actor, number)
    comment = comment.strip()[:500]
    if earlier is not None:
        if now - earlier.created_at > CHANGE_WINDOW:
            raise Conflict("rating_locked", number=number)
        rating = replace(earlier, attitude=attitude, speed=speed, comment=comment, updated_at=now)
    else:
        if not await move(uow, req.id, frozenset({Status.COMPLETED}), Status.RATED, now):
            raise Conflict("already_rated", number=number)
        rating = Rating(
            req.id, req.firm_id, req.company_id, req.handler_id, attitude, speed, comment, now, now
        )
    await uow.ratings.save(rating)
    scores = {"attitude": attitude, "speed": speed, "changed": earlier is not None}
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.RATED, actor.name, comment, facts=scores)
    )
    complaint = None
    if rating.low:
        complaint = await open_from_rating(
            uow,
            req,
            await _client_name(uow, actor),
            rating,
            now,
        )
    return RateOutcome(rating, earlier is not None, complaint)
