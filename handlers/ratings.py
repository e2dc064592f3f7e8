"""Rating the accountant after a request completes: 服务态度 and 办理速度 (1-5 or 好评/中评/差评)
and an optional comment. The completion notice's buttons start it with the first score filled
(`rate_accountant:R1024:5`); "给王会计打5分" / "差评" work too. Changes allowed for 7 days.

```mermaid
stateDiagram-v2
    [*] --> attitude: tap 去评价 / "我要评价"
    [*] --> speed: tap 好评/中评/差评 on the completion notice (attitude filled)
    [*] --> comment: a score without an aspect in free text (both filled)
    attitude --> speed: 1-5 / 好评 / 中评 / 差评
    attitude --> attitude: anything else (explain, ask again)
    speed --> comment: 1-5 / 好评 / 中评 / 差评
    comment --> [*]: text or 跳过: saved; a score <= 2 opens a complaint for the admins
    attitude --> [*]: 取消
    speed --> [*]: 取消
    comment --> [*]: 取消
```
"""

from __future__ import annotations

import re
from typing import Any

from domain import ratings
from domain.errors import DomainError
from domain.identity import Role
from handlers.forms import Form, Invalid, register
from handlers.refs import merge, request_number
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import ASPECT, RATING

router = Router("ratings")

# "态度5分" / "速度：三星": an aspect word, then its score within a few characters.
ASPECT_SCORE = re.compile(r"(态度|服务|速度|效率|专业)[^0-9一二两三四五]{0,4}([1-5一二两三四五])")
ASPECT_SLOTS = {
    "态度": "attitude",
    "服务": "attitude",
    "专业": "attitude",
    "速度": "speed",
    "效率": "speed",
}

SCORE_BUTTONS = (
    QuickReply("answer:5", "好评(5分)"),
    QuickReply("answer:4", "4分"),
    QuickReply("answer:3", "中评(3分)"),
    QuickReply("answer:2", "2分"),
    QuickReply("answer:1", "差评(1分)"),
)


def _score(value: Any) -> int:
    score = ratings.score_of(str(value))
    if score is None:
        raise Invalid("请回复1到5分，或“好评”“中评”“差评”。")
    return score


@register
class RateForm(Form):
    name = "rate_accountant"
    required_slots = ("attitude", "speed", "comment")
    optional_slots = frozenset({"comment"})

    async def ask_attitude(self, turn: Turn) -> list[Reply]:
        number = turn.conversation.slots["number"]
        return [Text(f"请为 {number} 的服务态度打分：", SCORE_BUTTONS)]

    async def ask_speed(self, turn: Turn) -> list[Reply]:
        attitude = turn.conversation.slots.get("attitude")
        head = f"服务态度{attitude}分，收到。" if attitude else ""
        return [Text(f"{head}办理速度您打几分？", SCORE_BUTTONS)]

    async def ask_comment(self, turn: Turn) -> list[Reply]:
        return [
            Text(
                "还有什么想对我们说的吗？直接回复就行，没有请回复“跳过”。",
                (QuickReply("answer:跳过", "跳过"),),
            )
        ]

    async def validate_attitude(self, value: Any, turn: Turn) -> int:
        return _score(value)

    async def validate_speed(self, value: Any, turn: Turn) -> int:
        return _score(value)

    async def validate_comment(self, value: Any, turn: Turn) -> str | None:
        text = str(value).strip()
        return None if text in ("跳过", "skip") else text[:500]

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        outcome = await ratings.rate(
            turn.uow,
            turn.identity,
            s["number"],
            int(s["attitude"]),
            int(s["speed"]),
            s.get("comment") or "",
            turn.now,
        )
        head = "已更新您的评价。" if outcome.changed else "谢谢您的评价！"
        text = f"{head}（{outcome.rating.summary}）"
        if outcome.complaint is not None:
            text += (
                f"\n很抱歉这次没让您满意。我们已请主管跟进（跟进单号 {outcome.complaint.number}），"
                "会尽快联系您。"
            )
        elif not outcome.changed:
            text += "\n7天内如想修改，再评一次即可。"
        return [Text(text)]


async def scores_in(turn: Turn) -> dict[str, int]:
    """Scores typed in words: "态度5分，速度3分", "给王会计打5分" (both aspects), "差评"."""
    text = turn.message.clean_text
    found: dict[str, int] = {}
    for word, raw in ASPECT_SCORE.findall(text):
        score = ratings.score_of(raw)
        if score is not None:
            found.setdefault(ASPECT_SLOTS[word], score)
    if found:
        return found
    parsed = await turn.understand()
    value = parsed.entity(RATING)
    if value is None or not value.isdigit():
        return {}
    aspect = parsed.entity(ASPECT)
    if aspect in ASPECT_SLOTS:
        return {ASPECT_SLOTS[aspect]: int(value)}
    return {"attitude": int(value), "speed": int(value)}


@router.intent(
    "rate_accountant",
    roles=(Role.CLIENT,),
    refuse="评价是客户功能哦。员工可以回复“我的统计”查看评价。",
)
async def rate_accountant(turn: Turn) -> list[Reply]:
    number = await request_number(turn)
    if number is None:
        latest = await ratings.latest_ratable(turn.uow, turn.identity)
        if latest is None:
            return [Text("您还没有办结的业务可以评价哦。业务办完后我会请您评价。")]
        number = latest.number
    try:
        _req, earlier = await ratings.ratable(turn.uow, turn.identity, number)
    except DomainError as exc:
        return [Text(exc.message_zh)]
    if earlier is not None and turn.now - earlier.created_at > ratings.CHANGE_WINDOW:
        return [Text(f"{number} 已经评价过了，评价提交7天后不能再修改。")]
    preset: dict[str, Any] = {"number": number}
    _, _, tapped = turn.arg.partition(":")
    if tapped:
        preset["attitude"] = ratings.score_of(tapped)
    elif turn.message.clean_text:
        preset.update(await scores_in(turn))
    replies = await turn.start_form(RateForm, **preset)
    if earlier is not None:
        return merge(f"您已评价过 {number}（{earlier.summary}），这次会更新为新的评价。", replies)
    return replies
