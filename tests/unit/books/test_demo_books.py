"""The demo loader's books: two years of months that pass every check an import must pass, and
look like a small company's (a season, VAT at the 小规模纳税人 rate, a balance sheet that follows
from month to month)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.sandbox.demo_books import demo_books
from domain.books import Column, StatementKind, check_books, figures_of

COMPANY = "杭州明远贸易有限公司"


@pytest.mark.parametrize("vat_rate", [0.01, 0.03])
def test_every_generated_month_passes_the_checks(vat_rate: float) -> None:
    months = demo_books(COMPANY, vat_rate=vat_rate)
    assert [m.period for m in months][:2] == ["2025-01", "2025-02"]
    assert len(months) == 24 and months[-1].period == "2026-12"
    for m in months:
        assert check_books(m.books, COMPANY, m.period) == [], m.period
        figures = figures_of(m.books)
        assert figures.taxes["vat"].payable == round(figures.month.revenue * vat_rate)
        assert figures.balance.cash > 0


def test_the_year_to_date_is_the_sum_of_the_years_months() -> None:
    months = demo_books(COMPANY)
    for year in ("2025", "2026"):
        figures = [figures_of(m.books) for m in months if m.period.startswith(year)]
        total = figures[0].month
        for f in figures[1:]:
            total = total + f.month
        assert figures[-1].ytd == total


def test_each_month_opens_where_the_last_closed_and_the_profit_stays_in_the_books() -> None:
    months = demo_books(COMPANY)
    for before, after in pairwise(months):
        closed = before.books.statement(StatementKind.BALANCE)
        opened = after.books.statement(StatementKind.BALANCE)
        assert closed is not None and opened is not None
        retained = closed.figure("retained_earnings", Column.END) or 0
        net = figures_of(after.books).month.net_profit
        assert (opened.figure("retained_earnings", Column.END) or 0) == retained + net
        if after.period.endswith("-01"):  # the new year's 年初余额 is December's 期末余额
            assert opened.figure("total_assets", Column.BEGIN) == closed.figure(
                "total_assets", Column.END
            )


def test_revenue_has_a_season_and_the_same_seed_gives_the_same_books() -> None:
    months = demo_books(COMPANY)
    revenue = {m.period: figures_of(m.books).month.revenue for m in months}
    for year in ("2025", "2026"):
        assert revenue[f"{year}-02"] < revenue[f"{year}-06"] < revenue[f"{year}-12"]
    assert demo_books(COMPANY) == months
    assert demo_books(COMPANY, seed=8) != months
