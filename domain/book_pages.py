"""What the client's books page shows for a month: the headline with its comparisons (the same
answer the chat gives), the twelve months up to it for the trend, the month's printed lines,
the files it came from, the warnings that fired, and the months there are to choose from.

Everything is read through `books_answer`, so the page refuses exactly what the chat refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.actors import Actor
from domain.book_access import readable_company
from domain.book_answers import BooksAnswer, SpanKind, answer_from, books_answer
from domain.book_warnings import KeptWarning
from domain.books import BookMonth, ParsedBooks, SourceFile
from domain.errors import Invalid, NotFound
from domain.ports import UnitOfWork

TREND_MONTHS = 12


def months_back(period: str, count: int) -> list[str]:
    """The `count` months ending with `period`, oldest first."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period: str
    revenue: int | None  # None: the month is not kept
    net_profit: int | None
    revenue_last_year: int | None  # the same month a year earlier, for the year-on-year


@dataclass(frozen=True, slots=True)
class BooksPage:
    answer: BooksAnswer
    month: BookMonth | None  # the chosen month as kept (None: not kept yet)
    statements: ParsedBooks | None
    trend: tuple[TrendPoint, ...]
    kept: tuple[str, ...]  # every month kept, newest first
    warnings: tuple[KeptWarning, ...]

    @property
    def files(self) -> tuple[SourceFile, ...]:
        return self.month.files if self.month is not None else ()


async def books_page(
    uow: UnitOfWork,
    actor: Actor,
    period: str | None,
    today: date,
    company_id: int | None = None,
) -> BooksPage:
    """The page for one month ("YYYY-MM"; None: the latest kept)."""
    company = await readable_company(uow, actor, company_id)
    months = {m.period: m for m in await uow.books.months(company.id)}
    answer = await answer_from(uow, company, months, period, today)
    if answer.span.kind is not SpanKind.MONTH:
        raise Invalid("bad_period", text=answer.span.label)
    chosen = answer.span.label
    month = months.get(chosen)
    statements = await uow.books.statements(month.id) if month is not None else None
    trend = []
    for p in months_back(chosen, TREND_MONTHS):
        kept, ago = months.get(p), months.get(f"{int(p[:4]) - 1:04d}{p[4:]}")
        trend.append(
            TrendPoint(
                p,
                kept.figures.month.revenue if kept else None,
                kept.figures.month.net_profit if kept else None,
                ago.figures.month.revenue if ago else None,
            )
        )
    warnings = await uow.filing.warnings(answer.company_id)
    return BooksPage(
        answer=answer,
        month=month,
        statements=statements,
        trend=tuple(trend),
        kept=tuple(sorted(months, reverse=True)),
        warnings=tuple(warnings),
    )


async def statement_file(
    uow: UnitOfWork, actor: Actor, sha256: str, today: date, company_id: int | None = None
) -> tuple[SourceFile, str]:
    """A statement file of a company `actor` may read, with the month it belongs to; any other
    file (another company's, or none) reads as not found."""
    answer = await books_answer(uow, actor, None, today, company_id)
    for month in await uow.books.months(answer.company_id):
        for f in month.files:
            if f.sha256 == sha256:
                return f, month.period
    raise NotFound("statement_file_not_found")


@dataclass(frozen=True, slots=True)
class ArchivedMonth:
    period: str
    files: tuple[SourceFile, ...]
    version: int  # how many times the month was imported (the last one is shown)


async def archive(
    uow: UnitOfWork, actor: Actor, year: int | None = None, company_id: int | None = None
) -> tuple[str, tuple[int, ...], tuple[ArchivedMonth, ...]]:
    """The company's kept months, newest first (of `year` when given), with their original
    files; also the company's name and every year that has months."""
    company = await readable_company(uow, actor, company_id)
    months = list(await uow.books.months(company.id))
    years = tuple(sorted({int(m.period[:4]) for m in months}, reverse=True))
    shown = [m for m in months if year is None or m.period.startswith(f"{year:04d}-")]
    return (
        company.name,
        years,
        tuple(ArchivedMonth(m.period, m.files, m.version) for m in reversed(shown)),
    )
