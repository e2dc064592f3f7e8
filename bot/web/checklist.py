"""`/m/checklist`: this month's filing checklist for the visitor's company. The client's items
(with their deadline and state) can be ticked here, as in the chat ("工资表确认了"): the tap
posts to `/m/checklist/tick`, which calls the same domain service (`filing_service.tick`), so
the accountant hears of it the same way, and ticking twice changes nothing. The accountant's
items are shown read-only.

Only contacts who may read the company's books (`domain.book_access`) see or tick anything;
another company's number in the address or the form reads as not found, with nothing shown
and nothing changed. The POST is guarded like every /m/ form (session cookie, same origin).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.keys import CLOCK, SESSIONS
from bot.web.pages import PREFIX, Audience, MobilePage, Viewer, refusal, render
from domain import filing_service
from domain.clock import local
from domain.errors import DomainError
from domain.filing import Checklist, ChecklistItem, Party
from handlers.book_answer_texts import day_zh, money, ticked_text
from handlers.book_texts import period_zh
from handlers.error_texts import error_text
from storage.uow import SqlUnitOfWork

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
NOT_FOUND = ("没有这家公司", "没有找到这家公司的申报清单，您只能查看自己公司的清单。")


def _status(error: DomainError) -> int:
    return {"not_found": 404, "forbidden": 403}.get(error.category, 400)


def _other_company(viewer: Viewer, raw: str) -> bool:
    """A company number that is not the visitor's own (any text at all that is not it)."""
    return bool(raw) and raw != str(viewer.actor.company_id)


def item_view(item: ChecklistItem, today: date) -> dict[str, Any]:
    if item.done:
        state, name = "done", "已完成"
    elif item.due < today:
        state, name = "overdue", "已逾期"
    else:
        state, name = "open", "待完成"
    return {
        "key": item.key,
        "label": item.label,
        "due": day_zh(item.due),
        "state": state,
        "state_name": name,
        "amount": money(item.amount_fen) if item.done and item.amount_fen is not None else "",
    }


def _message(checklist: Checklist, ticked: str, already: bool) -> str:
    """What the chat would have answered to the tick just made (after the redirect)."""
    item = checklist.item(ticked) if _KEY.fullmatch(ticked) else None
    if item is None or not item.done or item.party is not Party.CLIENT:
        return ""
    left = len(checklist.open_items(Party.CLIENT))
    return ticked_text(item.label, already, left, False)


async def checklist_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    if _other_company(viewer, request.query.get("company", "")):
        return refusal(request, 404, *NOT_FOUND)
    now = request.config_dict[CLOCK].now()
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            checklist = await filing_service.checklist_for(uow, viewer.actor, now)
            await uow.commit()  # a month's checklist is opened on first sight
    except DomainError as exc:
        return refusal(request, _status(exc), "无法查看", error_text(exc))
    today = local(now).date()
    days_left = (checklist.deadline - today).days
    return render(
        request,
        "checklist.html",
        {
            "company": viewer.company.name if viewer.company else "",
            "period": period_zh(checklist.period),
            "period_key": checklist.period,
            "deadline": day_zh(checklist.deadline),
            "days_left": days_left,
            "filed": checklist.filed_at is not None,
            "mine": [item_view(i, today) for i in checklist.items if i.party is Party.CLIENT],
            "mine_open": bool(checklist.open_items(Party.CLIENT)),
            "theirs": [item_view(i, today) for i in checklist.items if i.party is Party.STAFF],
            "message": _message(
                checklist, request.query.get("ticked", ""), request.query.get("already") == "1"
            ),
        },
    )


async def tick(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The client taps 已准备好 on one of their items: the same tick as the chat's."""
    form = await request.post()
    key = form.get("item")
    company = form.get("company", "")
    if not isinstance(company, str) or _other_company(viewer, company):
        return refusal(request, 404, *NOT_FOUND)
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        return refusal(request, 400, "没有这一项", "请在清单页面上点选要确认的事项。")
    now = request.config_dict[CLOCK].now()
    shown = form.get("period")
    if isinstance(shown, str) and shown and shown != filing_service.current_period(now):
        # The page was opened for last month's checklist and tapped after the month turned:
        # the tap is not moved to the new month's item of the same name.
        return refusal(request, 409, "清单已更新", "申报清单已换到新的月份，请刷新页面后再确认。")
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            done = await filing_service.tick(uow, viewer.actor, key, now)
            await uow.commit()
    except DomainError as exc:
        return refusal(request, _status(exc), "未能确认", error_text(exc))
    query = {"ticked": done.item.key} | ({"already": "1"} if done.already else {})
    raise web.HTTPSeeOther(f"{PREFIX}/checklist?{urlencode(query)}")


PAGES = (
    MobilePage("GET", "/checklist", checklist_page, Audience.CLIENT, "checklist", menu="申报清单"),
    MobilePage("POST", "/checklist/tick", tick, Audience.CLIENT, "checklist_tick"),
)
