"""Asking instead of guessing, and saying what a voice message was heard as.

When the parser finds two readings too close to choose between (`ParseResult.alternatives`),
the assistant asks one short question with both as quick replies ("您是想 ①查业务进度 ②办新业务？").
The question is remembered (flow `clarify`, the original text in its slots), so a tap, or a
typed "1" / "第二个" / the label, continues exactly as if the intent had been clear: the
original message, with its entities, is handled under the chosen intent. Anything else is read
as a new message. Questions are never asked inside a form step (the router calls this only
when no form is active).

A voice message whose recognition is doubtful (very short, or understood with low confidence)
gets "您说的是“……”吗？" with a "是的" tap for the reading, or, when nothing was understood,
an invitation to say it again or type it.

```mermaid
stateDiagram-v2
    [*] --> asked: two close readings / doubtful voice
    asked --> [*]: tap or "1" / "2" / label (handled under that intent)
    asked --> [*]: "不是" (say it again) / anything else (read as a new message)
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from handlers.replies import QuickReply, Reply, Text
from handlers.turn import Turn

FLOW = "clarify"
PREFIX = "clarify:"
NO = "no"

# How an intent is named in a question: what the person would call the thing they want.
LABELS: dict[str, str] = {
    "greet": "打个招呼",
    "help": "使用帮助或我的信息",
    "raise_request": "办新业务",
    "check_progress": "查业务进度",
    "pay_fee": "交费或查账单",
    "upload_invoice": "传发票票据",
    "rate_accountant": "评价会计",
    "complain": "投诉建议",
    "contact_accountant": "联系会计",
    "browse_services": "了解服务和价格",
    "view_account": "查公司账务和纳税",
    "cancel": "取消",
    "affirm": "是的",
    "deny": "不是",
    "claim_task": "抢单",
    "my_tasks": "看我的任务",
    "add_progress": "更新进度",
    "complete_task": "办结任务",
    "remind_fee": "催费",
    "my_stats": "看我的统计",
}
# Readings a misheard voice message could not do harm with: answered without asking back.
HARMLESS = frozenset({"greet", "help", "affirm", "deny", "cancel", "out_of_scope"})
# Voice recognised with less confidence than this, or this short, is read back first.
VOICE_SURE = 0.6
VOICE_SHORT = 2

_NUMBERS = (
    frozenset({"1", "①", "一", "第一个", "第1个", "前面那个", "前一个", "第一"}),
    frozenset({"2", "②", "二", "第二个", "第2个", "后面那个", "后一个", "第二"}),
)
YES = frozenset({"是", "是的", "对", "对的", "嗯", "嗯嗯", "没错", "好", "好的", "yes", "ok"})
NOS = frozenset({"不是", "不对", "错了", "不", "no", "都不是", "都不对"})
_TRIM = re.compile(r"^[\s。，,.!！?？~～]+|[\s。，,.!！?？~～]+$")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def label(intent: str) -> str:
    return LABELS.get(intent, intent)


def heard(text: str) -> str:
    return f"您说的是“{_TRIM.sub('', text)}”吗？"


def ask_between(turn: Turn, readings: Sequence[str], *, voice: bool = False) -> list[Reply]:
    """The question with both readings as quick replies; remembers what it asked."""
    _remember(turn, readings)
    circled = "①②③"
    options = " ".join(f"{circled[i]}{label(r)}" for i, r in enumerate(readings))
    head = heard(turn.message.clean_text) if voice else ""
    quick = tuple(QuickReply(PREFIX + r, label(r)) for r in readings)
    return [Text(f"{head}您是想 {options}？", quick)]


def confirm_heard(turn: Turn, intent: str) -> list[Reply]:
    """A doubtful voice message with one reading: read it back, "是的" continues."""
    _remember(turn, [intent])
    quick = (QuickReply(PREFIX + intent, f"是的，{label(intent)}"), QuickReply(PREFIX + NO, "不是"))
    return [Text(heard(turn.message.clean_text), quick)]


def not_understood_voice(turn: Turn) -> list[Reply]:
    return [
        Text(heard(turn.message.clean_text) + "我没太听明白，麻烦再说一遍，或者直接打字告诉我。")
    ]


def doubtful_voice(turn: Turn) -> bool:
    """A voice message whose recognition deserves a read-back before acting on it."""
    msg, parsed = turn.message, turn.parsed
    if msg.msg_type != "voice" or parsed is None:
        return False
    short = len(_MEANINGFUL.findall(msg.clean_text)) <= VOICE_SHORT
    return short or parsed.confidence < VOICE_SURE


def _remember(turn: Turn, readings: Iterable[str]) -> None:
    conv = turn.conversation
    conv.clear()
    conv.flow = FLOW
    conv.slots = {
        "text": turn.message.clean_text,
        "readings": list(readings),
        "voice": turn.message.msg_type == "voice",
    }


def choice(turn: Turn) -> str | None:
    """What this message answers to the pending question: an intent, NO, or None (not an
    answer: read it as a new message)."""
    readings: list[str] = list(turn.conversation.slots.get("readings") or [])
    msg = turn.message
    if msg.menu_id.startswith(PREFIX):
        picked = msg.menu_id[len(PREFIX) :]
        return picked if picked in readings or picked == NO else None
    text = _TRIM.sub("", msg.clean_text).lower()
    if not text:
        return None
    for i, words in enumerate(_NUMBERS):
        if text in words and i < len(readings):
            return readings[i]
    for reading in readings:
        if text == label(reading).lower():
            return reading
    if text in NOS:
        return NO
    if len(readings) == 1 and text in YES:
        return readings[0]
    return None


def original(turn: Turn) -> str:
    return str(turn.conversation.slots.get("text") or "")


async def resume(turn: Turn, intent: str) -> None:
    """Make this turn the original message, understood as `intent`."""
    text = original(turn)
    turn.conversation.clear()
    # The person confirmed what they meant: from here on it is plain text.
    turn.message = replace(turn.message, text=text, menu_id="", msg_type="text")
    parsed = await turn.ports.nlu.parse(text, today=turn.today) if text else None
    if parsed is not None:
        turn.parsed = replace(parsed, intent=intent, confidence=1.0, alternatives=())
    turn.intent = intent


SAY_AGAIN = "好的，麻烦再说一遍，或者直接打字告诉我。"
