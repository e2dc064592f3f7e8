"""The admins' money actions beside the money report (`views.reports.money`): the bill list
(filters in the URL), one bill's page (how it was paid, its refunds and 催费 history) with
线下收款 and 催费 now (its refund form is `views.bills`), arrears by client with their ageing
(催费 a whole company), and the bill and arrears exports. Everything goes through
`domain.money_admin`, which settles and reminds the way payments and the chat do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin_web.exports import FORMATS, Cell, Money, download
from admin_web.forms import Outcome, as_id, as_text, change, page_of, read
from admin_web.guard import USER
from admin_web.keys import CONFIG, PORTS
from admin_web.routing import PREFIX
from admin_web.templating import render
from admin_web.wording import ERROR_ZH
from domain import money_admin
from domain.billing import MAX_BILL_FEN, Bill, parse_yuan
from domain.clock import local
from domain.fee_reminders import Reminded
from domain.money_ports import BILL_STATES, MAX_OFFLINE_NOTE, BillFilter
from domain.refund_asks import MAX_REASON
from domain.reminder_rules import ReminderChannel

BILLS = PREFIX + "/money/bills"
ARREARS = PREFIX + "/money/arrears"
EXPORT_LIMIT = 50_000
BILL_STATE_ZH = {
    "unpaid": "待付",
    "overdue": "已逾期",
    "expired": "已过期",
    "paid": "已付",
    "cancelled": "已作废",
    "refunded": "已退款",
}
KIND_ZH = {"contract": "代账费", "one_off": "一次性", "renewal": "续费"}
CHANNEL_ZH = {
    ReminderChannel.WECHAT: "微信",
    ReminderChannel.SMS: "短信",
    ReminderChannel.BOTH: "微信和短信",
    ReminderChannel.NONE: "没有可联系的人",
}
AGEING_ZH = ("逾期 0–30 天", "31–60 天", "61–90 天", "90 天以上")
REFUND_ZH = {"PROCESSING": "退款中", "SUCCESS": "已到账", "CLOSED": "已关闭", "ABNORMAL": "异常"}


def _filter(request: web.Request) -> BillFilter:
    q = request.query
    state = q.get("state", "")
    return BillFilter(
        state=state if state in BILL_STATES else "",
        search=as_text(q.get("q"), 50),
        company_id=as_id(q.get("company")),
        page=page_of(q),
    )


def _params(wanted: BillFilter, page: int = 1) -> list[tuple[str, str]]:
    params = []
    if wanted.state:
        params.append(("state", wanted.state))
    if wanted.search:
        params.append(("q", wanted.search))
    if wanted.company_id:
        params.append(("company", str(wanted.company_id)))
    if page > 1:
        params.append(("page", str(page)))
    return params


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def bill_what(bill: Bill) -> str:
    if bill.title:
        return bill.title
    if bill.period is not None:
        p = bill.period
        if (p.start.year, p.start.month) == (p.end.year, p.end.month):
            return f"{p.start.year}年{p.start.month}月代账费"
        return f"{p.start.year}年{p.start.month}月–{p.end.year}年{p.end.month}月代账费"
    return KIND_ZH.get(bill.kind.value, bill.kind.value)


def _today(request: web.Request) -> tuple[datetime, date]:
    now = request.app[PORTS].clock.now()
    return now, local(now).date()


async def bill_list(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    wanted = _filter(request)
    now, today = _today(request)
    per_page = request.app[CONFIG].per_page
    found = await read(
        request, lambda uow: money_admin.bill_page(uow, user.actor, wanted, now, per_page)
    )
    params = _params(wanted)
    context = {
        "found": found,
        "wanted": wanted,
        "states": [(s, BILL_STATE_ZH[s]) for s in BILL_STATES],
        "rows": [(b, b.state(now, today)) for b in found.items],
        "BILL_STATE_ZH": BILL_STATE_ZH,
        "what": bill_what,
        "prev_url": _url(BILLS, _params(wanted, found.page - 1)),
        "next_url": _url(BILLS, _params(wanted, found.page + 1)),
        "csv_url": _url(BILLS + "/export.csv", params),
        "xlsx_url": _url(BILLS + "/export.xlsx", params),
        "filtered": bool(params),
    }
    return render("bills.html", request, context)


def _number(request: web.Request) -> str:
    return request.match_info["number"]


async def bill_context(request: web.Request, number: str, **extra: Any) -> dict[str, Any]:
    """What bill.html shows of bill `number` (its payment, 线下收款, refunds, 催费); `extra`
    overrides (an error, a notice, a form's values kept)."""
    user = request[USER]
    now, today = _today(request)
    detail = await read(request, lambda uow: money_admin.bill_detail(uow, user.actor, number))
    bill = detail.bill
    return {
        "bill": bill,
        "state": bill.state(now, today),
        "payment": detail.payment,
        "offline": detail.offline,
        "reminders": detail.reminders,
        "BILL_STATE_ZH": BILL_STATE_ZH,
        "CHANNEL_ZH": CHANNEL_ZH,
        "REFUND_ZH": REFUND_ZH,
        "what": bill_what(bill),
        "today": today.isoformat(),
        "max_note": MAX_OFFLINE_NOTE,
        "max_reason": MAX_REASON,
        "form": {"amount": "", "paid_on": today.isoformat(), "note": ""},
        "refund_form": {"amount": "", "reason": ""},
        "error": "",
        "notice": _notice_of(request),
        **extra,
    }


# What a redirect after an action on the bill page asks it to say.
NOTICES = {
    ("done", "paid"): "已登记线下收款：账单已结清，催费已停止，客户会收到收款通知。",
    ("refund", "asked"): "已提交退款，微信支付处理后原路退回，客户会收到到账通知。",
    ("refund", "again"): "这笔退款已经提交过了，不会重复退款。",
}


def _notice_of(request: web.Request) -> str:
    if request.method != "GET":
        return ""
    for (name, value), words in NOTICES.items():
        if request.query.get(name) == value:
            return words
    return ""


async def bill_page(request: web.Request) -> web.StreamResponse:
    return render("bill.html", request, await bill_context(request, _number(request)))


async def mark_paid_offline(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    number = _number(request)
    form = await request.post()
    amount_text = as_text(form.get("amount"), 20)
    day_text = as_text(form.get("paid_on"), 10)
    note = as_text(form.get("note"), MAX_OFFLINE_NOTE + 1)
    kept = {"amount": amount_text, "paid_on": day_text, "note": note}
    now = request.app[PORTS].clock.now()
    done: Outcome
    try:
        amount_fen = parse_yuan(amount_text.removesuffix("元"))
        if amount_fen > MAX_BILL_FEN:
            raise ValueError(amount_text)
    except ValueError:
        done = Outcome(error=ERROR_ZH["bad_offline_amount"], status=422)
    else:
        try:
            paid_on = date.fromisoformat(day_text)
        except ValueError:
            done = Outcome(error=ERROR_ZH["bad_offline_date"], status=422)
        else:
            done = await change(
                request,
                lambda uow: money_admin.mark_paid_offline(
                    uow, user.actor, number, amount_fen, paid_on, note, now
                ),
            )
    if done.ok:
        raise web.HTTPSeeOther(f"{BILLS}/{number}?done=paid")
    if done.status == 404:
        raise web.HTTPNotFound(text=done.error)
    context = await bill_context(request, number, error=done.error, form=kept)
    return render("bill.html", request, context, status=done.status)


def _reminded_words(done: list[Reminded]) -> str:
    parts = []
    for r in done:
        if r.reminder is None:
            parts.append(f"{r.bill.number} 今天已经催过了，明天再催")
        elif r.reminder.channel is ReminderChannel.NONE:
            parts.append(f"{r.bill.number} 已记录，但没有可联系的人（请补充联系人手机号）")
        else:
            channel = CHANNEL_ZH[r.reminder.channel]
            parts.append(f"{r.bill.number} 已通过{channel}提醒 {r.reminder.recipients} 人")
    return "；".join(parts) + "。"


async def remind_bill(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    number = _number(request)
    now = request.app[PORTS].clock.now()
    base = request.app[CONFIG].pay_url_base
    done = await change(
        request, lambda uow: money_admin.remind_bill_now(uow, user.actor, number, now, base)
    )
    if done.status == 404:
        raise web.HTTPNotFound(text=done.error)
    if done.ok:
        context = await bill_context(request, number, notice=_reminded_words([done.value]))
        return render("bill.html", request, context)
    context = await bill_context(request, number, error=done.error)
    return render("bill.html", request, context, status=done.status)


async def arrears(request: web.Request) -> web.StreamResponse:
    return render("arrears.html", request, await _arrears_context(request))


async def _arrears_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    user = request[USER]
    page = page_of(request.query)
    now, _ = _today(request)
    per_page = request.app[CONFIG].per_page
    found = await read(
        request, lambda uow: money_admin.arrears_page(uow, user.actor, now, page, per_page)
    )
    return {
        "found": found,
        "AGEING_ZH": AGEING_ZH,
        "prev_url": _url(ARREARS, [("page", str(page - 1))] if page > 2 else []),
        "next_url": _url(ARREARS, [("page", str(page + 1))]),
        "error": "",
        "notice": "",
        **extra,
    }


async def remind_company(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    company_id = as_id(request.match_info["id"]) or 0
    now = request.app[PORTS].clock.now()
    base = request.app[CONFIG].pay_url_base
    done = await change(
        request,
        lambda uow: money_admin.remind_company_now(uow, user.actor, company_id, now, base),
    )
    if done.status == 404:
        raise web.HTTPNotFound(text=done.error)
    if done.ok:
        company = done.value[0].bill.company_name if done.value else ""
        notice = f"已向{company}催费：" + _reminded_words(done.value)
        return render("arrears.html", request, await _arrears_context(request, notice=notice))
    context = await _arrears_context(request, error=done.error)
    return render("arrears.html", request, context, status=done.status)


def _fmt(request: web.Request) -> str:
    fmt = request.match_info["fmt"]
    if fmt not in FORMATS:
        raise web.HTTPNotFound()
    return fmt


BILL_HEADERS = (
    "账单号",
    "客户",
    "内容",
    "金额（元）",
    "状态",
    "到期日",
    "开出时间",
    "付款时间",
    "已退款（元）",
)


async def export_bills(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    fmt = _fmt(request)
    wanted = replace(_filter(request), page=1)
    now, today = _today(request)
    found = await read(
        request, lambda uow: money_admin.bill_page(uow, user.actor, wanted, now, EXPORT_LIMIT)
    )
    rows: list[list[Cell | Money]] = [
        [
            b.number,
            b.company_name,
            bill_what(b),
            Money(b.amount_fen),
            BILL_STATE_ZH.get(b.state(now, today), b.status.value),
            b.due_on,
            b.created_at,
            b.paid_at,
            Money(b.refunded_fen),
        ]
        for b in found.items
    ]
    return download(fmt, f"账单_{today.isoformat()}", BILL_HEADERS, rows)


ARREARS_HEADERS = (
    "客户",
    "专属会计",
    "待付笔数",
    "待付合计（元）",
    "未到期（元）",
    "已逾期（元）",
    "逾期0-30天（元）",
    "逾期31-60天（元）",
    "逾期61-90天（元）",
    "逾期90天以上（元）",
    "最早到期日",
)


async def export_arrears(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    fmt = _fmt(request)
    now, today = _today(request)
    found = await read(
        request, lambda uow: money_admin.arrears_page(uow, user.actor, now, 1, EXPORT_LIMIT)
    )
    rows: list[list[Cell | Money]] = [
        [
            a.company,
            a.accountant or "",
            a.unpaid_bills,
            Money(a.unpaid_fen),
            Money(a.unpaid_fen - a.overdue_fen),
            Money(a.overdue_fen),
            *(Money(f) for f in a.ageing_fen),
            a.oldest_due,
        ]
        for a in found.items
    ]
    return download(fmt, f"欠费_{today.isoformat()}", ARREARS_HEADERS, rows)
