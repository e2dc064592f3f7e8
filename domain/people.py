"""The firm and its people: the firm behind an Official Account, its staff, its client
companies and their contacts, and the one-time codes that let them bind on WeChat.

The command line, the sandbox's demo loader and the app all come through here, so the rules
(one firm per account, no two staff members of the same name, an accountant named must exist)
are written once. Admins and the system (the operator at the console) manage people; a client
finds their accountant and asks for a call back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor
from domain.binding import create_invite
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import ClientCompany, Contact, Firm, Invite, InviteKind, Staff
from domain.notices import CallbackRequested, Notice, NoticeKind
from domain.ports import UnitOfWork


def _managing(actor: Actor) -> None:
    if not actor.may_manage:
        raise Forbidden("admins_only_people")


async def ensure_firm(uow: UnitOfWork, appid: str, name: str) -> Firm:
    """The firm behind the Official Account `appid`, created (named `name`) the first time.
    The caller commits."""
    firm = await uow.identities.firm_by_appid(appid)
    if firm is None:
        firm = await uow.identities.add_firm(name, appid)
    return firm


async def add_staff(
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    now: datetime,
    phone: str = "",
    admin: bool = False,
) -> tuple[Staff, Invite]:
    """A new staff member and their first binding code. Names are how people assign work
    ("分配 R1024 给 王会计"), so two staff members of a firm never share one."""
    _managing(actor)
    if await uow.identities.staff_by_name(actor.firm_id, name) is not None:
        raise Conflict("staff_exists", name=name)
    staff = await uow.identities.add_staff(actor.firm_id, name, phone, admin)
    return staff, await create_invite(uow, actor, InviteKind.STAFF, staff.id, now)


async def staff_named(uow: UnitOfWork, actor: Actor, name: str) -> Staff:
    staff = await uow.identities.staff_by_name(actor.firm_id, name)
    if staff is None:
        raise NotFound("staff_not_found", name=name)
    return staff


async def add_client(
    uow: UnitOfWork,
    actor: Actor,
    company: str,
    contact: str,
    now: datetime,
    phone: str = "",
    accountant: str = "",
) -> tuple[ClientCompany, Contact, Invite]:
    """A client company with its first contact and the contact's binding code; `accountant`,
    when named, becomes the company's dedicated accountant and must be one of the staff."""
    _managing(actor)
    accountant_id = (await staff_named(uow, actor, accountant)).id if accountant else None
    firm_company = await uow.identities.add_company(actor.firm_id, company, accountant_id)
    person = await uow.identities.add_contact(firm_company.id, contact, phone)
    invite = await create_invite(uow, actor, InviteKind.CONTACT, person.id, now)
    return firm_company, person, invite


async def invite_staff(uow: UnitOfWork, actor: Actor, name: str, now: datetime) -> Invite:
    """A fresh binding code for a staff member named `name` (their older codes stop working)."""
    _managing(actor)
    staff = await staff_named(uow, actor, name)
    return await create_invite(uow, actor, InviteKind.STAFF, staff.id, now)


async def invite_contact(uow: UnitOfWork, actor: Actor, contact_id: int, now: datetime) -> Invite:
    """A fresh binding code for a client contact (their older codes stop working)."""
    return await create_invite(uow, actor, InviteKind.CONTACT, contact_id, now)


async def staff_list(uow: UnitOfWork, actor: Actor) -> Sequence[Staff]:
    _managing(actor)
    return await uow.identities.list_staff(actor.firm_id)


async def client_list(
    uow: UnitOfWork, actor: Actor
) -> list[tuple[ClientCompany, Sequence[Contact]]]:
    """Every client company of the firm with its contacts."""
    _managing(actor)
    return [
        (c, await uow.identities.list_contacts(c.id))
        for c in await uow.identities.list_companies(actor.firm_id)
    ]


async def my_accountant(uow: UnitOfWork, actor: Actor) -> Staff | None:
    """The client's dedicated accountant, if the company has one still working here."""
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    company = await uow.identities.get_company(actor.company_id)
    if company is None or company.accountant_id is None:
        return None
    staff = await uow.identities.get_staff(company.accountant_id)
    return staff if staff is not None and staff.active else None


async def request_callback(
    uow: UnitOfWork, actor: Actor, now: datetime, words: str = "", once_an_hour: bool = True
) -> Staff | None:
    """Ask the client's accountant to call back (told at most once an hour unless each
    message matters, as a change to a request does), with the client's `words` when they asked
    in a sentence; the accountant told, or None when there is nobody on WeChat to tell."""
    staff = await my_accountant(uow, actor)
    if staff is None or not staff.openid:
        return None
    company = await uow.identities.get_company(actor.company_id or 0)
    contact = await uow.identities.get_contact(actor.contact_id) if actor.contact_id else None
    facts = CallbackRequested(
        company.name if company else "",
        actor.name,
        contact.phone if contact else "",
        words.strip()[:200],
    )
    await uow.outbox.add(
        Notice(
            staff.openid,
            NoticeKind.CALLBACK_REQUESTED,
            facts,
            dedup_key=f"callback:{actor.contact_id}:{now:%Y%m%d%H}" if once_an_hour else None,
        ),
        now,
    )
    return staff
