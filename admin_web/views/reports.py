"""The report pages: performance per accountant for a period (绩效: workload, median times to
claim and to complete, ratings, complaints, clients, fees; a team chart, a twelve-month trend
and a CSV/XLSX export; an accountant sees only their own row), and for admins money (outstanding, overdue and its
ageing, paid this month; a chart of the last months), and the audit log. The charts' data is
JSON in the page, drawn by the app's own `charts.js` with the vendored ECharts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin_web.exports import Money, download
from admin_web.forms import as_id, page_of, read
from admin_web.guard import USER
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from admin_web.wording import AUDIT_ZH, describe
from domain import panel_reports, performance
from domain.audit import ACTIONS
from domain.clock import local
from domain.errors import DomainError
from storage.uow import SqlUnitOfWork

AGEING_ZH = ("0–30 天", "31–60 天", "61–90 天", "90 天以上")
EXPORT_HEADER = (
    "会计",
    "在职",
    "接单",
    "完成",
    "接单用时中位数（分钟）",
    "完成用时中位数（分钟）",
    "评价数",
    "服务态度",
    "办理速度",
    "差评",
    "投诉",
    "服务客户",
    "专属客户",
    "收款（元）",
)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _period(request: web.Request) -> performance.Period:
    """The period in the URL: `?period=month&month=2026-11`, `?period=quarter&quarter=2026-Q4`
    or `?from=2026-11-01&to=2026-11-15` (this month when nothing is asked)."""
    q = request.query
    today = local(request.app[PORTS].clock.now()).date()
    kind = q.get("period", "")
    key = q.get("quarter", "") if kind == "quarter" else q.get("month", "")
    return performance.period_for(kind, key, _day(q.get("from")), _day(q.get("to")), today)


def period_label(p: performance.Period) -> str:
    if p.kind == "month":
        return f"{p.since.year}年{p.since.month}月"
    if p.kind == "quarter":
        return f"{p.since.year}年第{(p.since.month - 1) // 3 + 1}季度"
    return f"{p.since.isoformat()} 至 {p.until.isoformat()}"


def duration(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 90:
        return f"{minutes:.0f} 分钟"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} 小时"
    return f"{minutes / 1440:.1f} 天"


def _quarters(today: date, n: int = 8) -> list[str]:
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(n):
        out.append(f"{year}-Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


def _board_links(p: performance.Period, staff_id: int) -> dict[str, str]:
    """The board, narrowed to the requests behind a figure."""
    span = {"accountant": str(staff_id), "from": p.since.isoformat(), "to": p.until.isoformat()}
    return {
        "claimed": PREFIX + "/?" + urlencode({**span, "on": "claimed"}),
        "completed": PREFIX + "/?" + urlencode({**span, "on": "completed", "status": "done"}),
    }


def _links(p: performance.Period) -> str:
    if p.kind == "custom":
        return urlencode({"from": p.since.isoformat(), "to": p.until.isoformat()})
    return urlencode({"period": p.kind, p.kind: p.key})


async def performance_page(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    today = local(request.app[PORTS].clock.now()).date()
    q = request.query
    base: dict[str, Any] = {
        "kind": q.get("period", "") or ("custom" if q.get("from") or q.get("to") else "month"),
        "month": q.get("month", "") or today.strftime("%Y-%m"),
        "quarter": q.get("quarter", ""),
        "quarters": _quarters(today),
        "since": q.get("from", ""),
        "until": q.get("to", ""),
        "rows": [],
        "chart": None,
        "trend": None,
        "error": "",
        "is_admin": user.actor.is_admin,
        "label": "",
        "export": "",
        "chosen": None,
    }
    try:
        p = _period(request)
    except DomainError as exc:
        return render("performance.html", request, {**base, "error": describe(exc)}, status=422)
    chosen = as_id(q.get("staff")) if user.actor.is_admin else None

    async def load(uow: SqlUnitOfWork) -> tuple[Sequence[Any], Sequence[Any], int | None]:
        rows = await performance.figures(uow, user.actor, p)
        who = chosen if any(r.staff_id == chosen for r in rows) else None
        return rows, await performance.trend(uow, user.actor, who, today), who

    rows, months, chosen = await read(request, load)
    shown = [r for r in rows if r.active or r.claimed or r.completed or not user.actor.is_admin]
    chart = {
        "kind": "team",
        "names": [r.name for r in shown],
        "series": [
            {"name": "接单", "data": [r.claimed for r in shown]},
            {"name": "完成", "data": [r.completed for r in shown]},
            {"name": "差评", "data": [r.low_ratings for r in shown]},
        ],
    }
    trend = {
        "kind": "trend",
        "names": [m.month for m in months],
        "series": [
            {"name": "接单", "type": "line", "data": [m.claimed for m in months]},
            {"name": "完成", "type": "line", "data": [m.completed for m in months]},
        ],
    }
    who = next((r.name for r in rows if r.staff_id == chosen), None) if chosen else None
    if not user.actor.is_admin:
        who = rows[0].name if rows else user.actor.name
    context = {
        **base,
        "kind": p.kind,
        "month": p.key if p.kind == "month" else base["month"],
        "quarter": p.key if p.kind == "quarter" else base["quarter"],
        "since": p.since.isoformat(),
        "until": p.until.isoformat(),
        "label": period_label(p),
        "rows": shown,
        "links": {r.staff_id: _board_links(p, r.staff_id) for r in shown},
        "duration": duration,
        "chart": chart if user.actor.is_admin else None,
        "trend": trend,
        "trend_of": who or "全体",
        "chosen": chosen,
        "export": _links(p),
    }
    return render("performance.html", request, context)


async def _export_rows(request: web.Request) -> tuple[performance.Period, list[list[Any]]]:
    user = request[USER]
    try:
        p = _period(request)
    except DomainError as exc:
        raise web.HTTPUnprocessableEntity(text=describe(exc)) from None
    rows = await read(request, lambda uow: performance.figures(uow, user.actor, p))

    def minutes(value: float | None) -> Decimal | None:
        return Decimal(value).quantize(Decimal("0.1")) if value is not None else None

    def score(value: float | None) -> Decimal | None:
        return Decimal(value).quantize(Decimal("0.01")) if value is not None else None

    table = [
        [
            r.name,
            "是" if r.active else "否",
            r.claimed,
            r.completed,
            minutes(r.median_minutes_to_claim),
            minutes(r.median_minutes_to_complete),
            r.ratings,
            score(r.attitude),
            score(r.speed),
            r.low_ratings,
            r.complaints,
            r.served,
            r.clients,
            Money(r.fees_fen),
        ]
        for r in rows
    ]
    return p, table


def _filename(p: performance.Period) -> str:
    return f"绩效_{p.since.isoformat()}_{p.until.isoformat()}"


async def performance_csv(request: web.Request) -> web.StreamResponse:
    p, table = await _export_rows(request)
    return download("csv", _filename(p), EXPORT_HEADER, table)


async def performance_xlsx(request: web.Request) -> web.StreamResponse:
    p, table = await _export_rows(request)
    return download("xlsx", _filename(p), EXPORT_HEADER, table)


async def money(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    now = request.app[PORTS].clock.now()
    figures = await read(request, lambda uow: panel_reports.money(uow, user.actor, now))
    chart = {
        "kind": "money",
        "names": [m.month for m in figures.by_month],
        "series": [{"name": "已收（元）", "data": [m.paid_fen / 100 for m in figures.by_month]}],
    }
    ageing = list(zip(AGEING_ZH, figures.ageing_fen, strict=True))
    context = {
        "m": figures,
        "chart": chart,
        "ageing": ageing,
        "unknown": request.query.get("unknown") == "1",
    }
    return render("money.html", request, context)


async def audit_log(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    action = request.query.get("action") or None
    page = page_of(request.query)
    per_page = request.app[CONFIG].per_page
    items, total = await read(
        request, lambda uow: panel_reports.audit_page(uow, user.actor, action, page, per_page)
    )
    context: dict[str, Any] = {
        "items": items,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // per_page)),
        "action": action if action in ACTIONS else "",
        "actions": [(a, AUDIT_ZH.get(a, a)) for a in ACTIONS],
        "AUDIT_ZH": AUDIT_ZH,
    }
    return render("audit.html", request, context)
