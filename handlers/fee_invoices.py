"""Fapiao for fees in the chat: "给我开张发票" after paying. The company's 抬头 and 税号 are asked
for once (the 税号 checked with the USCC checksum) and remembered; a confirmation tap then
sends the request to the firm's staff as a 代开发票 task.

```mermaid
stateDiagram-v2
    [*] --> asked: "开发票" (client, a paid bill, no title kept)
    asked --> confirm: "抬头 税号" (checked, remembered)
    [*] --> confirm: "开发票" (title kept)
    confirm --> raised: tap 确认开票 -> a 代开发票 request for staff
    confirm --> [*]: 先不
```
"""

from __future__ import annotations

import re
from typing import Any

from domain import fee_invoices
from domain.actors import actor_of
from domain.billing import Bill, yuan
from domain.errors import Invalid
from domain.fee_invoices import FeeInvoiceTitle
from domain.identity import Role
from handlers import expect
from handlers.error_texts import error_text
from handlers.payment_texts import bill_what
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("fee_invoices")

CONFIRMED = "fee_invoice_confirmed"
TITLE = "fee_invoice_title"
WANTS_INVOICE = re.compile(r"发票|开票")
TITLE_AND_TAX_ID = re.compile(r"^\s*(.+?)[\s,，:：]+([0-9A-Za-z]{18})\s*$")
ASK_TITLE = "请回复发票抬头和税号，用空格隔开，例如：\n杭州青禾餐饮管理有限公司 91330106MA2GL4QX30"


def wants_invoice(turn: Turn) -> bool:
    return turn.message.has_text and bool(WANTS_INVOICE.search(turn.message.clean_text))


def describe(bill: Bill, title: FeeInvoiceTitle) -> str:
    return (
        f"服务费发票：{bill_what(bill)} {yuan(bill.amount_fen)}（账单 {bill.number}）\n"
        f"抬头：{title.title}\n税号：{title.tax_id}"
    )


def _confirm(turn: Turn, bill: Bill, title: FeeInvoiceTitle) -> list[Reply]:
    return expect.confirm(
        turn,
        CONFIRMED,
        bill.number,
        f"为账单 {bill.number}（{bill_what(bill)} {yuan(bill.amount_fen)}）开发票：\n"
        f"抬头：{title.title}\n税号：{title.tax_id}\n信息无误请点“确认开票”。",
        "确认开票",
        "好的，先不开。需要时再告诉我。",
    )


async def ask_for_invoice(turn: Turn) -> list[Reply]:
    """The client asked for a fee invoice (from `pay_fee`)."""
    actor = actor_of(turn.identity)
    bill = await fee_invoices.last_paid_bill(turn.uow, actor)
    title = await fee_invoices.remembered_title(turn.uow, actor)
    if title is None:
        expect.expect(turn, TITLE, number=bill.number)
        return [Text(ASK_TITLE)]
    return _confirm(turn, bill, title)


@expect.reader(TITLE)
async def title_answer(turn: Turn, data: dict[str, Any]) -> list[Reply] | None:
    m = TITLE_AND_TAX_ID.match(turn.message.clean_text) if turn.message.has_text else None
    if m is None:
        return None  # not a title: read as a new message
    actor = actor_of(turn.identity)
    try:
        title = await fee_invoices.remember_title(turn.uow, actor, m.group(1), m.group(2), turn.now)
    except Invalid as exc:  # a typo in the 税号: say so and keep waiting for the answer
        expect.expect(turn, TITLE, **data)
        return [Text(error_text(exc))]
    bill = await fee_invoices.last_paid_bill(turn.uow, actor, str(data.get("number") or "") or None)
    return _confirm(turn, bill, title)


@expect.action(CONFIRMED)
@router.intent(CONFIRMED, roles=(Role.CLIENT,), refuse="这是客户功能哦。")
async def invoice_confirmed(turn: Turn) -> list[Reply]:
    request = await fee_invoices.request_fee_invoice(
        turn.uow,
        actor_of(turn.identity),
        turn.arg,
        turn.now,
        describe,
        turn.ports.dispatch,
    )
    return [Text(f"好的，开票申请已提交（{request.number}），会计开好后会发给您。")]
