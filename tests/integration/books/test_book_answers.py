"""Answers about the books on a real database: the figures of a month, a quarter and a year,
against the period before and the same period a year earlier; a month not kept yet; and who
may read which company's books (the domain decides, with an Actor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.actors import Actor, ActorKind
from domain.book_answers import books_answer
from domain.errors import Forbidden, Invalid, NotFound
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.book_months import keep_month, month_of

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 10, 12)
YUNFAN = "杭州云帆科技有限公司"
QINGHE = "杭州青禾餐饮管理有限公司"
# period -> (revenue, net profit, closing cash)
MONTHS = {
    "2025-09": (9_000_000, 1_500_000, 20_000_000),
    "2026-07": (10_000_000, 1_800_000, 30_000_000),
    "2026-08": (11_000_000, 2_000_000, 32_000_000),
    "2026-09": (12_850_000, 2_618_751, 35_678_912),
}


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Any]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        ids = uow.identities
        firm = await ids.add_firm("示范代账", "wx_test")
        wang = await ids.add_staff(firm.id, "王会计")
        li = await ids.add_staff(firm.id, "李会计")
        boss = await ids.add_staff(firm.id, "赵主管", is_admin=True)
        yunfan = await ids.add_company(firm.id, YUNFAN, accountant_id=wang.id)
        qinghe = await ids.add_company(firm.id, QINGHE, accountant_id=li.id)
        liu = await ids.add_contact(yunfan.id, "刘先生")
        chen = await ids.add_contact(qinghe.id, "陈女士")
        system = Actor.system(firm.id)
        for period, (revenue, profit, cash) in MONTHS.items():
            books = month_of(period, YUNFAN, revenue=revenue, net_profit=profit, cash=cash)
            await keep_month(uow, system, yunfan.id, books, NOW)
        await uow.commit()
    people = {
        "liu": Actor(ActorKind.CLIENT, firm.id, "刘先生", contact_id=liu.id, company_id=yunfan.id),
        "chen": Actor(
            ActorKind.CLIENT, firm.id, "陈女士", contact_id=chen.id, company_id=qinghe.id
        ),
        "wang": Actor(ActorKind.STAFF, firm.id, "王会计", staff_id=wang.id),
        "li": Actor(ActorKind.STAFF, firm.id, "李会计", staff_id=li.id),
        "boss": Actor(ActorKind.ADMIN, firm.id, "赵主管", staff_id=boss.id),
        "yunfan": yunfan.id,
        "qinghe": qinghe.id,
        "firm": firm.id,
    }
    try:
        yield sessions, people
    finally:
        await engine.dispose()


async def test_a_month_against_last_month_and_the_same_month_last_year(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        answer = await books_answer(uow, p["liu"], "2026-09", TODAY)
    assert answer.company == YUNFAN and answer.missing == ()
    assert answer.current is not None and answer.previous is not None
    assert answer.last_year is not None
    assert answer.current.net_profit == 2_618_751
    assert answer.previous.net_profit == 2_000_000
    assert answer.last_year.net_profit == 1_500_000
    assert answer.current.cash == 35_678_912 and answer.previous.cash == 32_000_000
    assert answer.current.vat_payable is None  # no tax summary came with these months


async def test_the_latest_month_when_no_period_is_named(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        answer = await books_answer(uow, p["liu"], None, TODAY)
    assert answer.span.label == "2026-09" and answer.latest == "2026-09"


async def test_a_quarter_adds_its_months_and_compares_with_the_last(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        answer = await books_answer(uow, p["liu"], "2026-Q3", TODAY)
    assert answer.current is not None
    assert answer.current.revenue == 10_000_000 + 11_000_000 + 12_850_000
    assert answer.current.cash == 35_678_912  # a stock: the quarter's last month
    assert answer.previous is None  # Q2 is not kept: nothing to compare with
    assert answer.missing == ()


async def test_a_year_so_far_names_the_months_still_missing(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        answer = await books_answer(uow, p["liu"], "2026", TODAY)
    assert answer.current is not None
    assert answer.current.months == ("2026-07", "2026-08", "2026-09")
    assert answer.missing[0] == "2026-01" and answer.missing[-1] == "2026-10"
    assert answer.expected_by == date(2026, 2, 24)  # January's books: February's deadline


async def test_a_month_not_kept_yet_says_when_it_is_expected(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        answer = await books_answer(uow, p["liu"], "2026-10", TODAY)
    assert answer.current is None and answer.missing == ("2026-10",)
    assert answer.expected_by == date(2026, 11, 16)  # the 15th is a Sunday


async def test_a_period_in_the_future_reveals_nothing(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Invalid) as refused:
            await books_answer(uow, p["liu"], "2026-11", TODAY)
    assert refused.value.code == "period_in_future"


async def test_a_client_reads_only_their_own_company(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(NotFound):
            await books_answer(uow, p["chen"], "2026-09", TODAY, company_id=p["yunfan"])
        own = await books_answer(uow, p["chen"], "2026-09", TODAY)
    assert own.company == QINGHE and own.current is None  # 青禾 has no books: none leak in


async def test_staff_read_the_companies_they_keep_and_admins_any(world: Any) -> None:
    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        mine = await books_answer(uow, p["wang"], "2026-09", TODAY, company_id=p["yunfan"])
        assert mine.current is not None
        with pytest.raises(Forbidden) as refused:
            await books_answer(uow, p["li"], "2026-09", TODAY, company_id=p["yunfan"])
        assert refused.value.code == "books_not_your_client"
        with pytest.raises(NotFound):
            await books_answer(uow, p["wang"], "2026-09", TODAY, company_id=99_999)
        boss = await books_answer(uow, p["boss"], "2026-09", TODAY, company_id=p["yunfan"])
        assert boss.current is not None
        visitor = Actor(ActorKind.VISITOR, p["firm"])
        with pytest.raises(Forbidden):
            await books_answer(uow, visitor, None, TODAY, company_id=p["yunfan"])


async def test_the_owner_lets_others_see_the_books_and_only_the_owner(world: Any) -> None:
    from domain.book_access import allow_viewer, mark_owner

    sessions, p = world
    async with SqlUnitOfWork(sessions) as uow:
        cashier = await uow.identities.add_contact(p["yunfan"], "王出纳")
        clerk = await uow.identities.add_contact(p["yunfan"], "小李")
        await uow.commit()
    firm = p["firm"]
    as_cashier = Actor(
        ActorKind.CLIENT, firm, "王出纳", contact_id=cashier.id, company_id=p["yunfan"]
    )
    as_clerk = Actor(ActorKind.CLIENT, firm, "小李", contact_id=clerk.id, company_id=p["yunfan"])
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(Forbidden) as refused:
            await books_answer(uow, as_cashier, "2026-09", TODAY)
        assert refused.value.code == "books_need_owner"
        assert refused.value.facts["owner"] == "刘先生"  # the first contact
        await allow_viewer(uow, p["liu"], "王出纳", True)
        assert (await books_answer(uow, as_cashier, "2026-09", TODAY)).current is not None
        with pytest.raises(Forbidden) as not_owner:  # leave to read is not leave to grant
            await allow_viewer(uow, as_cashier, "小李", True)
        assert not_owner.value.code == "books_owner_only"
        with pytest.raises(Forbidden):
            await allow_viewer(uow, p["liu"], "刘先生", False)  # the owner always reads
        with pytest.raises(NotFound):
            await allow_viewer(uow, p["liu"], "陈女士", True)  # another company's contact
        with pytest.raises(Forbidden):
            await mark_owner(uow, p["li"], p["yunfan"], "小李", NOW)  # 李会计 does not keep 云帆
        await mark_owner(uow, p["wang"], p["yunfan"], "小李", NOW)
        assert (await books_answer(uow, as_clerk, "2026-09", TODAY)).current is not None
        with pytest.raises(Forbidden):
            await books_answer(uow, p["liu"], "2026-09", TODAY)  # 刘先生 now needs leave
        assert (await books_answer(uow, as_cashier, "2026-09", TODAY)).current is not None
