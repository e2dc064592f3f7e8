"""Renewals on a real database (SQLite, and PostgreSQL when configured): a contract's end date
raises one renewal bill per term and reminds the company with the pay link three months, one
month and one week before the end; two workers at once raise one bill and one reminder; a paid
renewal is never chased; a run that missed steps catches up once. A paid renewal moves the
contract's end to the end of the renewed term exactly once (the report applied twice, or
three at once), the receipt says so, the renewed term is not billed again by period, and
the old end's reminders stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from domain import payments, renewals
from domain.billing import BillKind, BillStatus, Channel, Contract, Period, Transaction
from domain.payments import Applied
from domain.renewals import RenewalPolicy
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import Books
from tests.support.notices import rendered

ENDS = date(2026, 6, 30)
BASE = "https://yun.example.com/m"


def at(day: date) -> datetime:
    """10:00 in Shanghai on `day`."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


async def reminders(books: Books) -> list[tuple[str, str]]:
    """(recipient, text) of every fee reminder queued, in order."""
    async with books.sessions() as s:
        rows = (
            await s.scalars(
                select(OutboxRow).where(OutboxRow.kind == "fee_reminder").order_by(OutboxRow.id)
            )
        ).all()
        return [(r.recipient, str(rendered(r)["text"])) for r in rows]


def test_the_steps_are_three_months_one_month_and_one_week_before_the_end() -> None:
    policy = RenewalPolicy()
    assert policy.steps(ENDS) == [date(2026, 3, 30), date(2026, 5, 30), date(2026, 6, 23)]
    assert policy.latest_step(ENDS, date(2026, 3, 29)) is None
    assert policy.latest_step(ENDS, date(2026, 4, 20)) == date(2026, 3, 30)
    assert policy.latest_step(ENDS, date(2026, 6, 29)) == date(2026, 6, 23)
    assert policy.term(ENDS) == Period(date(2026, 7, 1), date(2027, 6, 30))
    # A month end is clamped: three months before May 31 is Feb 28.
    assert policy.steps(date(2026, 5, 31))[0] == date(2026, 2, 28)


async def test_a_renewal_is_billed_once_and_reminded_at_each_step(books: Books) -> None:
    await books.contract(company=0, fee_fen=30000, ends_on=ENDS)
    await books.contract(company=1, fee_fen=30000)  # no end date: never renewed
    # Too early: nothing.
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 3, 29)), pay_url_base=BASE)
    assert (scan.billed, scan.reminded) == ([], 0)
    assert await reminders(books) == []

    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 3, 30)), pay_url_base=BASE)
    assert [b.number for b in scan.billed] == ["B1001"]
    bill = await books.bill("B1001")
    assert bill.kind is BillKind.RENEWAL
    assert bill.company_id == books.companies[0].id
    assert bill.amount_fen == 30000 * 12
    assert bill.due_on == ENDS
    assert bill.period == Period(date(2026, 7, 1), date(2027, 6, 30))
    first = await reminders(books)
    assert first, "nobody was reminded of the renewal"
    for _, text in first:
        assert f"{BASE}/pay/B1001" in text
        assert "续约" in text and "¥3,600.00" in text

    # The same day again, and a day without a step: no second bill, nobody told again.
    for day in (date(2026, 3, 30), date(2026, 4, 15), date(2026, 5, 29)):
        scan = await renewals.remind_renewals(books.uow(), at(day), pay_url_base=BASE)
        assert (scan.billed, scan.reminded) == ([], 0), day
    assert len(await reminders(books)) == len(first)

    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 5, 30)), pay_url_base=BASE)
    assert (scan.billed, scan.reminded) == ([], 1)
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 6, 23)), pay_url_base=BASE)
    assert (scan.billed, scan.reminded) == ([], 1)
    assert len(await reminders(books)) == 3 * len(first)
    async with books.uow() as uow:
        bills = await uow.billing.list_bills(books.firm.id, limit=50)
    assert [b.number for b in bills] == ["B1001"]


