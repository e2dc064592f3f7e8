"""Whole months of books for the chat and checklist tests: the fixture month
(`tests.support.statement_files`) with its headline moved to the figures a test asks for, kept
consistent so the import checks pass (净利润 = 利润总额 − 所得税费用; a change of cash moves
资产总计 and 所有者权益 with it, so the balance sheet still balances)."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.book_imports import ImportResult, import_statements
from domain.books import Column, ParsedBooks, StatementSheet
from domain.ports import UnitOfWork
from tests.support.books import balance_statement, changed, income_statement, tax_statement
from tests.support.statement_files import BALANCE, INCOME


def _moved(statement: StatementSheet, column: Column, moves: dict[str, int]) -> StatementSheet:
    for key, fen in moves.items():
        statement = changed(statement, key, column, fen)
    return statement


def month_of(
    period: str,
    company: str,
    *,
    revenue: int,
    net_profit: int,
    cash: int | None = None,
    vat: int | None = None,
) -> ParsedBooks:
    """One month for `company`: this month's revenue and net profit as given (the printed year
    to date stays the fixture's), the closing cash as given, VAT payable when given."""
    income_tax = INCOME["income_tax"][0]
    income = income_statement(period=period, company=company)
    income = _moved(
        income,
        Column.MONTH,
        {"revenue": revenue, "net_profit": net_profit, "total_profit": net_profit + income_tax},
    )
    balance = balance_statement(period=period, company=company)
    if cash is not None:
        delta = cash - BALANCE["cash"][0]
        balance = _moved(
            balance,
            Column.END,
            {
                "cash": cash,
                "total_current_assets": BALANCE["total_current_assets"][0] + delta,
                "total_assets": BALANCE["total_assets"][0] + delta,
                "retained_earnings": BALANCE["retained_earnings"][0] + delta,
                "total_equity": BALANCE["total_equity"][0] + delta,
                "total_liabilities_and_equity": BALANCE["total_liabilities_and_equity"][0] + delta,
            },
        )
    statements = [income, balance]
    if vat is not None:
        taxes = tax_statement()
        statements.append(changed(taxes, "vat", Column.PAYABLE, vat))
    return ParsedBooks(tuple(statements))


async def keep_month(
    uow: UnitOfWork, actor: Actor, company_id: int, books: ParsedBooks, now: datetime
) -> ImportResult:
    """Import `books` as the staff would (the period printed in them)."""
    return await import_statements(uow, actor.firm_id, company_id, None, books, now)
