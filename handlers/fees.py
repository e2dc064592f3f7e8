"""交费 in the chat (`pay_fee`): what the client owes, each bill with a link to its /m/ checkout,
and what they paid last; staff get the firm's arrears at a glance and how to 催费. Paying
itself happens on the checkout (WeChat's own pay sheet is the confirmation tap).

```mermaid
stateDiagram-v2
    [*] --> owed: "交费" / "还欠你们多少钱" (client)
    owed --> [*]: open bills with totals and 去支付 links, or "没有待付账单" + the last payment
    [*] --> arrears: "交费" (staff)
    arrears --> [*]: overdue bills and total, "催费 公司名"
```
"""

from __future__ import annotations

from collections.abc import Sequence

from domain import fee_reminders, payments
from domain.actors import actor_of
from domain.billing import Bill, BillStatus, yuan
from domain.clock import local
from domain.fee_reminders import Reminded
from domain.identity import Role
from domain.reminder_rules import ReminderChannel
from handlers import fee_invoices
from handlers.payment_texts import bill_what
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("fees")

STATE_WORDS = {"overdue": "，已逾期", "unpaid": ""}


def pay_link(turn: Turn, number: str, label: str) -> str:
    """A link to the bill's checkout, or "" when the pages' address is not known."""
    base = turn.ports.mobile_url
    return f'<a href="{base}/pay/{number}">{label}</a>' if base else ""


def bills_link(turn: Turn, label: str) -> str:
    base = turn.ports.mobile_url
    return f'<a href="{base}/bills">{label}</a>' if base else ""


def open_bills(bills: Sequence[Bill], turn: Turn) -> list[tuple[Bill, str]]:
    """Bills that can be paid now, with their state ("unpaid" or "overdue"), oldest first."""
    today = local(turn.now).date()
    found = [(b, b.state(turn.now, today)) for b in bills]
    return sorted(
        [(b, s) for b, s in found if s in STATE_WORDS],
        key=lambda pair: (pair[0].due_on, pair[0].id),
    )


def _day(bill: Bill) -> str:
    return f"{bill.due_on.month}月{bill.due_on.day}日"


@router.intent("pay_fee", roles=(Role.CLIENT,))
async def pay_fee(turn: Turn) -> list[Reply]:
    if fee_invoices.wants_invoice(turn):  # "交完了，给我开张发票": a fee invoice
        return await fee_invoices.ask_for_invoice(turn)
    bills = await payments.visible_bills(turn.uow, actor_of(turn.identity), limit=200)
    owed = open_bills(bills, turn)
    if not owed:
        paid = [b for b in bills if b.status is BillStatus.PAID and b.paid_at is not None]
        last = max(paid, key=lambda b: b.paid_at or turn.now, default=None)
        tail = ""
        if last is not None and last.paid_at is not None:
            when = local(last.paid_at)
            tail = (
                f"\n最近一笔：{bill_what(last)} {yuan(last.amount_fen)}，"
                f"{when.month}月{when.day}日已支付（账单 {last.number}）。"
            )
        return [Text(f"目前没有待付的账单，谢谢您一直以来的支持！{tail}")]
    total = sum(b.amount_fen for b, _ in owed)
    lines = [f"您有 {len(owed)} 笔待付账单，合计 {yuan(total)}："]
    for n, (bill, state) in enumerate(owed[:10], 1):
        link = pay_link(turn, bill.number, "去支付")
        lines.append(
            f"{n}. {bill_what(bill)} {yuan(bill.amount_fen)}"
            f"（{bill.number}，{_day(bill)}到期{STATE_WORDS[state]}）{link}"
        )
    more = bills_link(turn, "查看全部账单")
    lines.append(f"点“去支付”用微信支付即可，付款后会收到收据。{more}")
    return [Text("\n".join(lines))]


