"""The words for money: one place for every edge that shows a bill, a contract or a payment to a
person (the chat and the checkout page next, the command line and the outbox's renderers now,
and WeChat Pay's order description), and the chat's words for the payment use cases' refusals.

The domain keeps bills as facts (a contract period's dates, a one-off bill's own title, amounts
in fen) and refuses with codes; this module says them in Chinese, and reads the cycle words
people type (月, 季度, 半年付 ...). `handlers.error_texts` takes `TEXTS` for the same codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from domain.billing import Bill, BillKind, BillStatus, Cycle, parse_yuan, yuan
from domain.notices import BillRef

CYCLE_NAMES: Mapping[Cycle, str] = {
    Cycle.MONTHLY: "月",
    Cycle.QUARTERLY: "季",
    Cycle.HALF_YEARLY: "半年",
    Cycle.YEARLY: "年",
}
_CYCLE_WORDS: Mapping[str, Cycle] = {
    "月": Cycle.MONTHLY,
    "月付": Cycle.MONTHLY,
    "按月": Cycle.MONTHLY,
    "季": Cycle.QUARTERLY,
    "季度": Cycle.QUARTERLY,
    "季付": Cycle.QUARTERLY,
    "按季": Cycle.QUARTERLY,
    "半年": Cycle.HALF_YEARLY,
    "半年付": Cycle.HALF_YEARLY,
    "年": Cycle.YEARLY,
    "年付": Cycle.YEARLY,
    "按年": Cycle.YEARLY,
}
STATUS_NAMES: Mapping[BillStatus, str] = {
    BillStatus.UNPAID: "待支付",
    BillStatus.PAID: "已支付",
    BillStatus.CANCELLED: "已取消",
    BillStatus.REFUNDED: "已退款",
}
CONTRACT_FEE = "代理记账服务费"
RENEWAL = "续约"
REVIEW_REASONS: Mapping[str, str] = {
    "bill_not_payable": "账单已支付或已取消，这笔付款没有账单可以入账，可能需要退款",
    "order_closed": "支付单已关闭却收到了支付成功，请核对后处理",
    "refund_abnormal": "退款异常（银行卡作废或冻结），请在商户平台处理",
    "refund_refused": "微信支付拒绝了这笔退款，请在商户平台核对后处理",
    "renewal_not_applied": "续约已付款，但合同到期日已被改动，未能自动续期，请核对合同",
}


def parse_cycle(text: str) -> Cycle:
    """ "月", "季度", "半年", "年付", "quarterly" ... -> Cycle; ValueError otherwise."""
    word = text.strip().lower()
    if word in _CYCLE_WORDS:
        return _CYCLE_WORDS[word]
    try:
        return Cycle(word)
    except ValueError:
        raise ValueError(f"not a billing cycle: {text!r}") from None


def parse_amount(text: str) -> int:
    """ "300元", "1，200.50", "￥88" -> fen, as people type money; ValueError otherwise."""
    cleaned = text.strip().removesuffix("元").replace("，", ",").replace("￥", "¥")
    return parse_yuan(cleaned)


def period_label(start: date, end: date) -> str:
    """ "2026年1月", "2026年1月—3月", "2025年11月—2026年1月"."""
    first = f"{start.year}年{start.month}月"
    if (start.year, start.month) == (end.year, end.month):
        return first
    if start.year == end.year:
        return f"{first}—{end.month}月"
    return f"{first}—{end.year}年{end.month}月"


def _what(kind: BillKind, title: str, start: date | None, end: date | None) -> str:
    if kind is BillKind.CONTRACT and start is not None and end is not None:
        return f"{period_label(start, end)}{CONTRACT_FEE}"
    if kind is BillKind.RENEWAL and start is not None and end is not None:
        return f"{RENEWAL}：{period_label(start, end)}{CONTRACT_FEE}"
    return title or CONTRACT_FEE


def bill_what(bill: Bill | BillRef) -> str:
    """What a bill is for: "2026年1月—3月代理记账服务费", or a one-off bill's own title."""
    if isinstance(bill, Bill):
        period = bill.period
        return _what(
            bill.kind, bill.title, period.start if period else None, period.end if period else None
        )
    return _what(bill.kind, bill.title, bill.period_start, bill.period_end)


def order_description(bill: Bill) -> str:
    """What the payer's WeChat bill shows for an attempt (WeChat Pay allows 127 characters)."""
    return f"{bill_what(bill)}（{bill.number}）"[:127]


Words = Callable[[Mapping[str, Any]], str]


_FIELD_ZH = {"category": "分类", "name": "名称", "request_type": "业务类型", "duration": "办理时长"}


def _fixed(text: str) -> Words:
    return lambda _facts: text


