"""工商年报 on a real database with a fixed clock: every client company not yet marked done is
reminded once per step inside the 1 January – 30 June window, in working hours only, by one of
two workers running at once; staff "年报完成 青禾" stops a company's reminders; outside the window
nothing goes out. The notice is worded by its renderer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.render import render
from domain import annual_report
from domain.actors import Actor, ActorKind
from domain.annual_report import step_on
from domain.clock import FixedClock
from domain.errors import Forbidden, NotFound
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork

MAR_2 = datetime(2027, 3, 2, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai, after step 1


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Any]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        ids = uow.identities
        firm = await ids.add_firm("示范代账", "wx_test")
        other_firm = await ids.add_firm("别家代账", "wx_other")
        wang = await ids.add_staff(firm.id, "王会计")
        li = await ids.add_staff(firm.id, "李会计")
        qinghe = await ids.add_company(firm.id, "青禾餐饮有限公司", accountant_id=wang.id)
        mingyuan = await ids.add_company(firm.id, "杭州明远贸易有限公司", accountant_id=li.id)
        elsewhere = await ids.add_company(other_firm.id, "远方科技有限公司")
        zhou = await ids.add_contact(qinghe.id, "周经理")
        chen = await ids.add_contact(mingyuan.id, "陈会计")
        await ids.add_contact(elsewhere.id, "外人")
        await uow.commit()
    async with sessions() as s:
        for row_id, openid in ((zhou.id, "o_zhou"), (chen.id, "o_chen")):
            await s.execute(
                text("UPDATE contacts SET openid = :o WHERE id = :i"), {"o": openid, "i": row_id}
            )
        await s.commit()
    p = {
        "firm": firm.id,
        "qinghe": qinghe.id,
        "mingyuan": mingyuan.id,
        "wang": Actor(ActorKind.STAFF, firm.id, "王会计", staff_id=wang.id),
        "zhou": Actor(
            ActorKind.CLIENT, firm.id, "周经理", contact_id=zhou.id, company_id=qinghe.id
        ),
        "url": db_url,
    }
    try:
        yield sessions, p
    finally:
        await engine.dispose()


async def remind(sessions: Any, firm_id: int, now: datetime) -> int:
    async with SqlUnitOfWork(sessions) as uow:
        queued = await annual_report.remind(uow, firm_id, now)
        await uow.commit()
    return queued


async def annual_notices(sessions: Any, recipient: str) -> list[OutboxRow]:
    async with sessions() as s:
        q = select(OutboxRow).where(
            OutboxRow.kind == "annual_report", OutboxRow.recipient == recipient
        )
        return list(await s.scalars(q.order_by(OutboxRow.id)))


def test_the_steps_fall_inside_the_window_only() -> None:
    assert step_on(date(2027, 1, 1)) is None  # the window is open, the first step not yet
    assert step_on(date(2027, 2, 28)) is None
    assert step_on(date(2027, 3, 1)) == 1
    assert step_on(date(2027, 5, 5)) == 1
    assert step_on(date(2027, 5, 6)) == 2
    assert step_on(date(2027, 6, 19)) == 3
    assert step_on(date(2027, 6, 20)) == 4
    assert step_on(date(2027, 6, 30)) == 4
    assert step_on(date(2027, 7, 1)) is None
    assert step_on(date(2026, 12, 31)) is None


async def test_each_company_reminded_once_per_step_by_one_of_two_workers(world: Any) -> None:
    sessions, p = world
    if is_sqlite(p["url"]):
        sent = [await remind(sessions, p["firm"], MAR_2), await remind(sessions, p["firm"], MAR_2)]
    else:
        sent = list(await asyncio.gather(*(remind(sessions, p["firm"], MAR_2) for _ in range(2))))
    assert sorted(sent) == [0, 2]  # both companies' contacts, once, by one worker
    zhou = await annual_notices(sessions, "o_zhou")
    assert len(zhou) == 1 and len(await annual_notices(sessions, "o_chen")) == 1
    assert await annual_notices(sessions, "o_外人") == []  # another firm's job, not this one
    facts = zhou[0].payload["facts"]
    assert facts == {
        "company": "青禾餐饮有限公司",
        "year": 2027,
        "deadline": "2027-06-30",
        "days_left": 120,
    }
    words = render("annual_report", zhou[0].payload, MAR_2).text
    assert "青禾餐饮有限公司" in words and "2026年度的工商年报需在6月30日前报送" in words
    assert "还有 120 天截止" in words

    clock = FixedClock(MAR_2)
    clock.advance(days=30)  # still step 1: nothing more
    assert await remind(sessions, p["firm"], clock.now()) == 0
    # Step 2 at night: no pushes; the next morning it goes out.
    night = datetime(2027, 5, 6, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    assert await remind(sessions, p["firm"], night) == 0
    morning = datetime(2027, 5, 7, 1, 30, tzinfo=UTC)  # 09:30
    assert await remind(sessions, p["firm"], morning) == 2
    assert len(await annual_notices(sessions, "o_zhou")) == 2


async def test_marked_done_stops_the_reminders(world: Any) -> None:
    sessions, p = world
    assert await remind(sessions, p["firm"], MAR_2) == 2
    async with SqlUnitOfWork(sessions) as uow:
        company, year, newly = await annual_report.mark_done(uow, p["wang"], p["qinghe"], MAR_2)
        await uow.commit()
    assert (company.name, year, newly) == ("青禾餐饮有限公司", 2027, True)
    async with SqlUnitOfWork(sessions) as uow:
        again = await annual_report.mark_done(uow, p["wang"], p["qinghe"], MAR_2)
        await uow.commit()
    assert again[2] is False
    june = datetime(2027, 6, 21, 2, 0, tzinfo=UTC)  # step 4
    assert await remind(sessions, p["firm"], june) == 1  # 明远 only
    assert len(await annual_notices(sessions, "o_zhou")) == 1
    assert len(await annual_notices(sessions, "o_chen")) == 2
    # A company first seen late hears only the latest step (no burst of the missed ones).
    assert await remind(sessions, p["firm"], june) == 0
    # Outside the window nothing goes out; next year's window starts afresh.
    assert await remind(sessions, p["firm"], datetime(2027, 7, 2, 2, 0, tzinfo=UTC)) == 0
    assert await remind(sessions, p["firm"], datetime(2028, 3, 1, 2, 0, tzinfo=UTC)) == 2
    # The marks are not listed among the company's book warnings.
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.filing.warnings(p["qinghe"]) == []


async def test_only_the_companys_own_staff_mark_it_done(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Forbidden):
            await annual_report.mark_done(uow, p["zhou"], p["qinghe"], MAR_2)
        with pytest.raises(NotFound):  # 明远 is 李会计's client
            await annual_report.mark_done(uow, p["wang"], p["mingyuan"], MAR_2)
        await uow.commit()
    assert await remind(sessions, p["firm"], MAR_2) == 2  # nothing was marked


async def test_the_filing_cycle_job_sends_the_annual_reminders(world: Any) -> None:
    from bot.workers.jobs import run_filing_cycle

    sessions, _ = world
    clock = FixedClock(MAR_2)
    await run_filing_cycle(sessions, clock)
    assert len(await annual_notices(sessions, "o_zhou")) == 1
    await run_filing_cycle(sessions, clock)
    assert len(await annual_notices(sessions, "o_zhou")) == 1
