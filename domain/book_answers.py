"""Answers about a company's books: a month, a quarter or a year, against the period before it
and the same period a year earlier, from the imported statements.

"这个月利润多少", "今年营收多少", "上个季度交了多少税", "账上还有多少钱": the chat and the phone
pages ask `books_answer` with the period the client named ("YYYY-MM", "YYYY-Qn", "YYYY") or none
(the latest month kept). Flows (revenue, profit, taxes) add up over the span's months; stocks
(cash, receivables) are the last month's closing balance. A month not imported yet is named,
with the day its books are expected (the filing deadline that follows it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.actors import Actor
from domain.book_access import readable_company
from domain.books import BookMonth
from domain.errors import Invalid
from domain.filing import Checklist
from domain.identity import ClientCompany
from domain.ports import UnitOfWork
from domain.tax_calendar import deadline_for_period, tax_period_on

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_YEAR = re.compile(r"\d{4}")


class SpanKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Span:
    """A period asked about and the months in it (a year or quarter still running: the months
    so far)."""

    kind: SpanKind
    label: str  # "2026-09", "2026-Q3", "2026"
    months: tuple[str, ...]


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def span_of(spec: str, today: date) -> Span:
    """The span of "YYYY-MM" / "YYYY-Qn" / "YYYY"; a period that has not begun is refused."""
    this_month = _month(today.year, today.month)
    if m := _MONTH.fullmatch(spec):
        months: tuple[str, ...] = (spec,)
        kind = SpanKind.MONTH
        del m
    elif m2 := _QUARTER.fullmatch(spec):
        year, q = int(m2[1]), int(m2[2])
        months = tuple(_month(year, x) for x in range(3 * q - 2, 3 * q + 1))
        kind = SpanKind.QUARTER
    elif _YEAR.fullmatch(spec):
        months = tuple(_month(int(spec), x) for x in range(1, 13))
        kind = SpanKind.YEAR
    else:
        raise Invalid("bad_period", text=spec)
    if months[0] > this_month:
        raise Invalid("period_in_future", period=spec)
    return Span(kind, spec, tuple(p for p in months if p <= this_month))


def shifted(span: Span, *, back: int) -> Span:
    """The span `back` steps earlier in its own unit, with as many months as `span` has (a
    year to date compares with the same months of the year before)."""
    if span.kind is SpanKind.MONTH:
        year, month = int(span.label[:4]), int(span.label[5:7])
        index = year * 12 + month - 1 - back
        label = _month(index // 12, index % 12 + 1)
        return Span(span.kind, label, (label,))
    if span.kind is SpanKind.QUARTER:
        year, q = int(span.label[:4]), int(span.label[6])
        index = year * 4 + q - 1 - back
        label = f"{index // 4:04d}-Q{index % 4 + 1}"
        first = 3 * (index % 4) + 1
        return Span(span.kind, label, tuple(_month(index // 4, first + i) for i in range(3)))
    year = int(span.label) - back
    return Span(span.kind, str(year), tuple(f"{year:04d}{p[4:]}" for p in span.months))


@dataclass(frozen=True, slots=True)
class Totals:
    """A span's figures in fen: flows summed over its months, stocks at its last month's end.
    Tax figures are None when no month of the span came with a tax summary."""

    months: tuple[str, ...]
    revenue: int
    operating_cost: int
    total_profit: int
    net_profit: int
    income_tax: int
    cash: int
    accounts_receivable: int
    taxes_payable: int | None
    taxes_paid: int | None
    vat_payable: int | None
    taxes: Mapping[str, int]  # payable by tax ("vat", "surcharges", "iit", "cit")


def totals(months: Sequence[BookMonth]) -> Totals | None:
    """The figures of `months` (oldest first), or None for no months."""
    if not months:
        return None
    by_tax: dict[str, int] = {}
    paid: int | None = None
    for m in months:
        for key, tax in m.figures.taxes.items():
            by_tax[key] = by_tax.get(key, 0) + tax.payable
            if tax.paid is not None:
                paid = (paid or 0) + tax.paid
    last = months[-1].figures.balance
    return Totals(
        months=tuple(m.period for m in months),
        revenue=sum(m.figures.month.revenue for m in months),
        operating_cost=sum(m.figures.month.operating_cost for m in months),
        total_profit=sum(m.figures.month.total_profit for m in months),
        net_profit=sum(m.figures.month.net_profit for m in months),
        income_tax=sum(m.figures.month.income_tax for m in months),
        cash=last.cash,
        accounts_receivable=last.accounts_receivable,
        taxes_payable=sum(by_tax.values()) if by_tax else None,
        taxes_paid=paid,
        vat_payable=by_tax.get("vat"),
        taxes=by_tax,
    )


def _complete(span: Span, kept: Mapping[str, BookMonth]) -> Totals | None:
    """A comparison period counts only when all its months are kept."""
    if not span.months or any(p not in kept for p in span.months):
        return None
    return totals([kept[p] for p in span.months])


@dataclass(frozen=True, slots=True)
class BooksAnswer:
    company_id: int
    company: str
    span: Span
    current: Totals | None  # None: none of the span's months is kept yet
    previous: Totals | None  # the span before (last month, last quarter, last year)
    last_year: Totals | None  # the same span a year earlier (months and quarters)
    missing: tuple[str, ...]  # the span's months not kept yet, oldest first
    expected_by: date | None  # when the first missing month's books are due
    latest: str | None  # the latest month kept at all
    filing: Checklist | None  # this month's filing (the tax period before today's month)


async def books_answer(
    uow: UnitOfWork,
    actor: Actor,
    spec: str | None,
    today: date,
    company_id: int | None = None,
) -> BooksAnswer:
    """What `actor` may know of the company's books for `spec` (None: the latest month)."""
    company = await readable_company(uow, actor, company_id)
    kept = {m.period: m for m in await uow.books.months(company.id)}
    return await answer_from(uow, company, kept, spec, today)


async def answer_from(
    uow: UnitOfWork,
    company: ClientCompany,
    kept: Mapping[str, BookMonth],
    spec: str | None,
    today: date,
) -> BooksAnswer:
    """The answer from the company's kept months (by period), already read; the caller has
    checked that the company may be read (`readable_company`)."""
    latest = max(kept) if kept else None
    if spec is None:
        spec = latest or tax_period_on(today)
    span = span_of(spec, today)
    have = [kept[p] for p in span.months if p in kept]
    missing = tuple(p for p in span.months if p not in kept)
    previous = _complete(shifted(span, back=1), kept)
    last_year = None
    if span.kind is not SpanKind.YEAR:
        back = 12 if span.kind is SpanKind.MONTH else 4
        last_year = _complete(shifted(span, back=back), kept)
    filing = await uow.filing.checklist(company.id, tax_period_on(today))
    return BooksAnswer(
        company_id=company.id,
        company=company.name,
        span=span,
        current=totals(have),
        previous=previous,
        last_year=last_year,
        missing=missing,
        expected_by=deadline_for_period(missing[0]) if missing else None,
        latest=latest,
        filing=filing,
    )