TEXTS: dict[str, Words] = {
    "admins_only_billing": _fixed("签订服务合同需要管理员权限。"),
    "admins_only_refunds": _fixed("退款需要管理员权限。"),
    "bad_fee": lambda f: f"月服务费须大于 0，且每期不超过{yuan(f['limit_fen'])}，请核对金额。",
    "bad_dates": _fixed("合同结束日期不能早于开始日期。"),
    "bad_bill_title": lambda f: f"账单名称须为 1 到 {f['limit']} 个字。",
    "bad_amount": lambda f: f"金额须大于 0，且不超过{yuan(f['limit_fen'])}。",
    "bill_not_issued": _fixed("账单未能开具，请稍后再试。"),
    "bill_not_found": lambda f: f"没有找到账单 {f['number']}，请核对一下。",
    "bill_paid": lambda f: f"账单 {f['number']} 已支付，无需重复付款。",
    "bill_cancelled": lambda f: f"账单 {f['number']} 已取消，无需支付。",
    "bill_refunded": lambda f: f"账单 {f['number']} 已退款，无需支付。",
    "bill_expired": lambda f: f"账单 {f['number']} 已过期，请联系您的专属会计重新开具。",
    "bill_busy": lambda f: f"账单 {f['number']} 暂时不能支付，请稍后再试。",
    "payer_required": _fixed("请在微信内打开付款页面。"),
    "pay_unavailable": _fixed("微信支付暂时不可用，请稍后再试。"),
    "bill_not_cancellable": lambda f: (
        f"账单 {f['number']} {STATUS_NAMES[BillStatus(f['status'])]}，不能取消。"
    ),
    "bill_not_paid": lambda f: (
        f"账单 {f['number']} {STATUS_NAMES[BillStatus(f['status'])]}，没有可以退的款。"
    ),
    "payment_not_found": lambda f: f"没有找到账单 {f['number']} 的支付记录。",
    "refund_paid_offline": lambda f: (
        f"账单 {f['number']} 是线下收款结清的，没有经过微信支付，不能原路退款；"
        "如需退款，请线下退还客户。"
    ),
    "refund_too_much": lambda f: (
        f"退款金额超过了账单 {f['number']} 可退的金额（最多 {yuan(f['left_fen'])}）。"
    ),
    "refund_refused": lambda f: f"微信支付拒绝了这笔退款：{f['reason']}",
    "refund_nothing_left": lambda f: (
        f"账单 {f['number']} 的款项已全部退款或正在退款中，没有可以再退的了。"
    ),
    "refund_busy": lambda f: f"账单 {f['number']} 正在办理退款，请稍后再看。",
    "refund_key_missing": _fixed("退款需要先确认，请重新发起。"),
    "nothing_owed": lambda f: f"{f['company']}目前没有待付的账单，不用催费。",
    "nothing_overdue": _fixed("目前没有逾期未付的账单，不用催费。"),
    "bill_not_remindable": lambda f: f"账单 {f['number']} 不是待付状态，不用催费。",
    # 线下收款 is the panel's; the chat words them all the same.
    "admins_only_money": _fixed("登记线下收款需要管理员权限。"),
    "offline_amount_mismatch": lambda f: f"收款金额须与账单应收金额一致（{f['owed']}）。",
    "offline_note_missing": lambda f: f"请写一句收款说明（最多 {f['limit']} 字）。",
    "offline_date_future": _fixed("收款日期不能晚于今天。"),
    "offline_date_too_early": _fixed("收款日期不能早于账单开出的日期，也不能早于一年前。"),
    "no_paid_bill": _fixed("还没有已支付的服务费账单，付款后就可以开发票了。"),
    "bad_tax_id": lambda f: (
        f"税号 {f['tax_id']} 校验没通过，请核对后再发一次（18位统一社会信用代码）。"
    ),
    "bad_invoice_title": lambda f: f"发票抬头须为 1 到 {f['limit']} 个字，请核对后再发。",
    "invoice_title_missing": _fixed("还没有发票抬头和税号，回复“开发票”重新开始。"),
    "admins_only_catalogue": _fixed("修改服务项目需要管理员权限。"),
    "order_not_found": lambda f: f"没有找到订单 {f['number']}，请核对订单号。",
    "order_quoted_already": lambda f: f"订单 {f['number']} 已经报过价了，不能重复报价。",
    "service_not_found": _fixed("这个服务项目暂时没有了，回复“服务项目”看看现在能办的。"),
    "service_inactive": lambda f: f"【{f['name']}】暂停接单了，回复“服务项目”看看其他项目。",
    "service_needs_quote": lambda f: f"【{f['name']}】需要先报价，点“请会计报价”，会计会联系您。",
    "service_name_taken": lambda f: f"已经有叫【{f['name']}】的服务项目了，换个名称吧。",
    "bad_catalogue_field": lambda f: (
        f"服务项目的{_FIELD_ZH.get(f['field'], f['field'])}须为 1 到 {f['limit']} 个字。"
    ),
    # the command line's own: an amount, cycle or date it could not read
    "bad_argument": lambda f: f"参数有误：{f['detail']}",
}
