"""`/m/bills` (the company's bills) and `/m/pay/{number}` (one bill: the checkout). A client
sees their own company's bills only: the domain's `visible_bill(s)` scope them, and another
company's bill reads as not found."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import segno
from aiohttp import web

from bot.keys import CLOCK, PAY, PAY_KEYS, SESSIONS
from bot.web.guard import STATE
from bot.web.pages import Audience, MobilePage, Viewer, refusal, render
from bot.wechat.jsapi import bridge_request
from domain import payments
from domain.billing import Bill, BillStatus, yuan
from domain.checkout import pay_by_qr, pay_in_wechat
from domain.clock import local
from domain.errors import DomainError
from handlers.error_texts import error_text
from handlers.payment_texts import STATUS_NAMES, bill_what
from storage.uow import SqlUnitOfWork

STATE_NAMES = {"overdue": "已逾期", "expired": "已过期"}
MAX_NUMBER = 32


def bill_view(bill: Bill, now: datetime) -> dict[str, Any]:
    today = local(now).date()
    state = bill.state(now, today)
    name = STATE_NAMES.get(state) or STATUS_NAMES[bill.status]
    return {
        "number": bill.number,
        "what": bill_what(bill),
        "amount": yuan(bill.amount_fen),
        "amount_fen": bill.amount_fen,
        "state": state,
        "state_name": name,
        "due_on": f"{bill.due_on.year}年{bill.due_on.month}月{bill.due_on.day}日",
        "payable": state in ("unpaid", "overdue"),
        "paid_at": local(bill.paid_at).strftime("%Y-%m-%d %H:%M") if bill.paid_at else "",
    }


async def bills(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    now = request.config_dict[CLOCK].now()
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        found = await payments.visible_bills(uow, viewer.actor, limit=50)
    views = [bill_view(b, now) for b in found]
    owed = sum(v["amount_fen"] for v in views if v["payable"])
    return render(
        request,
        "bills.html",
        {"company": viewer.company, "bills": views, "owed": yuan(owed), "owes": owed > 0},
    )


async def checkout(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    number = request.match_info["number"]
    if len(number) > MAX_NUMBER:
        return refusal(request, 404, "没有这张账单", "没有找到这张账单，请核对链接。")
    now = request.config_dict[CLOCK].now()
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            bill = await payments.visible_bill(uow, viewer.actor, number)
    except DomainError as exc:
        # Another company's bill reads exactly as a missing one: nothing about it is shown.
        return refusal(request, 404, "没有这张账单", error_text(exc))
    return render(
        request, "checkout.html", {"company": viewer.company, "bill": bill_view(bill, now)}
    )


async def start_payment(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The checkout's 支付: the JSAPI attempt (a double tap gets the same one) and the signed
    parameters for `getBrandWCPayRequest`, as JSON."""
    number = request.match_info["number"][:MAX_NUMBER]
    gateway = request.config_dict.get(PAY)
    keys = request.config_dict.get(PAY_KEYS)
    if gateway is None or keys is None:
        return web.json_response({"ok": False, "message": "微信支付暂未开通，请联系您的专属会计。"})
    clock = request.config_dict[CLOCK]
    lock = request.app[STATE].lock_for(number)
    try:
        async with lock:
            order = await pay_in_wechat(
                SqlUnitOfWork(request.config_dict[SESSIONS]),
                gateway,
                viewer.actor,
                number,
                viewer.openid,
                clock.now(),
            )
    except DomainError as exc:
        return web.json_response({"ok": False, "message": error_text(exc)}, dumps=_dumps)
    assert order.prepay_id is not None
    params = bridge_request(
        gateway.appid, order.prepay_id, keys.merchant, int(clock.now().timestamp())
    )
    return web.json_response({"ok": True, "request": params}, dumps=_dumps)


async def start_qr_payment(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The checkout outside WeChat (a PC): a Native attempt's code_url as an inline SVG QR
    code to scan with WeChat, as JSON."""
    number = request.match_info["number"][:MAX_NUMBER]
    gateway = request.config_dict.get(PAY)
    if gateway is None:
        return web.json_response({"ok": False, "message": "微信支付暂未开通，请联系您的专属会计。"})
    clock = request.config_dict[CLOCK]
    try:
        async with request.app[STATE].lock_for(number):
            order = await pay_by_qr(
                SqlUnitOfWork(request.config_dict[SESSIONS]),
                gateway,
                viewer.actor,
                number,
                clock.now(),
            )
    except DomainError as exc:
        return web.json_response({"ok": False, "message": error_text(exc)}, dumps=_dumps)
    assert order.code_url is not None
    svg = segno.make(order.code_url, error="m").svg_inline(scale=4, title="微信扫码支付")
    return web.json_response({"ok": True, "svg": svg}, dumps=_dumps)


async def payment_state(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Whether the bill is paid yet (the page asks after WeChat's pay sheet closes)."""
    now = request.config_dict[CLOCK].now()
    try:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            bill = await payments.visible_bill(uow, viewer.actor, request.match_info["number"])
    except DomainError as exc:
        return web.json_response({"ok": False, "message": error_text(exc)}, dumps=_dumps)
    view = bill_view(bill, now)
    return web.json_response(
        {"ok": True, "paid": bill.status is BillStatus.PAID, "state": view["state_name"]},
        dumps=_dumps,
    )


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


PAGES = (
    MobilePage("GET", "/bills", bills, Audience.CLIENT, "bills", menu="我的账单"),
    MobilePage("GET", "/pay/{number}", checkout, Audience.CLIENT, "checkout"),
    MobilePage("POST", "/pay/{number}/order", start_payment, Audience.CLIENT, "pay_order"),
    MobilePage("POST", "/pay/{number}/qr", start_qr_payment, Audience.CLIENT, "pay_qr"),
    MobilePage("GET", "/pay/{number}/state", payment_state, Audience.CLIENT, "pay_state"),
)
