"""Admins refund a paid bill in the chat: "退款 B1024" (all that is left) or "退款 B1024 200元"
(part), optionally with a reason after it. The bot says what would be refunded (company, bill,
amount, back to whom) and asks for a tap; only the tap records the refund, once per ask (see
`domain.refund_asks`); the pay worker sends it to WeChat Pay and the client is told when the
money is back.

```mermaid
stateDiagram-v2
    [*] --> confirm: "退款 B… [金额] [原因]" (admins; others are refused)
    confirm --> recorded: tap 确认退款 -> refund recorded (once per ask)
    confirm --> [*]: 先不 / anything else
    recorded --> [*]: WeChat Pay settles it -> the client is told
```
"""

from __future__ import annotations

import re
from datetime import timedelta

from domain import refund_asks
from domain.actors import actor_of
from domain.billing import yuan
from domain.identity import Role
from domain.payment_notices import bill_ref
from handlers import expect
from handlers.payment_texts import bill_what, parse_amount
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("refunds")

CONFIRMED = "refund_confirmed"
REFUSE = "退款需要管理员权限，请联系管理员办理。"
USAGE = "退款请这样回复：退款 账单号 [金额]，例如“退款 B1024”（全额）或“退款 B1024 200元”。"
HELD_BACK = "好的，先不退款。需要时再发“退款 账单号 [金额]”。"
_TYPED = re.compile(
    r"[Bb]\s*(\d{1,9})"
    r"(?:\s*[:：，,]?\s*([¥￥]?\d[\d,，]*(?:\.\d{1,2})?)\s*元?)?"
    r"(?:\s*[，,。]?\s*(?:原因[:：]?)?\s*(.*))?"
)
# "退款 B1024 先不用", "退款 B1024 吗？": hedged or held back, never acted on.
_UNSAFE = re.compile(r"[\"'<>&|\\\s]+")
_HEDGED = re.compile(r"不要|不用|别|算了|先不|不退|吗|[?？]")
MAX_REASON = 40  # the tap carries it; WeChat Pay shows it to the payer
# A confirmation tapped later than this refunds nothing: the bill may have changed since.
CONFIRM_WITHIN = timedelta(minutes=30)
STALE = "这条退款确认已超过 30 分钟，为稳妥起见没有退款。需要的话请重新发送“退款 账单号 [金额]”。"


@router.pattern(r"退款\s*(.*)")
async def refund_typed(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None  # a client's "退款…" is read by the NLU (their bills, a complaint)
    if not turn.identity.is_admin:
        return [Text(REFUSE)]
    m = _TYPED.fullmatch(turn.arg.strip())
    if m is None:
        return [Text(USAGE)]
    # The reason rides in the tap's id: nothing that could end the link or split the ask.
    reason = _UNSAFE.sub(" ", m.group(3) or "").strip()[:MAX_REASON]
    if _HEDGED.search(reason):
        return [Text(HELD_BACK)]
    number = f"B{int(m.group(1))}"
    amount: int | None = None
    if m.group(2):
        try:
            amount = parse_amount(m.group(2))
        except ValueError:
            return [Text(USAGE)]
    plan = await refund_asks.plan(turn.uow, actor_of(turn.identity), number, amount)
    bill = plan.bill
    to = f"付款人{plan.payer_name}的微信" if plan.payer_name else "付款人的微信"
    if plan.amount_fen == plan.order.amount_fen:
        part = "全额退款"
    elif plan.in_full:
        part = "退还余下的"
    else:
        part = "部分退款"
    why = f"，原因：{reason}" if reason else ""
    ask = f"{bill.number}|{plan.amount_fen}|{int(turn.now.timestamp())}|{reason}"
    question = (
        f"确认给【{bill.company_name}】退款？\n账单 {bill.number}：{bill_what(bill_ref(bill))}，"
        f"实付 {yuan(plan.order.amount_fen)}\n{part} {yuan(plan.amount_fen)}，"
        f"原路退回{to}{why}。\n确认后不能撤回。"
    )
    return expect.confirm(turn, CONFIRMED, ask, question, "确认退款", "好的，先不退款。")


@expect.action(CONFIRMED)
@router.intent(CONFIRMED, roles=(Role.ADMIN,), refuse=REFUSE)
async def refund_confirmed(turn: Turn) -> list[Reply]:
    parts = turn.arg.split("|", 3)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        return [Text(USAGE)]
    number, amount, asked, reason = parts[0], int(parts[1]), parts[2], parts[3]
    actor = actor_of(turn.identity)
    key = f"chat:{actor.staff_id}:{asked}"
    done = await refund_asks.asked_before(turn.uow, actor, number, key)
    if done is None and turn.now.timestamp() - int(asked) > CONFIRM_WITHIN.total_seconds():
        return [Text(STALE)]
    refund, recorded = await refund_asks.ask(turn.uow, actor, number, amount, key, turn.now, reason)
    if not recorded:
        return [
            Text(
                f"这笔退款已经提交过了（账单 {number}，{yuan(refund.amount_fen)}），"
                "不会重复退款。到账后客户会收到通知。"
            )
        ]
    return [
        Text(
            f"已提交退款：账单 {number} {yuan(refund.amount_fen)}，将原路退回付款人，"
            "微信支付处理后客户会收到到账通知。"
        )
    ]
