"""Handing things to people: a client's papers for their accountant (ID cards, licences,
contracts sent as photos), a client's thanks for the accountant they named, and a stranger's
phone number for the admins (a lead).

Each is told at once through the outbox; nothing else is stored (the photos stay WeChat
media, valid for three days, and leads are the admins' to follow up).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor
from domain.errors import Forbidden
from domain.identity import Staff
from domain.notices import (
    DocumentForwarded,
    Lead,
    Notice,
    NoticeKind,
    PhoneChanged,
    ThanksRelayed,
)
from domain.people import my_accountant
from domain.ports import UnitOfWork
from domain.request_notices import admins, photo_notices, tell_admins

MAX_NOTE = 200


async def accountant_of(uow: UnitOfWork, actor: Actor) -> Staff | None:
    """The client company's dedicated accountant, when active and reachable on WeChat."""
    if not actor.is_client:
        return None
    staff = await my_accountant(uow, actor)
    return staff if staff is not None and staff.openid else None


async def _company_name(uow: UnitOfWork, actor: Actor) -> str:
    company = await uow.identities.get_company(actor.company_id) if actor.company_id else None
    return company.name if company else ""


async def forward_to_accountant(
    uow: UnitOfWork, actor: Actor, photos: Sequence[str], note: str, now: datetime
) -> Staff | None:
    """The client's photos reach their accountant (the admins when there is none) with a
    line saying whose they are. Returns who got them (None: the admins)."""
    if not actor.is_client:
        raise Forbidden("clients_only")
    staff = await accountant_of(uow, actor)
    people = [staff] if staff is not None else await admins(uow, actor.firm_id)
    facts = DocumentForwarded(
        await _company_name(uow, actor), actor.name, note.strip()[:MAX_NOTE], len(photos)
    )
    for person in people:
        if not person.openid:
            continue
        await uow.outbox.add(Notice(person.openid, NoticeKind.DOCUMENT_FORWARDED, facts), now)
        for n in photo_notices(person.openid, NoticeKind.DOCUMENT_PHOTO, photos):
            await uow.outbox.add(n, now)
    return staff


async def phone_changed(
    uow: UnitOfWork, actor: Actor, phone: str, words: str, now: datetime
) -> Staff | None:
    """A client's new phone number reaches their accountant (the admins when there is none),
    who updates the records. Returns who was told (None: the admins)."""
    if not actor.is_client:
        raise Forbidden("clients_only")
    staff = await accountant_of(uow, actor)
    people = [staff] if staff is not None else await admins(uow, actor.firm_id)
    facts = PhoneChanged(
        await _company_name(uow, actor), actor.name, phone, words.strip()[:MAX_NOTE]
    )
    for person in people:
        if person.openid:
            await uow.outbox.add(Notice(person.openid, NoticeKind.PHONE_CHANGED, facts), now)
    return staff


async def relay_thanks(uow: UnitOfWork, actor: Actor, words: str, now: datetime) -> Staff | None:
    """A client's thanks reach the accountant they named (at most once an hour); the
    accountant told, or None when there is nobody to tell."""
    staff = await accountant_of(uow, actor)
    if staff is None or not staff.openid:
        return None
    facts = ThanksRelayed(await _company_name(uow, actor), actor.name, words.strip()[:MAX_NOTE])
    await uow.outbox.add(
        Notice(
            staff.openid,
            NoticeKind.THANKS_RELAYED,
            facts,
            dedup_key=f"thanks:{actor.contact_id}:{now:%Y%m%d%H}",
        ),
        now,
    )
    return staff


async def leave_contact(
    uow: UnitOfWork, actor: Actor, phone: str, words: str, now: datetime
) -> int:
    """A stranger's phone number for the admins, with what they said; once per number a day."""
    return await tell_admins(
        uow,
        actor.firm_id,
        now,
        NoticeKind.LEAD,
        Lead(phone, words.strip()[:MAX_NOTE]),
        dedup=f"lead:{phone}:{now:%Y%m%d}",
    )
