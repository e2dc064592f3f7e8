"""Issuing bills from contracts on a real database: one bill per company per period, by the
date in Shanghai, idempotent across passes and across two workers."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain import payments
from domain.billing import BillKind, BillStatus, Cycle
from domain.errors import DomainError
from handlers.payment_texts import bill_what
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.billing import BillRow
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import NEW_YEAR, Books


async def count_bills(books: Books) -> int:
    async with books.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(BillRow)) or 0)


async def test_a_contract_bills_its_first_period_on_its_start_day(books: Books) -> None:
    await books.contract(fee_fen=30000)
    report = await books.issue()
    assert [b.number for b in report.issued] == ["B1001"]
    bill = await books.bill("B1001")
    assert bill.kind is BillKind.CONTRACT and bill.status is BillStatus.UNPAID
    assert bill.amount_fen == 30000 and bill.title == ""  # the edges word a period's bill
    assert bill_what(bill) == "2026年1月代理记账服务费"
    assert bill.period is not None and (bill.period.start, bill.period.end) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
    )
    assert bill.due_on == date(2026, 1, 16) and bill.company_name
    assert (await books.issue()).count == 0  # the same day again: nothing new


async def test_a_quarterly_contract_bills_three_months_at_once(books: Books) -> None:
    await books.contract(fee_fen=30000, cycle=Cycle.QUARTERLY)
    first = (await books.issue()).issued[0]
    assert first.amount_fen == 90000 and bill_what(first) == "2026年1月—3月代理记账服务费"
    march_31 = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert (await books.issue(march_31)).count == 0
    april_1 = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on April 1st in Shanghai
    second = (await books.issue(april_1)).issued[0]
    assert bill_what(second) == "2026年4月—6月代理记账服务费" and second.number == "B1002"


async def test_a_contract_behind_by_months_catches_up_one_period_per_pass(books: Books) -> None:
    await books.contract(starts_on=date(2025, 10, 1))
    titles = []
    for _ in range(5):
        titles += [bill_what(b) for b in (await books.issue()).issued]
    assert titles == [
        "2025年10月代理记账服务费",
        "2025年11月代理记账服务费",
        "2025年12月代理记账服务费",
        "2026年1月代理记账服务费",
    ]


async def test_an_ended_contract_stops_billing(books: Books) -> None:
    contract_id = await books.contract(ends_on=date(2026, 2, 15))
    await books.issue()
    feb = datetime(2026, 2, 1, 2, 0, tzinfo=UTC)
    report = await books.issue(feb)
    assert report.count == 1 and report.ended == 1
    assert (await books.issue(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))).count == 0
    async with books.uow() as uow:
        contract = await uow.billing.get_contract(contract_id)
    assert contract is not None and not contract.active and contract.next_due_on is None


async def test_month_end_starts_do_not_drift(books: Books) -> None:
    await books.contract(starts_on=date(2026, 1, 31))
    periods = []
    for month in (1, 2, 3):
        day = {1: 31, 2: 28, 3: 31}[month]
        at = datetime(2026, month, day, 2, 0, tzinfo=UTC)
        for bill in (await books.issue(at)).issued:
            assert bill.period is not None
            periods.append((bill.period.start, bill.period.end))
    assert periods == [
        (date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
    ]


async def test_one_bill_per_company_per_period_even_with_two_contracts(books: Books) -> None:
    await books.contract()
    await books.contract(fee_fen=50000)
    report = await books.issue()
    assert report.count == 1 and await count_bills(books) == 1


async def test_two_workers_issue_each_period_once(books: Books) -> None:
    for company in range(3):
        await books.contract(company=company, starts_on=date(2025, 11, 1))
    # On SQLite the workers share the one engine (one process, as the service runs on it);
    # on PostgreSQL each has its own connections.
    engines = [books.engine]
    if not is_sqlite(books.url):
        engines.append(create_engine(books.url))
    try:

        async def worker(i: int) -> int:
            sessions = session_factory(engines[i % len(engines)])
            issued = 0
            for _ in range(4):
                async with SqlUnitOfWork(sessions) as uow:
                    report = await payments.issue_due_bills(uow, NEW_YEAR)
                    await uow.commit()
                issued += report.count
                await asyncio.sleep(0)
            return issued

        counts = await asyncio.gather(worker(0), worker(1))
    finally:
        for engine in engines[1:]:
            await engine.dispose()
    assert sum(counts) == 9 == await count_bills(books)  # 3 companies x Nov, Dec, Jan
    async with books.uow() as uow:
        bills = await uow.billing.list_bills(books.firm.id)
    numbers = [b.number for b in bills]
    assert len(set(numbers)) == 9
    per_company = {(b.company_id, b.period.start if b.period else None) for b in bills}
    assert len(per_company) == 9


async def test_two_worker_processes_on_one_sqlite_file_issue_once(books: Books) -> None:
    """Two workers with their own connections, each on its own thread and event loop: what two
    processes sharing the SQLite file do (SQLite serialises their writes)."""
    if not is_sqlite(books.url):
        pytest.skip("SQLite's own locking")
    for company in range(3):
        await books.contract(company=company, starts_on=date(2025, 12, 1))
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        async def work() -> int:
            engine = create_engine(books.url)
            issued = 0
            try:
                for _ in range(3):
                    async with SqlUnitOfWork(session_factory(engine)) as uow:
                        report = await payments.issue_due_bills(uow, NEW_YEAR)
                        await uow.commit()
                    issued += report.count
            finally:
                await engine.dispose()
            return issued

        try:
            results.append(asyncio.run(work()))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        await asyncio.to_thread(t.join)
    assert not errors, errors
    assert sum(results) == 6 == await count_bills(books)


async def test_a_one_off_bill_with_a_source_is_raised_once(books: Books) -> None:
    async def raise_it() -> str:
        async with books.uow() as uow:
            bill = await payments.add_one_off_bill(
                uow,
                books.system,
                books.companies[1].id,
                "营业执照办理费",
                80000,
                NEW_YEAR,
                source_ref="order:17",
                expires_at=NEW_YEAR + timedelta(days=3),
            )
            await uow.commit()
            return bill.number

    assert await raise_it() == await raise_it() == "B1001"
    bill = await books.bill("B1001")
    assert bill.kind is BillKind.ONE_OFF and bill.expires_at == NEW_YEAR + timedelta(days=3)


async def test_contracts_and_bills_refuse_nonsense(books: Books) -> None:
    with pytest.raises(DomainError) as exc:
        await books.contract(fee_fen=0)
    assert exc.value.code == "bad_fee"
    with pytest.raises(DomainError) as exc:
        await books.contract(starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1))
    assert exc.value.code == "bad_dates"
    with pytest.raises(DomainError) as exc:
        await books.one_off(amount_fen=-5)
    assert exc.value.code == "bad_amount"
