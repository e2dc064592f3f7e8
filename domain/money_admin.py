"""The panel's money use cases, for admins: the bill list and arrears by client with their
ageing, one bill's page, settling a bill paid outside WeChat Pay (线下收款), and 催费 now for
one bill or one company. Each change goes through the same path as the chat's (a payment's
settlement, `fee_reminders`) and writes its audit entry in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from domain import payment_notices, refund_asks, renewals, service_catalogue
from domain.actors import Actor
from domain.audit import entry
from domain.billing import Bill, BillStatus, OrderState, yuan
from domain.clock import SHANGHAI, local
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.fee_reminders import Reminded, remind_bill, remind_company_by_id
from domain.money_ports import (
    BILL_STATES,
    MAX_OFFLINE_NOTE,
    ArrearsPage,
    BillFilter,
    BillPage,
    MoneyUnitOfWork,
    NewOfflinePayment,
    OfflinePayment,
)
from domain.payments import refuse_unless_payable
from domain.reminder_rules import Reminder

# How far back an offline payment may be dated.
MAX_OFFLINE_AGE = timedelta(days=366)


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_money")


async def bill_page(
    uow: MoneyUnitOfWork, actor: Actor, wanted: BillFilter, now: datetime, per_page: int
) -> BillPage:
    _admin(actor)
    if wanted.state not in BILL_STATES:
        wanted = replace(wanted, state="")
    return await uow.money_reads.bills(actor.firm_id, wanted, local(now).date(), per_page)


async def arrears_page(
    uow: MoneyUnitOfWork, actor: Actor, now: datetime, page: int, per_page: int
) -> ArrearsPage:
    _admin(actor)
    return await uow.money_reads.arrears(actor.firm_id, local(now).date(), page, per_page)


async def _bill(uow: MoneyUnitOfWork, actor: Actor, number: str) -> Bill:
    bill = await uow.billing.bill_by_number(actor.firm_id, number)
    if bill is None:
        raise NotFound("bill_not_found", number=number)
    return bill


@dataclass(frozen=True)
class BillDetail:
    """One bill as its page shows it: how it was paid (through WeChat Pay: `payment.order`
    and the payer; 线下收款: `offline`), its refunds and its 催费 history, newest first."""

    payment: refund_asks.BillRefunds
    offline: OfflinePayment | None
    reminders: Sequence[Reminder]

    @property
    def bill(self) -> Bill:
        return self.payment.bill

    @property
    def refundable_fen(self) -> int:
        """What may still be refunded through WeChat Pay (0: unpaid, or paid offline)."""
        return self.payment.left_fen


async def bill_detail(uow: MoneyUnitOfWork, actor: Actor, number: str) -> BillDetail:
    """The bill with its payment and refunds, its offline payment (if it was settled so) and
    its reminders, newest first."""
    _admin(actor)
    payment = await refund_asks.bill_refunds(uow, actor, number)
    bill = payment.bill
    offline = await uow.offline_payments.of_bill(bill.id)
    recent = await uow.reminders.recent(actor.firm_id, bill.company_id, 200)
    return BillDetail(payment, offline, [r for r in recent if r.bill_id == bill.id])


def _paid_at(paid_on: date, now: datetime) -> datetime:
    """Today's payment is now; an earlier day's is noon of that day, Beijing time."""
    if paid_on == local(now).date():
        return now
    return datetime.combine(paid_on, time(12), SHANGHAI)


async def mark_paid_offline(
    uow: MoneyUnitOfWork,
    actor: Actor,
    number: str,
    amount_fen: int,
    paid_on: date,
    note: str,
    now: datetime,
) -> Bill:
    """线下收款: settle an unpaid bill with money taken outside WeChat Pay. The amount must be
    what the bill asks; the bill moves unpaid -> paid once (the same conditional UPDATE a
    payment makes), its open WeChat Pay attempts are closed (one the payer completes anyway
    reaches the admins for review, as for a cancelled bill), 催费 stops (only unpaid bills are
    reminded), the company's contacts and accountant get the receipt (noting 线下收款) once,
    a renewal's bill extends its contract and a catalogue order's bill becomes its request,
    as after any payment. Such a bill is refunded offline, never through WeChat Pay."""
    _admin(actor)
    bill = await _bill(uow, actor, number)
    refuse_unless_payable(bill, now)
    if amount_fen != bill.amount_fen:
        raise Invalid(
            "offline_amount_mismatch",
            number=bill.number,
            owed_fen=bill.amount_fen,
            owed=yuan(bill.amount_fen),
        )
    note = note.strip()
    if not note or len(note) > MAX_OFFLINE_NOTE:
        raise Invalid("offline_note_missing", limit=MAX_OFFLINE_NOTE)
    today = local(now).date()
    if paid_on > today:
        raise Invalid("offline_date_future", day=paid_on.isoformat())
    if paid_on < today - MAX_OFFLINE_AGE or paid_on < local(bill.created_at).date():
        raise Invalid("offline_date_too_early", day=paid_on.isoformat())
    paid_at = _paid_at(paid_on, now)
    record = NewOfflinePayment(
        actor.firm_id, bill.id, amount_fen, paid_on, note, actor.name, actor.staff_id, now
    )
    if not await uow.offline_payments.settle(record, paid_at):
        fresh = await uow.billing.get_bill(bill.id) or bill
        refuse_unless_payable(fresh, now)
        raise Conflict("bill_busy", number=bill.number)
    for order in await uow.billing.orders_for_bill(bill.id):
        if order.state is OrderState.CREATED:
            await uow.billing.close_order(order.id, now)
    paid = replace(bill, status=BillStatus.PAID, paid_at=paid_at, paid_order_id=None)
    # A renewal's bill: the contract runs on to the end of the term paid for, as online.
    renewed_until = await renewals.renewal_paid(uow, paid, None, now)
    await payment_notices.offline_payment_received(
        uow, paid, amount_fen, paid_at, now, renewed_until
    )
    await service_catalogue.bill_paid(uow, paid, now)
    await uow.audit.add(
        entry(
            actor,
            "bill_paid_offline",
            bill.number,
            now,
            before={"status": bill.status.value, "amount_fen": bill.amount_fen},
            after={
                "status": BillStatus.PAID.value,
                "amount_fen": amount_fen,
                "paid_on": paid_on.isoformat(),
                "note": note,
            },
        )
    )
    return paid


def _told(done: Sequence[Reminded]) -> dict[str, object]:
    return {
        "reminded": [r.bill.number for r in done if r.reminder is not None],
        "already_today": [r.bill.number for r in done if r.reminder is None],
    }


async def remind_bill_now(
    uow: MoneyUnitOfWork, actor: Actor, number: str, now: datetime, pay_url_base: str = ""
) -> Reminded:
    """催费 now for one bill (`fee_reminders.remind_bill`: at most once a day)."""
    _admin(actor)
    done = await remind_bill(uow, actor, number, now, pay_url_base)
    before = {"state": done.bill.state(now, local(now).date())}
    await uow.audit.add(
        entry(actor, "fee_reminded", number, now, before=before, after=_told([done]))
    )
    return done


async def remind_company_now(
    uow: MoneyUnitOfWork, actor: Actor, company_id: int, now: datetime, pay_url_base: str = ""
) -> list[Reminded]:
    """催费 now for each open bill of one company, as staff's "催费 公司" does."""
    _admin(actor)
    done = await remind_company_by_id(uow, actor, company_id, now, pay_url_base)
    name = done[0].bill.company_name if done else str(company_id)
    before = {"open_bills": [r.bill.number for r in done]}
    await uow.audit.add(entry(actor, "fee_reminded", name, now, before=before, after=_told(done)))
    return done