async def test_a_paid_renewal_is_not_chased_and_missed_steps_are_caught_up_once(
    books: Books,
) -> None:
    await books.contract(company=0, ends_on=ENDS)
    await books.contract(company=1, ends_on=ENDS)
    # The server was down in March: the first run is after the one-month step.
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 6, 1)), pay_url_base=BASE)
    assert (len(scan.billed), scan.reminded) == (2, 2)
    paid = await books.bill("B1001")
    async with books.uow() as uow:
        assert await uow.billing.mark_bill_paid(paid.id, 0, at(ENDS), at(ENDS))
        await uow.commit()
    before = len(await reminders(books))
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 6, 2)), pay_url_base=BASE)
    assert (scan.billed, scan.reminded) == ([], 0)
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 6, 23)), pay_url_base=BASE)
    assert (scan.billed, scan.reminded) == ([], 1)  # only the unpaid one
    after = await reminders(books)
    assert len(after) > before
    assert all("B1002" in text for _, text in after[before:])
    assert (await books.bill("B1001")).status is BillStatus.PAID


async def test_two_workers_raise_one_renewal_bill_and_one_reminder(books: Books) -> None:
    for company in range(3):
        await books.contract(company=company, ends_on=ENDS)
    now = at(date(2026, 3, 30))
    engines = [books.engine]
    if not is_sqlite(books.url):
        engines.append(create_engine(books.url))
    try:

        async def worker(i: int) -> renewals.RenewalScan:
            sessions = session_factory(engines[i % len(engines)])
            return await renewals.remind_renewals(
                SqlUnitOfWork(sessions), now, pay_url_base=BASE, batch=2
            )

        scans = await asyncio.gather(worker(0), worker(1))
    finally:
        for engine in engines[1:]:
            await engine.dispose()
    assert sum(len(s.billed) for s in scans) == 3
    assert sum(s.reminded for s in scans) == 3
    async with books.uow() as uow:
        bills = await uow.billing.list_bills(books.firm.id, limit=50)
    assert sorted(b.company_id for b in bills) == sorted(c.id for c in books.companies)
    assert {b.kind for b in bills} == {BillKind.RENEWAL}


# --- a paid renewal extends the contract ------------------------------------------------------


async def _renewal_order(books: Books, day: date = date(2026, 4, 10)) -> tuple[str, Transaction]:
    """The contract's renewal bill raised (on the first step) and an attempt paid at WeChat
    Pay: (bill number, WeChat Pay's report)."""
    scan = await renewals.remind_renewals(books.uow(), at(date(2026, 3, 30)), pay_url_base=BASE)
    (bill,) = scan.billed
    order = await payments.open_order(
        books.uow(),
        books.gateway,
        books.system,
        bill.number,
        Channel.JSAPI,
        at(day),
        payer_openid="o_story_client_1",
    )
    return bill.number, books.gateway.pay(order.out_trade_no, at(day))


async def _apply(books: Books, tx: Transaction, day: date = date(2026, 4, 10)) -> Applied:
    async with books.uow() as uow:
        applied = await payments.apply_payment(uow, tx, at(day))
        await uow.commit()
        return applied


async def _contract(books: Books, contract_id: int) -> Contract:
    async with books.uow() as uow:
        contract = await uow.billing.get_contract(contract_id)
    assert contract is not None
    return contract


async def _receipts(books: Books) -> list[tuple[str, str]]:
    async with books.sessions() as s:
        rows = (
            await s.scalars(
                select(OutboxRow).where(OutboxRow.kind == "payment_received").order_by(OutboxRow.id)
            )
        ).all()
        return [(r.recipient, str(rendered(r)["text"])) for r in rows]


async def test_a_paid_renewal_moves_the_end_to_the_end_of_the_term_once(books: Books) -> None:
    contract_id = await books.contract(company=0, ends_on=ENDS)
    await books.issue()  # January's bill: B1001
    number, tx = await _renewal_order(books)
    assert number == "B1002"
    assert await _apply(books, tx) is Applied.PAID
    assert await _apply(books, tx) is Applied.DUPLICATE  # WeChat Pay repeats itself
    contract = await _contract(books, contract_id)
    assert contract.ends_on == date(2027, 6, 30)
    assert contract.bills_until == ENDS  # the renewed term is prepaid
    # The receipt (client and accountant) says how long the service now runs, once each.
    receipts = await _receipts(books)
    assert sorted(r for r, _ in receipts) == ["o_story_client_1", "o_story_staff_1"]
    for _, text in receipts:
        assert "续期至2027年6月30日" in text and number in text
    # The same bill's payment applied by hand again (a replay past the bill's own guard)
    # changes nothing and troubles nobody.
    bill = await books.bill(number)
    async with books.uow() as uow:
        order = await uow.billing.get_order(bill.paid_order_id or 0)
        assert order is not None
        assert await renewals.renewal_paid(uow, bill, order, at(date(2026, 4, 11))) is None
        await uow.commit()
    assert (await _contract(books, contract_id)).ends_on == date(2027, 6, 30)
    async with books.sessions() as s:
        reviews = (
            await s.scalars(select(OutboxRow.id).where(OutboxRow.kind == "payment_review"))
        ).all()
    assert reviews == []


