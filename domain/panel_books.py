"""The books upload in the panel: a client's month of statements imported by the staff member
who may see that client, through the one import everyone uses (`book_imports.import_statements`,
as the chat and `yunkuaiji books import` do), then the same follow-up (`books_arrived`: the
bookkeeping item ticked, the warnings evaluated) and an audit entry.

A dry run does all the checking and computing and keeps nothing: the caller rolls its unit of
work back. A refused import raises `BooksRefused` and keeps nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor
from domain.audit import entry
from domain.book_imports import ImportResult, import_statements
from domain.books import BookMonth, ParsedBooks
from domain.filing_service import books_arrived
from domain.identity import ClientCompany
from domain.panel_invoices import client_company
from domain.panel_ports import PanelUnitOfWork

HISTORY_MONTHS = 36


@dataclass(frozen=True)
class BooksOverview:
    company: ClientCompany
    months: Sequence[BookMonth]  # each month's current version, newest first
    versions: Sequence[BookMonth]  # every version of the chosen month, newest first
    period: str | None


def _headline(month: BookMonth) -> dict[str, object]:
    m = month.figures.month
    return {
        "version": month.version,
        "revenue": m.revenue,
        "net_profit": m.net_profit,
        "total_assets": month.figures.balance.total_assets,
    }


async def import_for_client(
    uow: PanelUnitOfWork,
    actor: Actor,
    company_id: int,
    period: str | None,
    parsed: ParsedBooks,
    now: datetime,
    *,
    dry_run: bool,
) -> ImportResult:
    """Import `parsed` as the company's books for `period` (None: the period printed)."""
    company = await client_company(uow, actor, company_id)
    result = await import_statements(
        uow, actor.firm_id, company.id, period, parsed, now, imported_by=actor.name
    )
    if dry_run:
        return result
    month = result.month
    await books_arrived(uow, company, month.period, now, actor.name)
    await uow.audit.add(
        entry(
            actor,
            "books_imported",
            f"{company.name} {month.period}",
            now,
            _headline(result.replaced) if result.replaced else None,
            {**_headline(month), "files": [f.name for f in month.files]},
        )
    )
    return result


async def books_overview(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, period: str | None
) -> BooksOverview:
    company = await client_company(uow, actor, company_id)
    months = list(await uow.books.months(company.id))[::-1][:HISTORY_MONTHS]
    versions = await uow.books.history(company.id, period) if period else ()
    return BooksOverview(company, months, versions, period)
