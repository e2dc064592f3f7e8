"""Importing a month with in-memory fakes: kept as version 1, replaced by a re-import with the
old version in the history, refused with nothing kept, the year to date summed when the
statement prints none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.book_imports import import_statements
from domain.books import BooksRefused, Column, IncomeFigures, ParsedBooks
from domain.errors import NotFound
from handlers.book_texts import book_text
from tests.support.books import (
    balance_statement,
    changed,
    income_statement,
    month_books,
)
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)


async def setup() -> tuple[FakeUnitOfWork, int, int]:
    uow = FakeUnitOfWork()
    firm = await uow.identities.add_firm("示范代账", "wx_demo")
    company = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司")
    return uow, firm.id, company.id


async def test_a_first_import_is_the_months_version_one() -> None:
    uow, firm_id, company_id = await setup()
    result = await import_statements(
        uow, firm_id, company_id, "2026-09", month_books(), NOW, imported_by="王会计"
    )
    assert result.replaced is None
    month = result.month
    assert (month.period, month.version, month.standard.value, month.current) == (
        "2026-09",
        1,
        "small",
        True,
    )
    assert month.figures.month.net_profit == 2_618_751
    assert month.figures.balance.total_assets == 69_543_300
    assert month.imported_by == "王会计" and month.files[0].name == "books.xlsx"
    assert await uow.books.statements(month.id) == month_books()


async def test_a_re_import_replaces_the_month_and_keeps_the_old_version() -> None:
    uow, firm_id, company_id = await setup()
    first = await import_statements(uow, firm_id, company_id, "2026-09", month_books(), NOW)
    corrected = month_books(
        balance_statement(),
        changed(
            changed(income_statement(), "revenue", Column.MONTH, 12_900_000),
            "operating_cost",
            Column.MONTH,
            7_671_030,
        ),
    )
    later = NOW + timedelta(days=2)
    second = await import_statements(uow, firm_id, company_id, None, corrected, later)
    assert second.month.version == 2 and second.month.figures.month.revenue == 12_900_000
    assert second.replaced is not None
    assert (second.replaced.version, second.replaced.replaced_at) == (1, later)
    current = await uow.books.current(company_id, "2026-09")
    assert current == second.month
    history = await uow.books.history(company_id, "2026-09")
    assert [(m.version, m.replaced_at) for m in history] == [(2, None), (1, later)]
    assert history[1].figures == first.month.figures


async def test_a_refused_import_keeps_nothing_and_says_every_problem() -> None:
    uow, firm_id, company_id = await setup()
    books = month_books(
        balance_statement(company="宁波海风贸易有限公司", period="2026-08"),
        income_statement(period="2026-08"),
    )
    with pytest.raises(BooksRefused) as refused:
        await import_statements(uow, firm_id, company_id, "2026-09", books, NOW)
    assert (refused.value.code, refused.value.sheet, refused.value.row) == (
        "wrong_company",
        "资产负债表",
        3,
    )
    assert [p.code for p in refused.value.problems] == [
        "wrong_company",
        "wrong_period",
        "wrong_period",
    ]
    assert uow.books.versions == []


async def test_only_the_firms_own_companies() -> None:
    uow, firm_id, company_id = await setup()
    other = await uow.identities.add_firm("别家代账", "wx_other")
    with pytest.raises(NotFound):
        await import_statements(uow, other.id, company_id, "2026-09", month_books(), NOW)
    with pytest.raises(NotFound):
        await import_statements(uow, firm_id, 999, "2026-09", month_books(), NOW)


def monthly(period: str, revenue: int) -> ParsedBooks:
    """A month whose statements print no year to date; net profit is 5% of revenue."""
    figures = {
        "revenue": (revenue, 0),
        "operating_cost": (revenue // 2, 0),
        "operating_profit": (revenue // 2, 0),
        "total_profit": (revenue // 2, 0),
        "income_tax": (revenue // 20, 0),
        "net_profit": (revenue // 2 - revenue // 20, 0),
    }
    return month_books(
        balance_statement(period=period), income_statement(figures, ytd=False, period=period)
    )


async def test_without_a_year_to_date_column_the_year_is_the_sum_of_its_kept_months() -> None:
    uow, firm_id, company_id = await setup()
    january = await import_statements(
        uow, firm_id, company_id, "2026-01", monthly("2026-01", 100_000), NOW
    )
    assert january.month.figures.ytd == january.month.figures.month  # January is its own year
    assert january.month.figures.ytd_derived
    await import_statements(uow, firm_id, company_id, "2026-02", monthly("2026-02", 200_000), NOW)
    march = await import_statements(
        uow, firm_id, company_id, "2026-03", monthly("2026-03", 300_000), NOW
    )
    assert march.month.figures.ytd == IncomeFigures(
        600_000, 300_000, 300_000, 300_000, 30_000, 270_000
    )


async def test_a_missing_earlier_month_means_no_year_to_date_and_no_import() -> None:
    uow, firm_id, company_id = await setup()
    await import_statements(uow, firm_id, company_id, "2026-01", monthly("2026-01", 100_000), NOW)
    with pytest.raises(BooksRefused) as refused:
        await import_statements(
            uow, firm_id, company_id, "2026-04", monthly("2026-04", 100_000), NOW
        )
    assert (refused.value.code, refused.value.sheet, refused.value.row) == (
        "missing_ytd",
        "利润表",
        4,
    )
    assert book_text(refused.value) == (
        "利润表（工作表“利润表”）没有“本年累计金额”列，而2026年2月、3月的账还没有导入，"
        "算不出2026年4月的本年累计。请导出带“本年累计金额”的利润表，或先导入前几个月的账。"
    )
    assert [m.period for m in await uow.books.months(company_id)] == ["2026-01"]
    assert refused.value.file == "books.xlsx"


async def test_another_years_months_do_not_count_towards_this_one() -> None:
    uow, firm_id, company_id = await setup()
    await import_statements(uow, firm_id, company_id, "2025-01", monthly("2025-01", 100_000), NOW)
    with pytest.raises(BooksRefused) as refused:
        await import_statements(
            uow, firm_id, company_id, "2026-02", monthly("2026-02", 100_000), NOW
        )
    assert "2026年1月的账还没有导入" in book_text(refused.value)