@router.intent("pay_fee", roles=(Role.STAFF, Role.ADMIN))
async def arrears(turn: Turn) -> list[Reply]:
    bills = await payments.visible_bills(turn.uow, actor_of(turn.identity), limit=1000)
    today = local(turn.now).date()
    overdue = [b for b in bills if b.overdue(today) and not b.expired(turn.now)]
    if not overdue:
        return [Text("目前没有逾期未付的账单。")]
    companies = sorted({b.company_name for b in overdue if b.company_name})
    total = sum(b.amount_fen for b in overdue)
    names = "、".join(companies[:8]) + ("等" if len(companies) > 8 else "")
    return [
        Text(
            f"逾期未付：{len(overdue)} 笔，合计 {yuan(total)}（{names}）。\n"
            "回复“催费 公司名”提醒一家，或“催费 全部逾期”。"
        )
    ]


CHANNEL_WORDS = {
    ReminderChannel.WECHAT: "微信",
    ReminderChannel.SMS: "短信",
    ReminderChannel.BOTH: "微信和短信",
    ReminderChannel.NONE: "没有可联系的人",
}
ALL_OVERDUE = ("全部逾期", "所有逾期", "全部", "逾期")


def _reminded(done: list[Reminded]) -> str:
    lines = []
    for r in done:
        head = f"{r.bill.company_name} {bill_what(r.bill)} {yuan(r.bill.amount_fen)}（{r.bill.number}）"
        if r.reminder is None:
            lines.append(f"{head}：今天已经提醒过了")
        else:
            lines.append(f"{head}：已通过{CHANNEL_WORDS[r.reminder.channel]}提醒")
    return "\n".join(lines)


async def _remind(turn: Turn, target: str) -> list[Reply]:
    actor = actor_of(turn.identity)
    base = turn.ports.mobile_url
    target = target.strip()
    if not target:
        return [Text("催哪家？回复“催费 公司名”，或“催费 全部逾期”。")]
    if target in ALL_OVERDUE:
        done = await fee_reminders.remind_all_overdue(turn.uow, actor, turn.now, base)
    else:
        done = await fee_reminders.remind_company(turn.uow, actor, target, turn.now, base)
    return [Text("催费已发出：\n" + _reminded(done) + "\n付款后提醒会自动停止。")]


@router.pattern(r"催(?:缴|交)?费\s*(.*)")
async def remind_typed(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None  # a client saying 催费 means something else: let the NLU read it
    if turn.arg.strip() == "记录":
        return await _log(turn)
    return await _remind(turn, turn.arg)


@router.intent("remind_fee", roles=(Role.STAFF, Role.ADMIN), refuse="催费是员工功能哦。")
async def remind_fee(turn: Turn) -> list[Reply]:
    company = await turn.entity("company")
    return await _remind(turn, company or "")


def _outcome(outcome: str) -> str:
    """ "sent:custom, failed:43004" in words."""
    words = {"custom": "客服消息", "template": "模板消息", "sms": "短信"}
    said = []
    for part in outcome.split(", "):
        state, _, detail = part.partition(":")
        if state == "sent":
            said.append(f"{words.get(detail, detail)}已送达")
        elif state == "failed":
            said.append(f"发送失败（{detail}）")
        elif state in ("pending", "queued"):
            said.append("发送中")
        elif state == "no_contact":
            said.append("没有可联系的人")
    return "、".join(said) or outcome


async def _log(turn: Turn) -> list[Reply]:
    """催费记录: who was reminded, how, and by whom (the schedule or a person)."""
    found = await fee_reminders.reminders_of(turn.uow, actor_of(turn.identity), limit=10)
    if not found:
        return [Text("还没有催费记录。")]
    lines = [
        f"{local(r.created_at):%m-%d %H:%M} {r.bill_number} {r.trigger if r.trigger != 'schedule' else '定时'}"
        f"：{CHANNEL_WORDS[r.channel]}，{r.recipients} 人，{_outcome(r.outcome)}"
        for r in found
    ]
    return [Text("最近的催费：\n" + "\n".join(lines))]
