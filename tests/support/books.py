"""Month books as the domain sees them, built straight from the fixture figures (no file), for
the domain's unit tests: the same company, month and fen as `tests.support.statement_files`."""

from __future__ import annotations

from dataclasses import replace

from domain.books import (
    Column,
    LineItem,
    ParsedBooks,
    SourceFile,
    Standard,
    StatementKind,
    StatementSheet,
)
from tests.support.statement_files import BALANCE, COMPANY, INCOME, TAXES


def income_statement(
    figures: dict[str, tuple[int, int]] | None = None,
    *,
    ytd: bool = True,
    period: str | None = "2026-09",
    company: str | None = COMPANY,
    standard: Standard | None = Standard.SMALL,
) -> StatementSheet:
    figures = figures or INCOME
    columns = (Column.MONTH, Column.YTD) if ytd else (Column.MONTH,)
    lines = tuple(
        LineItem(
            key,
            key,
            row=5 + i,
            line_no=i + 1,
            amounts={Column.MONTH: month, **({Column.YTD: year} if ytd else {})},
        )
        for i, (key, (month, year)) in enumerate(figures.items())
    )
    return StatementSheet(
        StatementKind.INCOME,
        "利润表",
        lines,
        columns,
        standard=standard,
        company=company,
        company_row=3 if company else None,
        period=period,
        period_row=3 if period else None,
        header_row=4,
        file="books.xlsx",
    )


def balance_statement(
    figures: dict[str, tuple[int, int]] | None = None,
    *,
    period: str | None = "2026-09",
    company: str | None = COMPANY,
    standard: Standard | None = Standard.SMALL,
) -> StatementSheet:
    figures = figures or BALANCE
    lines = tuple(
        LineItem(key, key, 5 + i, i + 1, {Column.END: end, Column.BEGIN: begin})
        for i, (key, (end, begin)) in enumerate(figures.items())
    )
    return StatementSheet(
        StatementKind.BALANCE,
        "资产负债表",
        lines,
        (Column.END, Column.BEGIN),
        standard=standard,
        company=company,
        company_row=3 if company else None,
        period=period,
        period_row=3 if period else None,
        header_row=4,
        file="books.xlsx",
    )


def tax_statement() -> StatementSheet:
    lines = tuple(
        LineItem(key, key, 4 + i, None, {Column.PAYABLE: payable, Column.PAID: paid})
        for i, (key, (payable, paid)) in enumerate(TAXES.items())
    )
    return StatementSheet(
        StatementKind.TAX, "税费汇总", lines, (Column.PAYABLE, Column.PAID), file="books.xlsx"
    )


def month_books(*statements: StatementSheet) -> ParsedBooks:
    chosen = statements or (balance_statement(), income_statement())
    return ParsedBooks(chosen, (SourceFile("books.xlsx", "ab" * 32, 12_345),))


def changed(statement: StatementSheet, key: str, column: Column, fen: int) -> StatementSheet:
    """The statement with one amount printed differently."""
    lines = tuple(
        replace(line, amounts={**line.amounts, column: fen}) if line.key == key else line
        for line in statement.lines
    )
    return replace(statement, lines=lines)


def without(statement: StatementSheet, key: str) -> StatementSheet:
    return replace(statement, lines=tuple(x for x in statement.lines if x.key != key))
