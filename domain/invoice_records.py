"""A client company's invoices, as people ask about them: a client sends photos of them (kept
as uploads for the worker to read, `domain.invoice_settlement`) and corrects a field of one;
anyone of the firm reads a month's figures (a client their own company's, staff any client
company's, found by a part of its name)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actors import Actor
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import ClientCompany
from domain.invoice_uploads import (
    InvoiceRecord,
    InvoiceUpload,
    MonthSummary,
    NewUpload,
    correct,
    day_start,
    month_bounds,
    new_key_of,
    summarise,
)
from domain.ports import UnitOfWork

MAX_NAMED = 5  # companies named back when a name fits several


def _client_company(actor: Actor) -> int:
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    return actor.company_id


async def receive_photo(
    uow: UnitOfWork, actor: Actor, media_id: str, now: datetime, seq: int | None = None
) -> InvoiceUpload:
    """Keep a client's invoice photo as a `pending` upload before anyone says "收到" (the same
    upload again when the same photo comes back). `seq` is its place in an upload flow; by
    default its place in the sender's day."""
    company_id = _client_company(actor)
    earlier = await uow.invoices.upload_by_media(actor.firm_id, media_id)
    if earlier is not None:
        return earlier
    # The worker tells the client what it read, on WeChat: wherever the photo came from.
    contact = await uow.identities.get_contact(actor.contact_id) if actor.contact_id else None
    openid = (contact.openid if contact else None) or ""
    if seq is None:
        seq = await uow.invoices.count_uploads_since(company_id, openid, day_start(now)) + 1
    return await uow.invoices.add_upload(
        NewUpload(
            firm_id=actor.firm_id,
            company_id=company_id,
            contact_id=actor.contact_id,
            openid=openid,
            uploader_name=actor.name,
            media_id=media_id,
            seq=seq,
            created_at=now,
        )
    )


async def uploads_of(uow: UnitOfWork, actor: Actor, ids: Sequence[int]) -> list[InvoiceUpload]:
    """How the client's uploads `ids` stand (others' are not theirs to see)."""
    company_id = _client_company(actor)
    return [u for u in await uow.invoices.uploads(ids) if u.company_id == company_id]


async def correct_invoice(
    uow: UnitOfWork,
    actor: Actor,
    number: str | None,
    field_name: str,
    value: str,
    now: datetime,
) -> InvoiceRecord:
    """Set one field of the client's invoice `number` (their latest when None) by hand; the
    checks run again. Two invoices of a company never end up with the same key."""
    company_id = _client_company(actor)
    invoices = uow.invoices
    if number:
        found = await invoices.by_number(company_id, number)
        if not found:
            raise NotFound("invoice_not_found", number=number)
        record = found[0]
    else:
        latest = await invoices.latest(company_id)
        if latest is None:
            raise NotFound("no_invoices_yet")
        record = latest
    updated = correct(record, field_name, value, now)
    if new_key_of(updated) != record.invoice.key:
        other = await invoices.by_key(company_id, new_key_of(updated))
        if other is not None and other.id != record.id:
            raise Conflict("invoice_number_taken", number=updated.invoice.number)
    if not await invoices.update_invoice(updated):
        raise Conflict("invoice_number_taken", number=updated.invoice.number)
    return updated


async def find_company(uow: UnitOfWork, actor: Actor, query: str) -> ClientCompany:
    """The one client company whose name is `query` or contains it (staff only)."""
    if not actor.is_staff:
        raise Forbidden("staff_only")
    companies = await uow.identities.list_companies(actor.firm_id)
    exact = [c for c in companies if c.name == query]
    hits = exact or [c for c in companies if query in c.name or c.name in query]
    if not hits:
        raise NotFound("company_not_found", query=query)
    if len(hits) > 1:
        names = tuple(c.name for c in hits[:MAX_NAMED])
        raise Conflict("company_ambiguous", query=query, names=names)
    return hits[0]


async def month_figures(
    uow: UnitOfWork, actor: Actor, period: str, company: ClientCompany | None = None
) -> tuple[MonthSummary, Sequence[InvoiceRecord]]:
    """A month's invoices of a company and their sums: a client's own company, or for staff
    the `company` they found."""
    if actor.is_staff and company is not None and company.firm_id == actor.firm_id:
        company_id = company.id
    elif actor.is_client and actor.company_id is not None and company is None:
        company_id = actor.company_id
    else:
        raise Forbidden("clients_only")
    records = await uow.invoices.for_period(company_id, period)
    since, until = month_bounds(period)
    duplicates = await uow.invoices.count_duplicates(company_id, since, until)
    return summarise(period, records, duplicates), records
