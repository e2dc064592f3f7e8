"""The wording of money notices: a payment received (to the company's contacts and its
accountant), a refund on its way back (to the contacts), and money an admin must look at."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.outbox.render.message import Renderer
from domain.billing import yuan
from domain.clock import fmt_local, local
from domain.notices import (
    BillIssued,
    BillRef,
    FeeReminder,
    NoticeKind,
    PaymentReceived,
    PaymentReview,
    RefundSettled,
    ServiceQuoted,
)
from handlers.payment_texts import REVIEW_REASONS, bill_what, period_label

# A review about a bill settled outside WeChat Pay has no 支付单 to name.
OFFLINE = "线下收款"


def _bill(bill: BillRef | None, at: datetime) -> dict[str, str]:
    if bill is None:
        return {"number": "", "company": "", "what": "", "amount": "", "time": fmt_local(at)}
    return {
        "number": bill.number,
        "company": bill.company or "贵司",
        "what": bill_what(bill),
        "amount": yuan(bill.amount_fen),
        "time": fmt_local(at),
    }


def _received(f: PaymentReceived, at: datetime) -> Mapping[str, str]:
    if f.offline:
        trade = f"\n收款方式：{OFFLINE}"
    else:
        trade = f"\n交易单号：{f.transaction_id}" if f.transaction_id else ""
    renewed = ""
    if f.renewed_until is not None:
        end = f.renewed_until
        renewed = f"\n服务已续期至{end.year}年{end.month}月{end.day}日，感谢您的信任！"
    return {
        **_bill(f.bill, at),
        "paid": yuan(f.amount_fen),
        "paid_at": fmt_local(f.paid_at),
        "trade": trade,
        "renewed": renewed,
    }


def _received_fields(f: PaymentReceived, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.bill.number,
        "what": bill_what(f.bill)[:20],
        "amount": yuan(f.amount_fen),
        "time": fmt_local(f.paid_at),
    }


def _refund(f: RefundSettled, at: datetime) -> Mapping[str, str]:
    return {**_bill(f.bill, at), "refund": yuan(f.amount_fen)}


def _refund_fields(f: RefundSettled, at: datetime) -> Mapping[str, str]:
    return {"number": f.bill.number, "amount": yuan(f.amount_fen), "time": fmt_local(at)}


def _review(f: PaymentReview, at: datetime) -> Mapping[str, str]:
    return {
        **_bill(f.bill, at),
        "number": f.bill.number if f.bill else "",
        "out_trade_no": f.out_trade_no or OFFLINE,
        "paid": yuan(f.amount_fen),
        "reason": REVIEW_REASONS.get(f.reason, f.reason),
    }


def _review_fields(f: PaymentReview, at: datetime) -> Mapping[str, str]:
    return {
        "out_trade_no": f.out_trade_no or OFFLINE,
        "amount": yuan(f.amount_fen),
        "time": fmt_local(at),
    }


def _reminder(f: FeeReminder, at: datetime) -> Mapping[str, str]:
    due = f"{f.due_on.year}年{f.due_on.month}月{f.due_on.day}日"
    if f.days_overdue > 0:
        state = f"已逾期 {f.days_overdue} 天"
    elif local(at).date() == f.due_on:
        state = "今天到期"
    else:
        state = f"将于{due}到期"
    period = ""
    if f.bill.period_start is not None and f.bill.period_end is not None:
        period = period_label(f.bill.period_start, f.bill.period_end)
    link = f'<a href="{f.pay_url}">点此付款</a>' if f.pay_url else "回复“交费”即可付款"
    return {
        **_bill(f.bill, at),
        "period": period,
        "due_date": due,
        "state": state,
        "pay_link": link,
    }


def _reminder_fields(f: FeeReminder, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.bill.number,
        "what": bill_what(f.bill)[:20],
        "amount": yuan(f.bill.amount_fen),
        "time": f"{f.due_on.isoformat()}",
    }


def _quoted(f: ServiceQuoted, at: datetime) -> Mapping[str, str]:
    link = f'<a href="{f.pay_url}">点此付款</a>' if f.pay_url else "回复“交费”即可付款"
    return {
        **_bill(f.bill, at),
        "order": f.order_number,
        "item": f.item_name,
        "staff": f.quoted_by or "会计",
        "pay_link": link,
    }


def _quoted_fields(f: ServiceQuoted, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.bill.number,
        "what": f.item_name[:20],
        "amount": yuan(f.bill.amount_fen),
        "time": fmt_local(at),
    }


def _issued(f: BillIssued, at: datetime) -> Mapping[str, str]:
    link = f'<a href="{f.pay_url}">点此付款</a>' if f.pay_url else "回复“交费”即可付款"
    return {
        **_bill(f.bill, at),
        "staff": f.issued_by or "会计",
        "due_date": f"{f.due_on.year}年{f.due_on.month}月{f.due_on.day}日",
        "pay_link": link,
    }


def _issued_fields(f: BillIssued, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.bill.number,
        "what": bill_what(f.bill)[:20],
        "amount": yuan(f.bill.amount_fen),
        "time": f.due_on.isoformat(),
    }


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.PAYMENT_RECEIVED: Renderer(
        "已收到{company}的付款 {paid}，谢谢！\n【收据】{what}\n账单：{number}\n"
        "支付时间：{paid_at}{trade}{renewed}",
        _received,
        template_fields=_received_fields,
        title="缴费成功通知",
    ),
    NoticeKind.REFUND_SETTLED: Renderer(
        "账单 {number}（{what}）的退款 {refund} 已原路退回，请留意到账。",
        _refund,
        template_fields=_refund_fields,
        title="退款到账通知",
    ),
    NoticeKind.FEE_REMINDER: Renderer(
        "{company}您好，{what} {amount}（账单 {number}）{state}，{pay_link}。如已安排付款请忽略，谢谢！",
        _reminder,
        template_fields=_reminder_fields,
        title="缴费提醒",
        # SMS template: "{1}您好，{2} {3}{4}，请及时缴纳。如已付款请忽略。"
        sms_fields=("company", "what", "amount", "state"),
    ),
    NoticeKind.SERVICE_QUOTED: Renderer(
        "{staff}为【{item}】报价 {amount}（订单 {order}，账单 {number}），{pay_link}，"
        "付款后会计马上开始办理。",
        _quoted,
        template_fields=_quoted_fields,
        title="服务报价通知",
    ),
    NoticeKind.BILL_ISSUED: Renderer(
        "{company}您好，{staff}为您开具了账单：{what} {amount}（账单 {number}），"
        "请在{due_date}前付款，{pay_link}。",
        _issued,
        template_fields=_issued_fields,
        title="账单通知",
    ),
    NoticeKind.PAYMENT_REVIEW: Renderer(
        "【付款待核对】账单 {number} 的支付单 {out_trade_no}（{paid}）：{reason}。",
        _review,
        template_fields=_review_fields,
        title="付款待核对",
    ),
}
