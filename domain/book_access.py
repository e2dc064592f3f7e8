"""Who may read a client company's books, decided here for every edge (chat, /m/ pages).

A client contact reads their own company's books and no other, and only with the owner's leave:
a company's owner is the contact the firm marked, or else its first bound contact; the owner may
let other contacts see the books ("让出纳也能看账") or stop them. A staff member reads the books
of the companies they keep (the company's accountant), an admin any company of the firm; nobody
else reads any. A company that is not the firm's reads the same as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor, ActorKind
from domain.audit import entry
from domain.errors import Forbidden, NotFound
from domain.filing import BookViewer
from domain.identity import ClientCompany, Contact
from domain.ports import UnitOfWork


async def companies_served(uow: UnitOfWork, actor: Actor) -> Sequence[ClientCompany]:
    """The companies whose books `actor` may read: their own, the ones they keep, or all."""
    if actor.is_client and actor.company_id is not None:
        own = await uow.identities.get_company(actor.company_id)
        return [own] if own is not None else []
    if not actor.is_staff and not actor.is_system:
        return []
    companies = await uow.identities.list_companies(actor.firm_id)
    if actor.is_admin or actor.is_system:
        return list(companies)
    return [c for c in companies if c.accountant_id == actor.staff_id]


async def readable_company(
    uow: UnitOfWork, actor: Actor, company_id: int | None = None
) -> ClientCompany:
    """The company whose books `actor` asks about (a client's own when `company_id` is None).

    Raises `Forbidden("books_need_binding")` for someone the firm does not know,
    `NotFound("books_not_found")` for another company or one outside the firm, and
    `Forbidden("books_not_your_client")` for staff asking about a company they do not keep."""
    if actor.kind is ActorKind.VISITOR:
        raise Forbidden("books_need_binding")
    if actor.is_client:
        if company_id is not None and company_id != actor.company_id:
            raise NotFound("books_not_found", company_id=company_id)
        company_id = actor.company_id
    if company_id is None:
        raise NotFound("books_which_company")
    company = await uow.identities.get_company(company_id)
    if company is None or company.firm_id != actor.firm_id:
        raise NotFound("books_not_found", company_id=company_id)
    if actor.is_client:
        viewers = await uow.filing.viewers(company.id)
        owner = await owner_of(uow, company.id, viewers)
        if not may_read(actor.contact_id, owner, viewers):
            owner_name = owner.name if owner else ""
            raise Forbidden("books_need_owner", owner=owner_name, name=actor.name)
        return company
    if actor.is_admin or actor.is_system:
        return company
    if actor.is_staff and company.accountant_id == actor.staff_id:
        return company
    raise Forbidden("books_not_your_client", company=company.name)


async def owner_of(
    uow: UnitOfWork, company_id: int, viewers: Sequence[BookViewer] | None = None
) -> Contact | None:
    """The contact the firm marked as the books' owner, or else the first bound contact."""
    contacts = sorted(await uow.identities.list_contacts(company_id), key=lambda c: c.id)
    if viewers is None:
        viewers = await uow.filing.viewers(company_id)
    marked = next((v for v in viewers if v.owner), None)
    if marked is not None:
        found = next((c for c in contacts if c.id == marked.contact_id), None)
        if found is not None:
            return found
    return next((c for c in contacts if c.openid), contacts[0] if contacts else None)


def may_read(contact_id: int | None, owner: Contact | None, viewers: Sequence[BookViewer]) -> bool:
    """Whether a contact may read their company's books: the owner, or one the owner allowed."""
    if contact_id is None:
        return False
    if owner is None or owner.id == contact_id:
        return True
    rule = next((v for v in viewers if v.contact_id == contact_id), None)
    return rule is not None and rule.allowed


async def _contact_named(uow: UnitOfWork, company: ClientCompany, name: str) -> Contact:
    contacts = await uow.identities.list_contacts(company.id)
    found = [c for c in contacts if c.name == name] or [
        c for c in contacts if name and (name in c.name or c.name in name)
    ]
    if len(found) != 1:
        raise NotFound("contact_not_in_company", name=name, company=company.name)
    return found[0]


async def allow_viewer(
    uow: UnitOfWork, actor: Actor, name: str, allowed: bool, company_id: int | None = None
) -> Contact:
    """The owner (or the staff keeping the company) lets the contact called `name` see the
    books, or stops them. The owner's own standing is not changed this way."""
    company = await readable_company(uow, actor, company_id)
    owner = await owner_of(uow, company.id)
    if actor.is_client and (owner is None or owner.id != actor.contact_id):
        raise Forbidden("books_owner_only", owner=owner.name if owner else "")
    contact = await _contact_named(uow, company, name)
    if owner is not None and contact.id == owner.id:
        raise Forbidden("books_owner_always_reads", name=contact.name)
    await uow.filing.set_viewer(BookViewer(company.id, contact.id, owner=False, allowed=allowed))
    return contact


async def mark_owner(
    uow: UnitOfWork, actor: Actor, company_id: int, name: str, now: datetime
) -> Contact:
    """Staff who keep the company (or an admin) mark which contact owns the books."""
    if not actor.is_staff:
        raise Forbidden("staff_only")
    company = await readable_company(uow, actor, company_id)
    contact = await _contact_named(uow, company, name)
    await uow.filing.set_viewer(BookViewer(company.id, contact.id, owner=True, allowed=True))
    await uow.audit.add(
        entry(actor, "book_owner_set", company.name, now, after={"contact": contact.name})
    )
    return contact
