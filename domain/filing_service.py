"""The monthly filing cycle's use cases: open the month's checklists, tick items (clients
theirs, staff any of the companies they keep), remind clients of open items, record the books'
arrival and the warnings it triggers, and tell the client "本月已申报" once.

Every function takes a unit of work (the caller commits) and, where a person acts, an `Actor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.actors import Actor
from domain.book_access import companies_served, readable_company
from domain.book_warnings import MISSING_INVOICES, KeptWarning, warnings_for
from domain.clock import local
from domain.errors import Forbidden, NotFound
from domain.filing import (
    INVOICES_ITEM,
    REMIND_DAYS_AHEAD,
    Checklist,
    ChecklistItem,
    ChecklistState,
    Party,
    items_of,
    new_checklist,
    reminding_now,
)
from domain.identity import ClientCompany
from domain.notices import (
    BooksWarned,
    FilingComplete,
    FilingItemDone,
    FilingItemRef,
    FilingReminder,
    Notice,
    NoticeKind,
    TaxAmount,
)
from domain.ports import UnitOfWork
from domain.tax_calendar import deadline_for_period, tax_period_on


def current_period(now: datetime) -> str:
    """The tax period being filed now (the month before this one, Asia/Shanghai)."""
    return tax_period_on(local(now).date())


async def ensure_checklist(
    uow: UnitOfWork, company: ClientCompany, period: str, now: datetime
) -> Checklist:
    """The company's checklist for `period`; made, when it has none yet, from the firm's own
    template for the company's kind (as last edited in the panel) or the shipped one. An
    existing checklist is never remade, so an edit changes only months opened after it."""
    found = await uow.filing.checklist(company.id, period)
    if found is not None:
        return found
    profile = await uow.filing.profile(company.id)
    saved = await uow.filing.checklist_template(company.firm_id, profile.kind)
    template = items_of(saved) if saved else None
    new = new_checklist(
        company.firm_id, company.id, period, profile.kind, deadline_for_period(period), template
    )
    return await uow.filing.ensure_checklist(new, now)


async def open_month(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    companies: Sequence[ClientCompany] | None = None,
) -> int:
    """Every client company of the firm (or those of `companies`, a slice the caller commits
    on its own) gets this period's checklist (idempotent); returns how many have one."""
    period = current_period(now)
    if companies is None:
        companies = await uow.identities.list_companies(firm_id)
    for company in companies:
        await ensure_checklist(uow, company, period, now)
    return len(companies)


def item_ref(item: ChecklistItem) -> FilingItemRef:
    return FilingItemRef(item.key, item.label, item.due)


@dataclass(frozen=True, slots=True)
class Ticked:
    checklist: Checklist  # as it is after the tick
    item: ChecklistItem
    already: bool  # it was done before: nothing changed
    filed_now: bool  # this tick filed the month


async def checklist_for(
    uow: UnitOfWork, actor: Actor, now: datetime, company_id: int | None = None
) -> Checklist:
    """This period's checklist of a company `actor` may read (a client's own by default)."""
    company = await readable_company(uow, actor, company_id)
    return await ensure_checklist(uow, company, current_period(now), now)


async def tick(
    uow: UnitOfWork,
    actor: Actor,
    item_key: str,
    now: datetime,
    *,
    company_id: int | None = None,
    amount_fen: int | None = None,
) -> Ticked:
    """Mark an item of this period's checklist done. A client ticks only their company's client
    items; staff tick any item of a company they keep. Filing the last tax return files the
    month: the contacts hear "本月已申报" with the amounts, once."""
    company = await readable_company(uow, actor, company_id)
    checklist = await ensure_checklist(uow, company, current_period(now), now)
    item = checklist.item(item_key)
    if item is None:
        raise NotFound("filing_item_unknown", item=item_key)
    if actor.is_client and item.party is not Party.CLIENT:
        raise Forbidden("filing_item_for_staff", item=item.label)
    if amount_fen is not None and (not item.files or amount_fen < 0):
        raise Forbidden("filing_amount_not_for_item", item=item.label)
    changed = await uow.filing.tick(item.id, now, actor.name, amount_fen)
    after = await uow.filing.checklist(company.id, checklist.period)
    if after is None:  # pragma: no cover - it was just read
        raise NotFound("filing_item_unknown", item=item_key)
    ticked = next(i for i in after.items if i.id == item.id)
    if changed and actor.is_client:
        await _tell_accountant(uow, company, after, ticked, actor, now)
    filed_now = await _file_if_done(uow, company, after, now) if changed else False
    final = await uow.filing.checklist(company.id, checklist.period) if filed_now else after
    return Ticked(final or after, ticked, not changed, filed_now)


async def _tell_accountant(
    uow: UnitOfWork,
    company: ClientCompany,
    checklist: Checklist,
    item: ChecklistItem,
    actor: Actor,
    now: datetime,
) -> None:
    if company.accountant_id is None:
        return
    staff = await uow.identities.get_staff(company.accountant_id)
    if staff is None or not staff.openid or not staff.active:
        return
    facts = FilingItemDone(
        company.name,
        checklist.period,
        item_ref(item),
        actor.name,
        len(checklist.open_items(Party.CLIENT)),
    )
    key = f"{NoticeKind.FILING_ITEM_DONE}:{item.id}"
    await uow.outbox.add(Notice(staff.openid, NoticeKind.FILING_ITEM_DONE, facts, key), now)