async def test_after_a_paid_renewal_periods_are_billed_to_the_old_end_and_reminders_stop(
    books: Books,
) -> None:
    contract_id = await books.contract(company=0, ends_on=ENDS)
    await books.issue()  # January
    _, tx = await _renewal_order(books)
    await _apply(books, tx)
    # Periods up to the old end are still billed; the renewed term is not billed twice.
    for day in (date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1), date(2026, 9, 1)):
        while (await books.issue(at(day))).count:
            pass
    async with books.uow() as uow:
        bills = await uow.billing.list_bills(books.firm.id, limit=50)
    periods = sorted((b.period.start, b.kind) for b in bills if b.period is not None)
    monthly = [start for start, kind in periods if kind is BillKind.CONTRACT]
    assert monthly == [date(2026, m, 1) for m in range(1, 7)]
    contract = await _contract(books, contract_id)
    assert contract.next_due_on is None and contract.ends_on == date(2027, 6, 30)
    # The old end's last reminder step comes and goes: nobody is chased, nothing is raised.
    before = len(await reminders(books))
    for day in (date(2026, 5, 30), date(2026, 6, 23), date(2026, 6, 30)):
        scan = await renewals.remind_renewals(books.uow(), at(day), pay_url_base=BASE)
        assert (scan.billed, scan.reminded) == ([], 0), day
    assert len(await reminders(books)) == before
    # Three months before the new end, the next term is billed and reminded of.
    scan = await renewals.remind_renewals(books.uow(), at(date(2027, 3, 30)), pay_url_base=BASE)
    (next_bill,) = scan.billed
    assert next_bill.period == Period(date(2027, 7, 1), date(2028, 6, 30))
    assert next_bill.due_on == date(2027, 6, 30) and scan.reminded == 1


async def test_a_renewal_paid_by_three_reports_at_once_extends_once(books: Books) -> None:
    contract_id = await books.contract(company=0, ends_on=ENDS)
    _, tx = await _renewal_order(books)
    engines = [books.engine] if is_sqlite(books.url) else [create_engine(books.url) for _ in "abc"]
    try:

        async def report(i: int) -> Applied:
            async with SqlUnitOfWork(session_factory(engines[i % len(engines)])) as uow:
                applied = await payments.apply_payment(uow, tx, at(date(2026, 4, 10)))
                await uow.commit()
                return applied

        results = await asyncio.gather(*(report(i) for i in range(3)))
    finally:
        if not is_sqlite(books.url):
            for engine in engines:
                await engine.dispose()
    assert sorted(results) == [Applied.DUPLICATE, Applied.DUPLICATE, Applied.PAID]
    contract = await _contract(books, contract_id)
    assert (contract.ends_on, contract.bills_until) == (date(2027, 6, 30), ENDS)
    assert len(await _receipts(books)) == 2


async def test_a_renewal_paid_after_the_end_was_changed_goes_to_the_admins(
    books: Books,
) -> None:
    contract_id = await books.contract(company=0, ends_on=ENDS)
    _, tx = await _renewal_order(books)
    async with books.uow() as uow:  # someone moved the end meanwhile
        assert await uow.billing.extend_contract(
            contract_id, ENDS, date(2026, 9, 30), at(date(2026, 4, 1))
        )
        await uow.commit()
    assert await _apply(books, tx) is Applied.PAID
    assert (await _contract(books, contract_id)).ends_on == date(2026, 9, 30)  # untouched
    async with books.sessions() as s:
        reviews = (
            await s.scalars(select(OutboxRow).where(OutboxRow.kind == "payment_review"))
        ).all()
        texts = [str(rendered(r)["text"]) for r in reviews]
    assert texts and all("未能自动续期" in t for t in texts)
    assert all("续期至" not in text for _, text in await _receipts(books))
