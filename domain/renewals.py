"""Renewals: a contract's end date drives its renewal. When a contract comes within three
months of its end, the next term is billed (a `BillKind.RENEWAL` bill for the term after
`ends_on`, due on `ends_on`), and the company is reminded of it, with the pay link, three
months, one month and one week before the end (a step missed is caught up once at the next
run). The ordinary 催费 schedule takes over as the due day comes.

Idempotent and safe with two workers: the bill is keyed by its source ("renewal:<contract>:
<ends_on>", unique per firm) and by its period (unique per company), so one contract term
raises one renewal bill however often or wherever this runs; each reminder claims the bill's
day first (see `domain.fee_reminders.send_reminders`). A paid, cancelled or expired renewal
bill is never reminded of.

A renewal bill once paid (`renewal_paid`, from `domain.payments.apply_payment`, or settled as
线下收款 by `domain.money_admin.mark_paid_offline`) moves the contract's end to the end of the
renewed term, once: a conditional UPDATE that expects the old end, so a payment applied twice,
or by two workers, extends once. The term is prepaid, so
period bills stop at the old end (`bills_until`); the next renewal comes three months before
the new end, and the old end's reminders stop with the bill paid."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain import payment_notices
from domain.billing import (
    MAX_BILL_FEN,
    Bill,
    BillKind,
    BillStatus,
    Contract,
    NewBill,
    PaymentOrder,
    Period,
)
from domain.billing import add_months as _add_months
from domain.clock import local
from domain.fee_reminders import send_reminders
from domain.ports import UnitOfWork

log = logging.getLogger(__name__)

RENEWAL_TRIGGER = "renewal"  # the trigger logged with renewal reminders
SCAN_BATCH = 200


@dataclass(frozen=True)
class RenewalPolicy:
    """When renewals are billed and reminded of, and how long the renewed term is."""

    months_before: tuple[int, ...] = (3, 1)  # reminders this many months before the end
    days_before: tuple[int, ...] = (7,)  # and this many days before it
    term_months: int = 12  # the renewal bills a year of the monthly fee

    def steps(self, ends_on: date) -> list[date]:
        """The reminder days of a contract ending on `ends_on`, earliest first."""
        days = [_add_months(ends_on, -m) for m in self.months_before]
        days += [ends_on - timedelta(days=d) for d in self.days_before]
        return sorted(days)

    def latest_step(self, ends_on: date, today: date) -> date | None:
        passed = [s for s in self.steps(ends_on) if s <= today]
        return max(passed) if passed else None

    def window_end(self, today: date) -> date:
        """Contracts ending on or before this day have their first step today or earlier."""
        return _add_months(today, max(self.months_before, default=0)) + timedelta(
            days=max(self.days_before, default=0) + 1
        )

    def term(self, ends_on: date) -> Period:
        start = ends_on + timedelta(days=1)
        return Period(start, _add_months(start, self.term_months) - timedelta(days=1))


@dataclass
class RenewalScan:
    looked_at: int = 0
    billed: list[Bill] = field(default_factory=list)  # renewal bills raised by this run
    reminded: int = 0


def source_ref(contract: Contract) -> str:
    assert contract.ends_on is not None
    return f"renewal:{contract.id}:{contract.ends_on.isoformat()}"


async def renewal_bill(
    uow: UnitOfWork, contract: Contract, now: datetime, policy: RenewalPolicy
) -> tuple[Bill | None, bool]:
    """The renewal bill of the contract's current term, raised if it is not yet: (bill,
    raised by this call). None when the fee is out of bounds or the period is billed by
    another bill already (a contract extended and billed by period)."""
    assert contract.ends_on is not None
    ref = source_ref(contract)
    existing = await uow.billing.bill_by_source(contract.firm_id, ref)
    if existing is not None:
        return existing, False
    amount = contract.monthly_fee_fen * policy.term_months
    if not 0 < amount <= MAX_BILL_FEN:
        log.warning("contract %s: renewal fee %s fen out of bounds", contract.id, amount)
        return None, False
    bill = await uow.billing.add_bill(
        NewBill(
            firm_id=contract.firm_id,
            number=await uow.billing.next_bill_number(contract.firm_id),
            company_id=contract.company_id,
            kind=BillKind.RENEWAL,
            title="",  # worded by each edge from its period
            amount_fen=amount,
            due_on=contract.ends_on,
            created_at=now,
            contract_id=contract.id,
            period=policy.term(contract.ends_on),
            source_ref=ref,
        )
    )
    if bill is not None:
        return bill, True
    # Another worker raised it between our look and our insert (or the period is taken).
    return await uow.billing.bill_by_source(contract.firm_id, ref), False


async def remind_renewals(
    uow: UnitOfWork,
    now: datetime,
    policy: RenewalPolicy | None = None,
    pay_url_base: str = "",
    batch: int = SCAN_BATCH,
) -> RenewalScan:
    """The scheduled run: every contract ending within the first step's reach gets its renewal
    bill, and a reminder when a step has come since the bill was last reminded of. Pages of
    `batch` contracts, each committed. Call outside `async with uow`."""
    policy = policy or RenewalPolicy()
    today = local(now).date()
    scan = RenewalScan()
    after = 0
    while True:
        async with uow:
            page = await uow.billing.ending_contracts(today, policy.window_end(today), after, batch)
            if not page:
                break
            due: list[tuple[Bill, date]] = []
            for contract in page:
                assert contract.ends_on is not None
                step = policy.latest_step(contract.ends_on, today)
                if step is None:
                    continue
                scan.looked_at += 1
                bill, raised = await renewal_bill(uow, contract, now, policy)
                if bill is None:
                    continue
                if raised:
                    scan.billed.append(bill)
                if bill.status is BillStatus.UNPAID and not bill.expired(now):
                    due.append((bill, step))
            last = await uow.reminders.last_days([b.id for b, _ in due])
            remind = [b for b, step in due if last.get(b.id) is None or last[b.id] < step]
            logged = await send_reminders(uow, remind, now, RENEWAL_TRIGGER, pay_url_base)
            scan.reminded += len(logged)
            await uow.commit()
        after = page[-1].id
        if len(page) < batch:
            break
    return scan


async def renewal_paid(
    uow: UnitOfWork, bill: Bill, order: PaymentOrder | None, now: datetime
) -> date | None:
    """The bill just paid (through WeChat Pay, `order`, or offline: None), if a renewal,
    extends its contract to the end of the renewed term.
    Returns the new end date when this call extended it (None: not a renewal, or extended
    already). A contract whose end was changed meanwhile is not touched: the admins are asked
    to look. Runs in the caller's unit of work."""
    if bill.kind is not BillKind.RENEWAL or bill.contract_id is None or bill.period is None:
        return None
    old_end = bill.period.start - timedelta(days=1)
    if await uow.billing.extend_contract(bill.contract_id, old_end, bill.period.end, now):
        log.info("contract %s renewed to %s by %s", bill.contract_id, bill.period.end, bill.number)
        return bill.period.end
    contract = await uow.billing.get_contract(bill.contract_id)
    ends_on = contract.ends_on if contract is not None else None
    if ends_on is not None and ends_on >= bill.period.end:
        return None  # this term is in already
    log.error(
        "renewal %s paid, but contract %s ends on %s, not %s",
        bill.number,
        bill.contract_id,
        contract.ends_on if contract else "(missing)",
        old_end,
    )
    await payment_notices.needs_review(uow, bill.firm_id, order, "renewal_not_applied", now, bill)
    return None