async def _file_if_done(
    uow: UnitOfWork, company: ClientCompany, checklist: Checklist, now: datetime
) -> bool:
    if not checklist.returns_filed or not await uow.filing.mark_filed(checklist.id, now):
        return False
    taxes = tuple(TaxAmount(i.key, i.label, i.amount_fen) for i in checklist.items if i.files)
    facts = FilingComplete(company.name, checklist.period, taxes)
    for contact in await uow.identities.list_contacts(company.id):
        if contact.openid:
            key = f"{NoticeKind.FILING_COMPLETE}:{checklist.id}:c{contact.id}"
            await uow.outbox.add(
                Notice(contact.openid, NoticeKind.FILING_COMPLETE, facts, key), now
            )
    return True


@dataclass(frozen=True, slots=True)
class ClientFiling:
    company: ClientCompany
    checklist: Checklist
    state: ChecklistState


async def staff_overview(uow: UnitOfWork, actor: Actor, now: datetime) -> list[ClientFiling]:
    """ "My clients this month": each company the staff member keeps, with its state."""
    if not actor.is_staff:
        raise Forbidden("staff_only")
    today = local(now).date()
    out = []
    for company in await companies_served(uow, actor):
        checklist = await ensure_checklist(uow, company, current_period(now), now)
        out.append(ClientFiling(company, checklist, checklist.state(today)))
    return out


async def remind_open_items(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    checklists: Sequence[Checklist] | None = None,
) -> int:
    """Remind contacts of their open items due within `REMIND_DAYS_AHEAD` days, inside working
    hours, at most once a day per item (the claim is one conditional UPDATE, so two workers
    never both remind), over this period's checklists or those of `checklists`. Returns the
    notices queued."""
    if not reminding_now(now):
        return 0
    today = local(now).date()
    queued = 0
    if checklists is None:
        checklists = await uow.filing.checklists(firm_id, current_period(now))
    for checklist in checklists:
        if checklist.filed_at is not None or checklist.deadline < today:
            continue  # past the filing deadline it is the accountant's to chase, not a push
        due = [
            i
            for i in checklist.open_items(Party.CLIENT)
            if (i.due - today).days <= REMIND_DAYS_AHEAD
            and (i.reminded_on is None or i.reminded_on < today)
        ]
        claimed = [i for i in due if await uow.filing.claim_reminder(i.id, today)]
        if not claimed:
            continue
        company = await uow.identities.get_company(checklist.company_id)
        if company is None:
            continue
        facts = FilingReminder(
            company.name,
            checklist.period,
            checklist.deadline,
            (checklist.deadline - today).days,
            tuple(item_ref(i) for i in claimed),
        )
        for contact in await uow.identities.list_contacts(company.id):
            if contact.openid:
                key = f"{NoticeKind.FILING_REMINDER}:{checklist.id}:{today}:c{contact.id}"
                await uow.outbox.add(
                    Notice(contact.openid, NoticeKind.FILING_REMINDER, facts, key), now
                )
                queued += 1
    return queued


async def books_arrived(
    uow: UnitOfWork, company: ClientCompany, period: str, now: datetime, by: str = ""
) -> list[KeptWarning]:
    """A month's books were imported: tick the bookkeeping item of that period's checklist, and
    evaluate the warnings; each fires once (to the contacts and the accountant). Returns the
    warnings that fired now."""
    if period == current_period(now):
        checklist = await ensure_checklist(uow, company, period, now)
        for item in checklist.items:
            if item.books and not item.done:
                await uow.filing.tick(item.id, now, by)
    profile = await uow.filing.profile(company.id)
    months = {m.period: m.figures for m in await uow.books.months(company.id)}
    fired = []
    for warning in warnings_for(profile.kind, profile.industry, period, months):
        kept = KeptWarning(company.id, warning.rule, warning.key, dict(warning.facts), now)
        if await uow.filing.add_warning(kept):
            fired.append(kept)
            await _tell_warning(uow, company, kept, now)
    return fired


async def _tell_warning(
    uow: UnitOfWork, company: ClientCompany, warning: KeptWarning, now: datetime
) -> None:
    staff = None
    if company.accountant_id is not None:
        staff = await uow.identities.get_staff(company.accountant_id)
    name = staff.name if staff is not None else ""
    facts = BooksWarned(company.name, warning.rule, warning.key, dict(warning.facts), name)
    people = [(c.openid, f"c{c.id}") for c in await uow.identities.list_contacts(company.id)]
    if staff is not None and staff.active:
        people.append((staff.openid, f"s{staff.id}"))
    for openid, who in people:
        if openid:
            key = f"{NoticeKind.BOOKS_WARNING}:{company.id}:{warning.rule}:{warning.key}:{who}"
            await uow.outbox.add(Notice(openid, NoticeKind.BOOKS_WARNING, facts, key), now)


async def check_missing_invoices(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    checklists: Sequence[Checklist] | None = None,
) -> int:
    """缺票: from the day the client's invoices item falls due, a company with that item open
    and no invoice received for the tax period is warned, once per period (inside working
    hours, like every push), over this period's checklists or those of `checklists`. Returns
    the warnings that fired."""
    if not reminding_now(now):
        return 0
    today = local(now).date()
    fired = 0
    if checklists is None:
        checklists = await uow.filing.checklists(firm_id, current_period(now))
    for checklist in checklists:
        item = checklist.item(INVOICES_ITEM)
        if checklist.filed_at is not None or item is None or item.done or item.due > today:
            continue
        if await uow.invoices.for_period(checklist.company_id, checklist.period):
            continue
        company = await uow.identities.get_company(checklist.company_id)
        if company is None:
            continue
        facts = {"period": checklist.period, "due": item.due.isoformat()}
        kept = KeptWarning(company.id, MISSING_INVOICES, checklist.period, facts, now)
        if await uow.filing.add_warning(kept):
            await _tell_warning(uow, company, kept, now)
            fired += 1
    return fired


def days_to(deadline: date, now: datetime) -> int:
    return (deadline - local(now).date()).days
