"""The filing checklist across clients ("who is still missing 银行对账单"): this period's
checklists, filtered by item, by the item's state and (admins) by accountant, in the URL. An
accountant sees the companies they keep, an admin the firm's (`domain.filing_overview`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin_web.forms import as_id, page_of, read
from admin_web.guard import USER
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from domain.filing_overview import ITEM_STATES, FilingFilter, filing_board, item_choices

FILING = PREFIX + "/filing"
ITEM_STATE_ZH = {"open": "未完成（含逾期）", "overdue": "已逾期", "done": "已完成"}
CHECKLIST_STATE_ZH = {
    "filed": "已申报",
    "overdue": "有逾期",
    "waiting_client": "等客户资料",
    "in_progress": "会计办理中",
}
ITEM_MARK_ZH = {"open": "未完成", "overdue": "已逾期", "done": "已完成"}


def _url(wanted: FilingFilter, page: int) -> str:
    params = []
    if wanted.item:
        params.append(("item", wanted.item))
    if wanted.state:
        params.append(("state", wanted.state))
    if wanted.accountant_id:
        params.append(("accountant", str(wanted.accountant_id)))
    if page > 1:
        params.append(("page", str(page)))
    return f"{FILING}?{urlencode(params)}" if params else FILING


async def filing_page(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    q = request.query
    choices = item_choices()
    item, state = q.get("item", ""), q.get("state", "")
    wanted = FilingFilter(
        item=item if item in dict(choices) else "",
        state=state if state in ITEM_STATES else "",
        accountant_id=as_id(q.get("accountant")) if user.is_admin else None,
        page=page_of(q),
    )
    now = request.app[PORTS].clock.now()
    per_page = request.app[CONFIG].per_page

    async def load(uow: Any) -> dict[str, Any]:
        board = await filing_board(uow, user.actor, wanted, now, per_page)
        staff = await uow.identities.list_staff(user.firm.id) if user.is_admin else ()
        return {"board": board, "staff_choices": staff}

    context = await read(request, load)
    return render(
        "filing.html",
        request,
        {
            **context,
            "wanted": wanted,
            "items": choices,
            "states": [(s, ITEM_STATE_ZH[s]) for s in ITEM_STATES],
            "CHECKLIST_STATE_ZH": CHECKLIST_STATE_ZH,
            "ITEM_MARK_ZH": ITEM_MARK_ZH,
            "prev_url": _url(wanted, wanted.page - 1),
            "next_url": _url(wanted, wanted.page + 1),
            "filtered": request.path_qs != FILING,
        },
    )
