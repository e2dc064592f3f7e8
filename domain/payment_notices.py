"""Who hears about money, as typed notices (`domain.notices`): the one place billing records
them. The outbox's renderers word them (`bot.outbox.render.payments`).

- `payment_received` (and `offline_payment_received`, 线下收款): the company's bound contacts
  and its accountant (the contract's, else the company's), once per bill; a paid renewal says
  the contract's new end date;
- `refund_settled`: the company's bound contacts, once per refund;
- `needs_review`: the firm's admins, when money arrived that no bill could take (a second
  attempt paid after the first, a bill cancelled while its payer was paying) or a refund failed
  at the bank; a person must look.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.billing import Bill, PaymentOrder, Refund
from domain.notices import (
    BillRef,
    Notice,
    NoticeKind,
    PaymentReceived,
    PaymentReview,
    RefundSettled,
)
from domain.ports import UnitOfWork
from domain.request_notices import tell_admins


def bill_ref(bill: Bill) -> BillRef:
    return BillRef(
        number=bill.number,
        company=bill.company_name,
        kind=bill.kind,
        amount_fen=bill.amount_fen,
        title=bill.title,
        period_start=bill.period.start if bill.period else None,
        period_end=bill.period.end if bill.period else None,
    )


async def _company_people(uow: UnitOfWork, bill: Bill) -> list[tuple[str, str]]:
    """(openid, dedup suffix) of the bill's company's bound contacts and its accountant."""
    people = [
        (c.openid, f"c{c.id}")
        for c in await uow.identities.list_contacts(bill.company_id)
        if c.openid
    ]
    # The contract's dedicated accountant, else the company's.
    contract = await uow.billing.get_contract(bill.contract_id) if bill.contract_id else None
    accountant_id = contract.accountant_id if contract is not None else None
    if accountant_id is None:
        company = await uow.identities.get_company(bill.company_id)
        accountant_id = company.accountant_id if company is not None else None
    if accountant_id is not None:
        accountant = await uow.identities.get_staff(accountant_id)
        if accountant is not None and accountant.openid and accountant.active:
            people.append((accountant.openid, f"s{accountant.id}"))
    return people


async def payment_received(
    uow: UnitOfWork,
    bill: Bill,
    order: PaymentOrder,
    now: datetime,
    renewed_until: date | None = None,
) -> int:
    facts = PaymentReceived(
        bill_ref(bill),
        order.amount_fen,
        order.paid_at or now,
        order.transaction_id or "",
        renewed_until,
    )
    return await _tell_received(uow, bill, facts, now)


async def offline_payment_received(
    uow: UnitOfWork,
    bill: Bill,
    amount_fen: int,
    paid_at: datetime,
    now: datetime,
    renewed_until: date | None = None,
) -> int:
    """The receipt of a bill an admin settled as paid outside WeChat Pay (线下收款): the same
    people, and the same once-per-bill key, as a payment's."""
    facts = PaymentReceived(
        bill_ref(bill), amount_fen, paid_at, renewed_until=renewed_until, offline=True
    )
    return await _tell_received(uow, bill, facts, now)


async def _tell_received(uow: UnitOfWork, bill: Bill, facts: PaymentReceived, now: datetime) -> int:
    sent = 0
    for openid, who in await _company_people(uow, bill):
        key = f"{NoticeKind.PAYMENT_RECEIVED}:{bill.id}:{who}"
        await uow.outbox.add(Notice(openid, NoticeKind.PAYMENT_RECEIVED, facts, key), now)
        sent += 1
    return sent


async def refund_settled(uow: UnitOfWork, bill: Bill, refund: Refund, now: datetime) -> int:
    facts = RefundSettled(bill_ref(bill), refund.amount_fen)
    sent = 0
    for c in await uow.identities.list_contacts(bill.company_id):
        if not c.openid:
            continue
        key = f"{NoticeKind.REFUND_SETTLED}:{refund.id}:c{c.id}"
        await uow.outbox.add(Notice(c.openid, NoticeKind.REFUND_SETTLED, facts, key), now)
        sent += 1
    return sent


async def needs_review(
    uow: UnitOfWork,
    firm_id: int,
    order: PaymentOrder | None,
    reason: str,
    now: datetime,
    bill: Bill | None = None,
    refund: Refund | None = None,
) -> int:
    """Tell the admins once per (reason, refund or order). No order: a bill settled offline
    (线下收款), told once per (reason, bill)."""
    if refund is not None:
        amount_fen = refund.amount_fen
    elif order is not None:
        amount_fen = order.amount_fen
    else:
        amount_fen = bill.amount_fen if bill is not None else 0
    facts = PaymentReview(
        reason=reason,
        out_trade_no=order.out_trade_no if order is not None else "",
        amount_fen=amount_fen,
        bill=bill_ref(bill) if bill is not None else None,
        out_refund_no=refund.out_refund_no if refund is not None else "",
    )
    if refund is not None:
        subject: object = refund.out_refund_no
    elif order is not None:
        subject = order.id
    else:
        subject = f"bill{bill.id if bill is not None else ''}"
    dedup = f"{NoticeKind.PAYMENT_REVIEW}:{reason}:{subject}"
    return await tell_admins(uow, firm_id, now, NoticeKind.PAYMENT_REVIEW, facts, dedup)
