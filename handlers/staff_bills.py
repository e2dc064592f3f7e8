"""Staff raise a one-off bill in the chat: "账单 示例科技 工商变更 800元" asks for a confirmation
tap, then the bill is raised and the client gets the link to pay (see `domain.staff_bills`).

```mermaid
stateDiagram-v2
    [*] --> confirm: "账单 公司 名称 金额" (staff)
    confirm --> issued: tap 确认开具 -> bill + pay link to the client
    confirm --> [*]: 先不
```
"""

from __future__ import annotations

import re

from domain import staff_bills
from domain.actors import actor_of
from domain.billing import yuan
from domain.identity import Role
from handlers import expect
from handlers.fees import pay_link
from handlers.payment_texts import parse_amount
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("staff_bills")

CONFIRMED = "staff_bill_confirmed"
USAGE = "开账单请这样回复：账单 公司名 项目 金额，例如“账单 示例科技 工商变更 800元”。"
_TYPED = re.compile(r"账单\s+(\S+)\s+(.+?)\s*[:：，,]?\s*([¥￥]?[\d,，]+(?:\.\d{1,2})?\s*元?)")


@router.pattern(r"账单\s+(.+)")
async def bill_typed(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None  # a client's "账单 …" is read by the NLU (their bills)
    m = _TYPED.fullmatch(turn.message.clean_text.strip())
    if m is None:
        return [Text(USAGE)]
    try:
        amount = parse_amount(m.group(3))
    except ValueError:
        return [Text(USAGE)]
    actor = actor_of(turn.identity)
    title = staff_bills.check(m.group(2), amount)
    company = await staff_bills.find_company(turn.uow, actor, m.group(1))
    ask = f"{company.id}|{amount}|{int(turn.now.timestamp())}|{title}"
    return expect.confirm(
        turn,
        CONFIRMED,
        ask,
        f"确认给【{company.name}】开具账单：{title} {yuan(amount)}？确认后客户会收到付款链接。",
        "确认开具",
        "好的，先不开。",
    )


@expect.action(CONFIRMED)
@router.intent(CONFIRMED, roles=(Role.STAFF, Role.ADMIN), refuse="开账单是员工功能哦。")
async def bill_confirmed(turn: Turn) -> list[Reply]:
    parts = turn.arg.split("|", 3)
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return [Text(USAGE)]
    company_id, amount, asked = (int(p) for p in parts[:3])
    bill = await staff_bills.issue(
        turn.uow,
        actor_of(turn.identity),
        company_id,
        parts[3],
        amount,
        turn.now,
        str(asked),
        turn.ports.mobile_url,
    )
    link = pay_link(turn, bill.number, "付款页")
    return [
        Text(
            f"已开具账单 {bill.number}：{bill.title} {yuan(bill.amount_fen)}，"
            f"{bill.due_on.month}月{bill.due_on.day}日前付款。客户已收到付款链接{link}。"
        )
    ]
