"""A client company's invoices in the panel: a month's list (duplicates sent and failed checks
flagged), one invoice's image, and correcting a field by hand.

Staff see the invoices of the companies they may see in the panel (an accountant their own,
an admin any of the firm); anything else reads as not found. A correction is the chat's rule
(`invoice_uploads.correct`: the same parsing, the same checks run again, no two invoices of a
company with one key), audited with the value before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor
from domain.audit import entry
from domain.errors import Conflict, Forbidden, NotFound
from domain.identity import ClientCompany
from domain.invoice_uploads import (
    SHOWN_FIELDS,
    InvoiceRecord,
    MonthSummary,
    correct,
    month_bounds,
    new_key_of,
    summarise,
    yuan,
)
from domain.panel_ports import PanelUnitOfWork


@dataclass(frozen=True)
class InvoiceMonth:
    company: ClientCompany
    period: str
    summary: MonthSummary
    records: Sequence[InvoiceRecord]
    duplicates: Mapping[int, int]  # invoice id -> times it was sent again


async def client_company(uow: PanelUnitOfWork, actor: Actor, company_id: int) -> ClientCompany:
    """The firm's company if `actor` may see it in the panel; else NotFound, as if none."""
    if not actor.is_staff or actor.staff_id is None:
        raise Forbidden("staff_only")
    company = await uow.identities.get_company(company_id)
    if (
        company is None
        or company.firm_id != actor.firm_id
        or (not actor.is_admin and company.accountant_id != actor.staff_id)
    ):
        raise NotFound("client_not_found", id=company_id)
    return company


async def invoice_month(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, period: str
) -> InvoiceMonth:
    company = await client_company(uow, actor, company_id)
    records = await uow.invoices.for_period(company.id, period)
    since, until = month_bounds(period)
    sent_again = await uow.invoices.count_duplicates(company.id, since, until)
    duplicates = await uow.invoices.duplicate_counts(
        company.id, [r.id for r in records if r.id is not None]
    )
    return InvoiceMonth(
        company, period, summarise(period, records, sent_again), records, duplicates
    )


async def client_invoice(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, invoice_id: int
) -> InvoiceRecord:
    """One invoice of a company `actor` may see (its image's digest is in the record)."""
    company = await client_company(uow, actor, company_id)
    record = await uow.invoices.get_invoice(invoice_id)
    if record is None or record.invoice.company_id != company.id:
        raise NotFound("invoice_not_found", number=str(invoice_id))
    return record


def shown_value(record: InvoiceRecord, field_name: str) -> str:
    """A field as the panel shows it and the audit log keeps it."""
    inv = record.invoice
    money = {"amount_excl_tax": "amount_excl_tax_fen", "tax": "tax_fen"}
    if field_name in ("amount_excl_tax", "tax", "amount_total"):
        fen = getattr(inv, money.get(field_name, "amount_total_fen"))
        return yuan(fen) if fen is not None else ""
    value = getattr(inv, field_name, None)
    return "" if value is None else str(value)


async def correct_field(
    uow: PanelUnitOfWork,
    actor: Actor,
    company_id: int,
    invoice_id: int,
    field_name: str,
    value: str,
    now: datetime,
) -> InvoiceRecord:
    """Set one field of a client's invoice by hand, as "更正 金额 46.62" does in chat: the
    value checked (`CorrectionInvalid` names what is wrong), the checks run again, the key kept
    unique; the audit log keeps the value before and after."""
    record = await client_invoice(uow, actor, company_id, invoice_id)
    if field_name not in SHOWN_FIELDS:
        raise NotFound("invoice_field_unknown", field=field_name)
    updated = correct(record, field_name, value, now)
    if new_key_of(updated) != record.invoice.key:
        other = await uow.invoices.by_key(record.invoice.company_id, new_key_of(updated))
        if other is not None and other.id != record.id:
            raise Conflict("invoice_number_taken", number=updated.invoice.number)
    if not await uow.invoices.update_invoice(updated):
        raise Conflict("invoice_number_taken", number=updated.invoice.number)
    await uow.audit.add(
        entry(
            actor,
            "invoice_corrected",
            record.invoice.number,
            now,
            {field_name: shown_value(record, field_name)},
            {field_name: shown_value(updated, field_name)},
        )
    )
    return updated
