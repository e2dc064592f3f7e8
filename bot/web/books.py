"""`/m/books`: the company's books on the phone. Four cards for the chosen month (营业收入,
净利润, 应交税金, 货币资金) with the change against last month and the same month last year;
tap a card for the statement's lines; a twelve-month trend chart (ECharts, served from
/m/static/vendor); the original files to download; the warnings that fired.

A client sees their own company; staff pass `?company=` for a company they keep (without it,
the list of them). The domain decides who may read what (`domain.book_pages`), so another
company's page reads as not found and a period not begun as refused, with nothing shown.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from bot.keys import CLOCK, SESSIONS, SETTINGS
from bot.web.archive_docs import KIND_NAMES
from bot.web.pages import Audience, MobilePage, Viewer, refusal, render
from domain.archive import documents as archived_documents
from domain.archive_files import kind_of
from domain.book_access import companies_served
from domain.book_answers import Totals
from domain.book_pages import BooksPage, archive, books_page, statement_file
from domain.books import Column, StatementKind, StatementSheet, yuan
from domain.clock import local
from domain.errors import DomainError
from domain.statement_names import COLUMN_NAMES
from handlers.book_answer_texts import (
    TAX_NAMES,
    change,
    filing_line,
    span_zh,
    warning_text,
)
from handlers.book_texts import period_zh
from handlers.error_texts import error_text
from storage.blobs import book_files
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_SHA = re.compile(r"[0-9a-f]{64}")
# The cards: which figure, which statement's lines a tap shows, and the columns printed.
CARDS = (
    ("revenue", "营业收入", StatementKind.INCOME, (Column.MONTH, Column.YTD)),
    ("net_profit", "净利润", StatementKind.INCOME, (Column.MONTH, Column.YTD)),
    ("taxes_payable", "应交税金", StatementKind.TAX, (Column.PAYABLE, Column.PAID)),
    ("cash", "货币资金", StatementKind.BALANCE, (Column.END, Column.BEGIN)),
)


def _figure(totals: Totals | None, key: str) -> int | None:
    return None if totals is None else getattr(totals, key)


def _lines(statement: StatementSheet | None, columns: tuple[Column, ...]) -> dict[str, Any]:
    if statement is None:
        return {"columns": [], "rows": []}
    shown = [c for c in columns if c in statement.columns]
    rows = [
        {
            "label": line.label,
            "key": line.key or "",
            "amounts": [yuan(a) if (a := line.amount(c)) is not None else "" for c in shown],
        }
        for line in statement.lines
    ]
    return {"columns": [COLUMN_NAMES[c] for c in shown], "rows": rows}


def _card(page: BooksPage, key: str, title: str, kind: StatementKind, cols: Any) -> dict[str, Any]:
    answer = page.answer
    value = _figure(answer.current, key)
    statement = page.statements.statement(kind) if page.statements else None
    if kind is StatementKind.TAX and statement is None and page.statements is not None:
        statement = page.statements.statement(StatementKind.BALANCE)  # 应交税费 is there
        cols = (Column.END, Column.BEGIN)
    before = _figure(answer.previous, key)
    ago = _figure(answer.last_year, key)
    return {
        "key": key,
        "title": title,
        "value": yuan(value) if value is not None else "—",
        "mom": change(value, before, "上月") if value is not None else "",
        "yoy": change(value, ago, "去年同月") if value is not None else "",
        "up": value is not None and before is not None and value >= before,
        "lines": _lines(statement, cols),
    }


def _trend(page: BooksPage) -> dict[str, Any]:
    def pct(now: int | None, then: int | None) -> float | None:
        if now is None or not then:
            return None
        return round((now - then) * 100 / abs(then), 1)

    points = page.trend
    return {
        "months": [f"{int(p.period[5:7])}月" for p in points],
        "periods": [p.period for p in points],
        "revenue": [None if p.revenue is None else p.revenue / 100 for p in points],
        "profit": [None if p.net_profit is None else p.net_profit / 100 for p in points],
        "mom": [pct(p.revenue, points[i - 1].revenue if i else None) for i, p in enumerate(points)],
        "yoy": [pct(p.revenue, p.revenue_last_year) for p in points],
    }


def _context(page: BooksPage, viewer: Viewer, company_query: str) -> dict[str, Any]:
    answer = page.answer
    chosen = answer.span.label
    taxes = answer.current.taxes if answer.current else {}
    return {
        "company": answer.company,
        "period": chosen,
        "period_name": span_zh(chosen, answer.span.kind),
        "kept": [{"period": p, "name": period_zh(p)} for p in page.kept],
        "company_query": company_query,
        "company_id": company_query.removeprefix("&company="),
        "missing": bool(answer.missing),
        "expected": (
            f"{answer.expected_by.month}月{answer.expected_by.day}日" if answer.expected_by else ""
        ),
        "cards": [_card(page, *c) for c in CARDS],
        "taxes": [{"name": TAX_NAMES.get(k, k), "amount": yuan(v)} for k, v in taxes.items()],
        "trend": json.dumps(_trend(page), ensure_ascii=False),
        "files": [{"name": f.name, "sha": f.sha256, "size": f.size} for f in page.files],
        "warnings": [
            {"text": warning_text(w.rule, w.key, w.facts), "when": local(w.created_at).date()}
            for w in page.warnings
        ],
        "filing": filing_line(answer.filing),
        "staff": viewer.identity.is_staff,
    }


async def _company_list(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        served = await companies_served(uow, viewer.actor)
    return render(request, "books_companies.html", {"companies": served})


async def books(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    period = request.query.get("period") or None
    if period is not None and not _PERIOD.fullmatch(period):
        return refusal(request, 400, "月份不对", "请从页面上选择月份。")
    company_id: int | None = None
    raw_company = request.query.get("company", "")
    if viewer.identity.is_staff:
        if not raw_company:
            return await _company_list(request, viewer)
        if not raw_company.isdigit() or len(raw_company) > 12:
            return refusal(request, 404, "没有这家公司", "没有找到这家公司的账。")
        company_id = int(raw_company)
    elif raw_company and raw_company != str(viewer.actor.company_id):
        # A client with another company's number: the same answer as a company that does not
        # exist, and nothing of it read.
        return refusal(
            request, 404, "没有这家公司", "没有找到这家公司的账，您只能查看自己公司的账务。"
        )
    today = local(request.config_dict[CLOCK].now()).date()
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            page = await books_page(uow, viewer.actor, period, today, company_id)
    except DomainError as exc:
        status = 404 if exc.category in ("not_found", "forbidden") else 400
        return refusal(request, status, "无法查看", error_text(exc))
    query = f"&company={company_id}" if company_id is not None else ""
    return render(request, "books.html", _context(page, viewer, query))


async def download(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """An original statement file, if it belongs to a company the viewer may read."""
    sha = request.match_info["sha"]
    if not _SHA.fullmatch(sha):
        return refusal(request, 404, "没有这份文件", "没有找到这份报表文件。")
    raw_company = request.query.get("company", "")
    company_id = int(raw_company) if viewer.identity.is_staff and raw_company.isdigit() else None
    today = local(request.config_dict[CLOCK].now()).date()
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            found, period = await statement_file(uow, viewer.actor, sha, today, company_id)
    except DomainError as exc:
        return refusal(request, 404, "没有这份文件", error_text(exc))
    log.info(
        "statement file %s (%s, %s) downloaded by %s %s",
        sha[:12],
        found.name,
        period,
        viewer.identity.role.value,
        viewer.actor.staff_id or viewer.actor.contact_id,
    )
    store = book_files(request.config_dict[SETTINGS].data_dir)
    if not store.has(sha):
        return refusal(request, 404, "没有这份文件", "这份报表的原件没有保存，请联系您的会计。")
    body = store.get(sha)
    name = found.name.replace('"', "")
    return web.Response(
        body=body,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}",
            "X-Statement-Period": period,
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


async def archive_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """`/m/archive?year=&kind=`: the documents staff uploaded (receipts and others, by month and
    kind) and every month's statements, newest first, the originals to download."""
    raw_year = request.query.get("year", "")
    if raw_year and not re.fullmatch(r"20\d\d", raw_year):
        return refusal(request, 400, "年份不对", "请从页面上选择年份。")
    raw_company = request.query.get("company", "")
    company_id = int(raw_company) if viewer.identity.is_staff and raw_company.isdigit() else None
    if viewer.identity.is_staff and company_id is None:
        return await _company_list(request, viewer)
    raw_kind = request.query.get("kind", "")
    try:
        kind = kind_of(raw_kind) if raw_kind else None
        year = int(raw_year) if raw_year else None
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            name, years, months = await archive(uow, viewer.actor, year, company_id)
            docs = await archived_documents(uow, viewer.actor, company_id, year, kind)
    except DomainError as exc:
        return refusal(request, 404, "无法查看", error_text(exc))
    query = f"company={company_id}" if company_id is not None else ""
    return render(
        request,
        "archive.html",
        {
            "company": name,
            "years": years,
            "year": int(raw_year) if raw_year else None,
            "months": [
                {
                    "period": m.period,
                    "name": period_zh(m.period),
                    "files": [{"name": f.name, "sha": f.sha256} for f in m.files],
                    "version": m.version,
                }
                for m in months
            ],
            "query": query,
            "kinds": [(k.value, n) for k, n in KIND_NAMES.items()],
            "kind": kind.value if kind is not None else "",
            "docs": [
                {
                    "id": d.id,
                    "period": d.period,
                    "month": period_zh(d.period),
                    "kind": KIND_NAMES[d.kind],
                    "name": d.name,
                    "size_kb": max(1, d.size // 1024),
                }
                for d in docs
            ],
        },
    )


PAGES = (
    MobilePage("GET", "/books", books, Audience.BOUND, "books", menu="公司账目"),
    MobilePage("GET", "/books/file/{sha}", download, Audience.BOUND, "books_file"),
    MobilePage("GET", "/archive", archive_page, Audience.BOUND, "archive", menu="报表档案"),
)
