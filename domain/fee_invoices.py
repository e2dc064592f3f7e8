"""Fapiao for fees: a client who paid asks for an invoice ("给我开张发票"); the company's 抬头
and 税号 are remembered (the 税号 checked with the USCC checksum the invoice checks use), and
the request reaches the firm's staff as a task: a `代开发票` request in the ordinary lifecycle,
for the paid bill. The handler words the request's description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain import lifecycle
from domain.actors import Actor
from domain.billing import Bill, BillStatus
from domain.catalogue import FEE_INVOICE_REQUEST_TYPE
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Forbidden, Invalid, NotFound
from domain.invoice_checks import is_valid_uscc
from domain.ports import UnitOfWork
from domain.requests import ServiceRequest, Urgency

MAX_TITLE = 100


@dataclass(frozen=True)
class FeeInvoiceTitle:
    title: str
    tax_id: str


def _client(actor: Actor) -> int:
    if not actor.is_client or actor.company_id is None:
        raise Forbidden("clients_only")
    return actor.company_id


async def remembered_title(uow: UnitOfWork, actor: Actor) -> FeeInvoiceTitle | None:
    found = await uow.fee_titles.get(_client(actor))
    return FeeInvoiceTitle(*found) if found else None


async def remember_title(
    uow: UnitOfWork, actor: Actor, title: str, tax_id: str, now: datetime
) -> FeeInvoiceTitle:
    """Check and keep the company's 抬头 and 税号 (a wrong checksum is refused, nothing kept)."""
    company_id = _client(actor)
    title, tax_id = title.strip(), tax_id.strip().upper()
    if not title or len(title) > MAX_TITLE:
        raise Invalid("bad_invoice_title", limit=MAX_TITLE)
    if not is_valid_uscc(tax_id):
        raise Invalid("bad_tax_id", tax_id=tax_id)
    await uow.fee_titles.save(company_id, title, tax_id, now)
    return FeeInvoiceTitle(title, tax_id)


async def last_paid_bill(uow: UnitOfWork, actor: Actor, number: str | None = None) -> Bill:
    """The bill an invoice is for: the one named, else the company's latest paid one."""
    company_id = _client(actor)
    bills = await uow.billing.list_bills(actor.firm_id, company_id=company_id, limit=200)
    paid = [
        b for b in bills if b.status is BillStatus.PAID and (number is None or b.number == number)
    ]
    if not paid:
        raise NotFound("no_paid_bill", number=number or "")
    return max(paid, key=lambda b: (b.paid_at or b.created_at, b.id))


async def request_fee_invoice(
    uow: UnitOfWork,
    actor: Actor,
    bill_number: str,
    now: datetime,
    describe: Callable[[Bill, FeeInvoiceTitle], str],
    policy: DispatchPolicy | None = None,
) -> ServiceRequest:
    """The confirmed request: with the remembered title, for the paid bill, as a task for staff."""
    title = await remembered_title(uow, actor)
    if title is None:
        raise Invalid("invoice_title_missing")
    bill = await last_paid_bill(uow, actor, bill_number)
    return await lifecycle.raise_request(
        uow,
        actor,
        FEE_INVOICE_REQUEST_TYPE,
        describe(bill, title),
        Urgency.NORMAL,
        (),
        now,
        policy or DispatchPolicy(),
        offered_only=False,  # the firm owes the fapiao for its own fee, offered or not
    )
