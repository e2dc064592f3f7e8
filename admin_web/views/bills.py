"""Refunds from a bill's page (`/admin/money/bills/B1024`, `views.money.bill_page`; admins
only) and the 收款 page's "查账单" box. Only a bill paid through WeChat Pay has the refund form;
one settled as 线下收款 is refunded offline. Refunding takes two steps: the form shows what
would be refunded (company, bill, amount, back to whom) with a confirm button; only that
confirmation records the refund, once per ask (the confirmation carries a key of its own, so a
double submit records one), through `domain.refund_asks` as the chat does, with its audit
entry. The pay worker sends it to WeChat Pay; the client hears when the money is back."""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from admin_web.forms import as_text, change
from admin_web.guard import USER
from admin_web.keys import PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from admin_web.views.money import BILLS, bill_context, bill_what
from domain import refund_asks
from domain.billing import parse_yuan

_NUMBER = re.compile(r"[Bb]\s*0*([1-9][0-9]{0,8})")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")
MAX_REASON = refund_asks.MAX_REASON
BAD_AMOUNT = "退款金额请填金额（元），例如 200 或 199.50；留空表示退还余下的全部。"


async def bill_lookup(request: web.Request) -> web.StreamResponse:
    """The 收款 page's "查账单" box: B1024 (any case, spaces) -> that bill's page."""
    m = _NUMBER.fullmatch(request.query.get("number", "").strip())
    if m is None:
        raise web.HTTPSeeOther(f"{PREFIX}/money?unknown=1")
    raise web.HTTPSeeOther(f"{BILLS}/B{m.group(1)}")


def _amount(raw: str) -> int | None:
    """Fen from what the form says (元); None: all that is left. ValueError for nonsense."""
    raw = raw.strip().removesuffix("元").replace("，", ",").replace("￥", "¥")
    return parse_yuan(raw) if raw else None


async def refund(request: web.Request) -> web.StreamResponse:
    """Step one (no `key`): check the refund and show the confirmation. Step two (the
    confirmation's `key`): record it, once per key."""
    user = request[USER]
    number = request.match_info["number"]
    form = await request.post()
    raw = as_text(form.get("amount"), 20)
    reason = as_text(form.get("reason"), MAX_REASON)
    kept = {"amount": raw, "reason": reason}
    try:
        amount = _amount(raw)
    except ValueError:
        context = await bill_context(request, number, error=BAD_AMOUNT, refund_form=kept)
        return render("bill.html", request, context, status=422)
    key = as_text(form.get("key"), 40)
    if not key:
        return await _confirm_step(request, number, amount, kept)
    if not _TOKEN.fullmatch(key) or amount is None:
        raise web.HTTPBadRequest(text="确认信息不完整，请从账单页重新发起退款。")
    now = request.app[PORTS].clock.now()
    done = await change(
        request,
        lambda uow: refund_asks.ask_in_panel(
            uow, user.actor, number, amount, f"panel:{user.actor.staff_id}:{key}", now, reason
        ),
    )
    if not done.ok:
        context = await bill_context(request, number, error=done.error, refund_form=kept)
        return render("bill.html", request, context, status=done.status)
    _, recorded = done.value
    raise web.HTTPSeeOther(f"{BILLS}/{number}?refund={'asked' if recorded else 'again'}")


async def _confirm_step(
    request: web.Request, number: str, amount: int | None, kept: dict[str, str]
) -> web.StreamResponse:
    user = request[USER]
    checked = await change(request, lambda uow: refund_asks.plan(uow, user.actor, number, amount))
    if not checked.ok:
        context = await bill_context(request, number, error=checked.error, refund_form=kept)
        return render("bill.html", request, context, status=checked.status)
    plan: refund_asks.RefundPlan = checked.value
    context = {
        "plan": plan,
        "what": bill_what(plan.bill),
        "reason": kept["reason"],
        "key": secrets.token_urlsafe(18),
        "amount_yuan": "{}.{:02d}".format(*divmod(plan.amount_fen, 100)),
        "bill_url": f"{BILLS}/{plan.bill.number}",
    }
    return render("bill_refund.html", request, context)
