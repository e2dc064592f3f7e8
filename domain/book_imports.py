"""Importing a month's books: check what was read, then keep it as the month's newest version.

The chat, the phone pages, the admin panel and the command line all import through
`import_statements`. A month imported again replaces the month's current version; the earlier
versions stay in its history, so "what did September say before the correction" has an answer.
A refused import changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.books import (
    BookMonth,
    BooksRefused,
    Column,
    IncomeFigures,
    NewBookMonth,
    ParsedBooks,
    Problem,
    StatementKind,
    check_books,
    earlier_months_of_year,
    figures_of,
    parse_period,
)
from domain.errors import NotFound
from domain.identity import ClientCompany
from domain.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class ImportResult:
    month: BookMonth
    replaced: BookMonth | None  # the version this import replaced, if the month had one


async def company_for_import(uow: UnitOfWork, firm_id: int, company_id: int) -> ClientCompany:
    company = await uow.identities.get_company(company_id)
    if company is None or company.firm_id != firm_id:
        raise NotFound("company_not_in_firm", company_id=company_id)
    return company


async def import_statements(
    uow: UnitOfWork,
    firm_id: int,
    company_id: int,
    period: str | None,
    parsed: ParsedBooks,
    now: datetime,
    *,
    imported_by: str = "",
) -> ImportResult:
    """Keep `parsed` as `company_id`'s books for `period` (None: the period the files print).

    Raises `BooksRefused` naming every problem found (the sheet and row of the first), or
    `NotFound` for a company that is not the firm's. The caller commits.
    """
    company = await company_for_import(uow, firm_id, company_id)
    if period is not None:
        period = parse_period(period)
    problems = check_books(parsed, company.name, period)
    if problems:
        raise BooksRefused(problems)
    period = period or parsed.period
    standard = parsed.standard
    if period is None or standard is None:  # pragma: no cover - check_books refuses both
        raise BooksRefused([Problem("no_period")])
    earlier = await _earlier_months(uow, company_id, period, parsed)
    month = await uow.books.add_version(
        NewBookMonth(
            firm_id=firm_id,
            company_id=company_id,
            period=period,
            standard=standard,
            figures=figures_of(parsed, earlier),
            books=parsed,
            imported_at=now,
            imported_by=imported_by,
        )
    )
    replaced = None
    if month.version > 1:  # read after the version was taken: a racing import cannot slip in
        history = await uow.books.history(company_id, period)
        replaced = next((m for m in history if m.version == month.version - 1), None)
    return ImportResult(month, replaced)


async def _earlier_months(
    uow: UnitOfWork, company_id: int, period: str, parsed: ParsedBooks
) -> list[IncomeFigures]:
    """This year's earlier months, when the income statement has no year-to-date column (a
    本期金额 | 上期金额 layout): the year to date is their sum plus this month."""
    income = parsed.statement(StatementKind.INCOME)
    if income is None or Column.YTD in income.columns:
        return []
    wanted = earlier_months_of_year(period)
    if not wanted:
        return []
    kept = {m.period: m for m in await uow.books.months(company_id, int(period[:4]))}
    missing = [p for p in wanted if p not in kept]
    if missing:
        raise BooksRefused(
            [
                Problem(
                    "missing_ytd",
                    {"statement": income.kind.value, "period": period, "missing": tuple(missing)},
                    income.sheet,
                    income.header_row,
                    income.file,
                )
            ]
        )
    return [kept[p].figures.month for p in wanted]
