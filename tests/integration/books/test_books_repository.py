"""The books repository on a real database (SQLite; PostgreSQL when TEST_POSTGRES_URL is set):
versions numbered per month, the current one and the history, months by year, the lines as
they were imported, and two imports of one month at once lining up as versions 1 and 2."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.book_imports import import_statements
from domain.books import Column
from storage.engine import create_engine, is_sqlite, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.books import (
    balance_statement,
    changed,
    income_statement,
    month_books,
    tax_statement,
)

NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], dict[str, Any]]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_test")
        yunfan = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司")
        await uow.commit()
    try:
        yield sessions, {"firm": firm.id, "company": yunfan.id, "url": db_url}
    finally:
        await engine.dispose()


async def test_versions_current_history_and_lines_round_trip(db: Any) -> None:
    sessions, ids = db
    books = month_books(balance_statement(), income_statement(), tax_statement())
    async with SqlUnitOfWork(sessions) as uow:
        first = await import_statements(uow, ids["firm"], ids["company"], "2026-09", books, NOW)
        await uow.commit()
    corrected = month_books(
        balance_statement(), changed(income_statement(), "revenue", Column.MONTH, 12_900_000)
    )
    later = NOW + timedelta(hours=3)
    async with SqlUnitOfWork(sessions) as uow:
        second = await import_statements(
            uow, ids["firm"], ids["company"], "2026-09", corrected, later, imported_by="王会计"
        )
        await uow.commit()
    assert (first.month.version, second.month.version) == (1, 2)
    assert second.replaced is not None and second.replaced.id == first.month.id
    assert second.replaced.replaced_at == later

    async with SqlUnitOfWork(sessions) as uow:
        current = await uow.books.current(ids["company"], "2026-09")
        history = await uow.books.history(ids["company"], "2026-09")
        kept_first = await uow.books.statements(first.month.id)
        kept_second = await uow.books.statements(second.month.id)
    assert current == second.month
    assert current.imported_by == "王会计" and current.figures.month.revenue == 12_900_000
    assert [(m.version, m.replaced_at) for m in history] == [(2, None), (1, later)]
    assert history[1].figures == first.month.figures  # the old figures, untouched
    assert history[1].figures.taxes["cit"].payable == 137_829
    assert kept_first == books  # every line, column and title fact as imported
    assert kept_second == corrected


async def test_months_lists_each_months_current_version_by_year(db: Any) -> None:
    sessions, ids = db
    for period in ("2025-12", "2026-02", "2026-01", "2026-02"):
        books = month_books(balance_statement(period=period), income_statement(period=period))
        async with SqlUnitOfWork(sessions) as uow:
            await import_statements(uow, ids["firm"], ids["company"], period, books, NOW)
            await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        every = await uow.books.months(ids["company"])
        year = await uow.books.months(ids["company"], 2026)
    assert [(m.period, m.version) for m in every] == [
        ("2025-12", 1),
        ("2026-01", 1),
        ("2026-02", 2),
    ]
    assert [m.period for m in year] == ["2026-01", "2026-02"]


async def test_two_imports_of_one_month_at_once_become_versions_one_and_two(db: Any) -> None:
    sessions, ids = db
    if is_sqlite(ids["url"]):
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")

    async def one(at: datetime) -> tuple[int, int | None]:
        async with SqlUnitOfWork(sessions) as uow:
            result = await import_statements(
                uow, ids["firm"], ids["company"], "2026-09", month_books(), at
            )
            await asyncio.sleep(0.05)  # hold the month while the other import waits
            await uow.commit()
            return result.month.version, result.replaced.version if result.replaced else None

    outcomes = await asyncio.gather(one(NOW), one(NOW + timedelta(seconds=1)))
    assert sorted(outcomes, key=lambda o: o[0]) == [(1, None), (2, 1)]
    async with SqlUnitOfWork(sessions) as uow:
        history = await uow.books.history(ids["company"], "2026-09")
    assert [m.current for m in history] == [True, False]
