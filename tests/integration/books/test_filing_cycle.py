"""The monthly filing cycle on a real database: a checklist opened from the template with its
deadlines; the client ticks theirs, staff theirs; the last return files the month and the client
hears "本月已申报" with the amounts once; reminders at most once a day (two workers at once);
a threshold warning fires once however often the books are imported."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.workers.jobs import run_filing_cycle
from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.errors import Forbidden
from domain.filing import ChecklistState, TaxpayerKind, TaxProfile
from domain.filing_service import (
    books_arrived,
    check_missing_invoices,
    checklist_for,
    staff_overview,
    tick,
)
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.invoices import InvoiceRow
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.book_months import keep_month, month_of

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai; files 2026-09
MINGYUAN = "杭州明远贸易有限公司"


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Any]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        ids = uow.identities
        firm = await ids.add_firm("示范代账", "wx_test")
        wang = await ids.add_staff(firm.id, "王会计")
        li = await ids.add_staff(firm.id, "李会计")
        company = await ids.add_company(firm.id, MINGYUAN, accountant_id=wang.id)
        zhou = await ids.add_contact(company.id, "周经理")
        await uow.commit()
    await _bind(sessions, "contacts", zhou.id, "o_zhou")
    await _bind(sessions, "staff", wang.id, "o_wang")
    p = {
        "firm": firm.id,
        "company": company.id,
        "zhou": Actor(
            ActorKind.CLIENT, firm.id, "周经理", contact_id=zhou.id, company_id=company.id
        ),
        "wang": Actor(ActorKind.STAFF, firm.id, "王会计", staff_id=wang.id),
        "li": Actor(ActorKind.STAFF, firm.id, "李会计", staff_id=li.id),
        "url": db_url,
    }
    try:
        yield sessions, p
    finally:
        await engine.dispose()


async def _bind(sessions: Any, table: str, row_id: int, openid: str) -> None:
    from sqlalchemy import text

    async with sessions() as s:
        await s.execute(
            text(f"UPDATE {table} SET openid = :o WHERE id = :i"), {"o": openid, "i": row_id}
        )
        await s.commit()


async def notices(sessions: Any, kind: str, recipient: str | None = None) -> list[OutboxRow]:
    async with sessions() as s:
        q = select(OutboxRow).where(OutboxRow.kind == kind)
        if recipient is not None:
            q = q.where(OutboxRow.recipient == recipient)
        return list(await s.scalars(q))


async def test_the_checklist_story_from_opening_to_filed(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        checklist = await checklist_for(uow, p["zhou"], NOW)
        await uow.commit()
    assert checklist.period == "2026-09" and checklist.deadline == date(2026, 10, 26)
    assert [i.key for i in checklist.items] == [
        "invoices",
        "bank",
        "payroll",
        "bookkeeping",
        "vat",
        "iit",
        "debit",
    ]
    assert checklist.item("payroll").due == date(2026, 10, 21)  # 5 days before the deadline
    assert checklist.state(NOW.date()) is ChecklistState.WAITING_CLIENT

    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Forbidden):  # the client's words cannot file the VAT
            await tick(uow, p["zhou"], "vat", NOW)
        with pytest.raises(Forbidden):  # 李会计 does not keep 明远贸易
            await tick(uow, p["li"], "vat", NOW, company_id=p["company"])
        for key in ("invoices", "bank", "payroll"):
            done = await tick(uow, p["zhou"], key, NOW)
            assert not done.already
        again = await tick(uow, p["zhou"], "payroll", NOW)
        assert again.already
        await uow.commit()
    told = await notices(sessions, "filing_item_done", "o_wang")
    assert len(told) == 3  # the accountant hears each tick once, not the repeated one

    async with SqlUnitOfWork(sessions) as uow:
        books = month_of("2026-09", MINGYUAN, revenue=8_000_000, net_profit=900_000)
        await keep_month(uow, p["wang"], p["company"], books, NOW)
        await books_arrived(uow, await uow.identities.get_company(p["company"]), "2026-09", NOW)
        first = await tick(uow, p["wang"], "vat", NOW, company_id=p["company"], amount_fen=123_456)
        assert not first.filed_now  # 个税 is still open
        last = await tick(uow, p["wang"], "iit", NOW, company_id=p["company"], amount_fen=45_000)
        assert last.filed_now
        again = await tick(uow, p["wang"], "iit", NOW, company_id=p["company"], amount_fen=1)
        assert again.already and not again.filed_now
        await uow.commit()
        rows = await staff_overview(uow, p["wang"], NOW)
    assert [(r.company.name, r.state) for r in rows] == [(MINGYUAN, ChecklistState.FILED)]
    assert last.checklist.item("bookkeeping").done  # ticked by the books' arrival
    assert last.checklist.item("iit").amount_fen == 45_000
    filed = await notices(sessions, "filing_complete", "o_zhou")
    assert len(filed) == 1
    taxes = {t["key"]: t["amount_fen"] for t in filed[0].payload["facts"]["taxes"]}
    assert taxes == {"vat": 123_456, "iit": 45_000}


async def test_reminders_once_a_day_in_working_hours_by_one_worker(world: Any) -> None:
    sessions, p = world
    near = datetime(2026, 10, 18, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, 3 days before payroll's due
    clock = FixedClock(near)
    if is_sqlite(p["url"]):
        sent = [await run_filing_cycle(sessions, clock), await run_filing_cycle(sessions, clock)]
    else:
        sent = list(await asyncio.gather(*(run_filing_cycle(sessions, clock) for _ in range(2))))
    assert sorted(sent) == [0, 1]
    reminders = await notices(sessions, "filing_reminder", "o_zhou")
    assert len(reminders) == 1
    items = [i["key"] for i in reminders[0].payload["facts"]["items"]]
    assert items == ["invoices", "bank", "payroll"]  # each due within three days
    assert reminders[0].payload["facts"]["days_left"] == 8

    clock.advance(hours=12)  # 22:00 in Shanghai: no pushes at night
    assert await run_filing_cycle(sessions, clock) == 0
    clock.advance(hours=12)  # the next morning: once more, and 缺票 (the invoices are due today)
    assert await run_filing_cycle(sessions, clock) == 2
    missing = await notices(sessions, "books_warning", "o_zhou")
    assert [n.payload["facts"]["rule"] for n in missing] == ["missing_invoices"]
    clock.advance(hours=1)
    assert await run_filing_cycle(sessions, clock) == 0  # both once: the day's, the period's
    async with SqlUnitOfWork(sessions) as uow:
        await tick(uow, p["zhou"], "invoices", clock.now())
        await tick(uow, p["zhou"], "bank", clock.now())
        await tick(uow, p["zhou"], "payroll", clock.now())
        await uow.commit()
    clock.advance(days=1)
    assert await run_filing_cycle(sessions, clock) == 0  # nothing open: nothing to remind
    assert len(await notices(sessions, "books_warning", "o_zhou")) == 1


async def test_missing_invoices_warned_once_and_not_when_an_invoice_came(world: Any) -> None:
    sessions, p = world
    due = datetime(2026, 10, 19, 2, 0, tzinfo=UTC)  # the invoices item's day
    async with SqlUnitOfWork(sessions) as uow:
        checklist = await checklist_for(uow, p["zhou"], due)
        await uow.commit()
    assert checklist.item("invoices").due == due.date()

    async with SqlUnitOfWork(sessions) as uow:
        assert await check_missing_invoices(uow, p["firm"], due) == 1  # none yet: 缺票
        assert await check_missing_invoices(uow, p["firm"], due) == 0  # once a period
        await uow.rollback()
    async with sessions() as s:  # a purchase invoice of September, as the photo worker keeps it
        s.add(
            InvoiceRow(
                firm_id=p["firm"],
                company_id=p["company"],
                dedup_key="k1",
                number="33207675",
                kind="digital",
                period="2026-09",
                image_sha256="ab" * 32,
                uploaded_at=due,
                reading={},
            )
        )
        await s.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await check_missing_invoices(uow, p["firm"], due) == 0
        await uow.commit()


async def test_a_warning_fires_once_however_often_the_books_come(world: Any) -> None:
    sessions, p = world
    company_id = p["company"]
    # 明远 sells 9万 in July and 8.5万 in August: 17.5万 of the 30万 line, no warning yet.
    async with SqlUnitOfWork(sessions) as uow:
        company = await uow.identities.get_company(company_id)
        assert company is not None
        for period, revenue in (("2026-07", 9_000_000), ("2026-08", 8_500_000)):
            books = month_of(period, MINGYUAN, revenue=revenue, net_profit=500_000)
            await keep_month(uow, p["wang"], company_id, books, NOW)
            assert await books_arrived(uow, company, period, NOW) == []
        # September: 7.2万 more, 24.7万 in the quarter (82 %): the warning fires.
        books = month_of("2026-09", MINGYUAN, revenue=7_200_000, net_profit=500_000)
        await keep_month(uow, p["wang"], company_id, books, NOW)
        fired = await books_arrived(uow, company, "2026-09", NOW)
        assert [(w.rule, w.key) for w in fired] == [("quarter_near", "2026-Q3")]
        assert fired[0].facts == {"sales": 24_700_000, "line": 30_000_000, "left": 5_300_000}
        # September corrected and imported again: the same warning does not fire twice.
        books = month_of("2026-09", MINGYUAN, revenue=7_300_000, net_profit=500_000)
        await keep_month(uow, p["wang"], company_id, books, NOW + timedelta(hours=1))
        assert await books_arrived(uow, company, "2026-09", NOW + timedelta(hours=1)) == []
        await uow.commit()
        kept = await uow.filing.warnings(company_id)
    assert [(w.rule, w.key) for w in kept] == [("quarter_near", "2026-Q3")]
    assert len(await notices(sessions, "books_warning", "o_zhou")) == 1
    assert len(await notices(sessions, "books_warning", "o_wang")) == 1


async def test_a_general_taxpayer_hears_of_a_low_tax_burden_not_the_small_line(
    world: Any,
) -> None:
    sessions, p = world
    company_id = p["company"]
    async with SqlUnitOfWork(sessions) as uow:
        await uow.filing.set_profile(TaxProfile(company_id, TaxpayerKind.GENERAL, "trade"))
        company = await uow.identities.get_company(company_id)
        assert company is not None
        # 40万 of sales with 1,200 元 of VAT: 0.30 %, under half the trade reference of 0.90 %.
        books = month_of("2026-09", MINGYUAN, revenue=40_000_000, net_profit=500_000, vat=120_000)
        await keep_month(uow, p["wang"], company_id, books, NOW)
        fired = await books_arrived(uow, company, "2026-09", NOW)
        await uow.commit()
    assert [(w.rule, w.facts["burden_bp"], w.facts["reference_bp"]) for w in fired] == [
        ("low_tax_burden", 30, 90)
    ]


async def test_a_large_firm_is_opened_in_short_transactions_giving_the_loop_back(
    world: Any,
) -> None:
    """A month's first run over many companies: every one gets its checklist, in batches of
    FILING_BATCH, and other tasks (the webhook's) run between the batches: with SQLite the
    statements run on the loop, and one long transaction held it for seconds."""
    from bot.workers import jobs

    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        for k in range(2 * jobs.FILING_BATCH + 10):
            await uow.identities.add_company(p["firm"], f"批量公司{k}")
        await uow.commit()
    turns = 0
    stop = asyncio.Event()

    async def other_work() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0)

    night = datetime(2026, 10, 12, 14, 0, tzinfo=UTC)  # 22:00 Shanghai: opening only
    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    turns = 0
    await run_filing_cycle(sessions, FixedClock(night))
    stop.set()
    await other
    async with SqlUnitOfWork(sessions) as uow:
        opened = await uow.filing.checklists(p["firm"], "2026-09")
    assert len(opened) == 2 * jobs.FILING_BATCH + 11  # the demo company and the new ones
    # At least once between each batch of companies and each batch of checklists.
    assert turns >= 2 * 3
