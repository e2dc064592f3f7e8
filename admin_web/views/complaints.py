"""Complaints (admins only): the list (open or resolved, newest first), one case with the
request and the rating that opened it, and resolving it with a note that reaches the client
(`domain.feedback.resolve_complaint`, through `domain.admin_changes` for the audit log), and
reopening a resolved one with a note (the client is not messaged; the case is open again)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_web.forms import as_text, change, page_of, read
from admin_web.guard import USER
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain import admin_changes, panel_reports
from domain.complaints import MAX_TEXT, OPEN, RESOLVED

COMPLAINTS = PREFIX + "/complaints"


async def complaint_list(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    status = request.query.get("status", OPEN)
    status = status if status in (OPEN, RESOLVED, "all") else OPEN
    page = page_of(request.query)
    per_page = request.app[CONFIG].per_page
    wanted = None if status == "all" else status
    items, total = await read(
        request,
        lambda uow: panel_reports.complaint_list(uow, user.actor, wanted, page, per_page),
    )
    pages = max(1, -(-total // per_page))
    context = {"items": items, "total": total, "status": status, "page": page, "pages": pages}
    return render("complaints.html", request, context)


async def _detail(request: web.Request, number: str, **extra: Any) -> dict[str, Any]:
    user = request[USER]
    c, req, rating = await read(
        request, lambda uow: panel_reports.complaint_detail(uow, user.actor, number)
    )
    return {
        "c": c,
        "req": req,
        "rating": rating,
        "notice": "",
        "error": "",
        "note": "",
        "reopen_note": "",
        **extra,
    }


async def complaint_page(request: web.Request) -> web.StreamResponse:
    return render("complaint.html", request, await _detail(request, request.match_info["number"]))


async def resolve(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    number = request.match_info["number"]
    form = await request.post()
    note = as_text(form.get("note"), MAX_TEXT)
    now = request.app[PORTS].clock.now()
    await _detail(request, number)  # 404 for a case that is not the firm's
    done = await change(
        request, lambda uow: admin_changes.resolve_complaint(uow, user.actor, number, note, now)
    )
    if not done.ok:
        context = await _detail(request, number, error=done.error, note=note)
        return render("complaint.html", request, context, status=done.status)
    context = await _detail(request, number, notice="已结案，处理说明已发给客户。")
    return render("complaint.html", request, context)


async def reopen(request: web.Request) -> web.StreamResponse:
    """A resolved case back on the open list, with why (the client is not messaged)."""
    user = request[USER]
    number = request.match_info["number"]
    form = await request.post()
    note = as_text(form.get("reopen_note"), MAX_TEXT)
    now = request.app[PORTS].clock.now()
    await _detail(request, number)  # 404 for a case that is not the firm's
    done = await change(
        request, lambda uow: admin_changes.reopen_complaint(uow, user.actor, number, note, now)
    )
    if not done.ok:
        context = await _detail(request, number, error=done.error, reopen_note=note)
        return render("complaint.html", request, context, status=done.status)
    context = await _detail(
        request, number, notice="已重新打开，投诉回到待处理列表（没有通知客户）。"
    )
    return render("complaint.html", request, context)
