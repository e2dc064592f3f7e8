"""Complaints: the client describes the problem (photos welcome), optionally names a request or
an accountant, and gets a case number; admins are told at once and close the case with
"结案 C1001 处理结果", which the client hears.

```mermaid
stateDiagram-v2
    [*] --> description: "我要投诉"
    [*] --> about: "我要投诉，王会计一直不回消息" (the message is the description)
    description --> about: the problem, in words
    description --> description: photos (attached) / nothing meaningful
    about --> [*]: 单号 / 会计姓名 / 跳过: case C1001 opened, admins told
    about --> about: unknown number or name (explain, ask again)
    description --> [*]: 取消
    about --> [*]: 取消
    [*] --> resolved: admin "结案 C1001 已电话回访"
    resolved --> [*]: client told
```
"""

from __future__ import annotations

import re
from typing import Any

from domain import complaints, lifecycle
from domain.errors import DomainError
from domain.identity import Role
from handlers import texts
from handlers.forms import Invalid, register
from handlers.refs import NUMBER_RE, PhotoForm, photos_of
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("complaints")

_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# Words that only say "I want to complain": the rest of the first message is the description.
_LEAD = re.compile(
    r"^(?:我要|我想|想)?(?:投诉|反馈|提意见|意见|建议|吐槽)(?:一下)?[，,。:：！!\s]*"
)
RESOLVE_RE = re.compile(r"(?s)(?:结案|处理完|已处理)\s*[:：]?\s*#?([Cc]\s?\d+)\s*[:：,，]?\s*(.*)")


@register
class ComplaintForm(PhotoForm):
    name = "complain"
    required_slots = ("description", "about")
    optional_slots = frozenset({"about"})
    prompts = {"description": "很抱歉给您带来不好的体验。请说说遇到了什么问题（可以附照片）："}

    async def ask_about(self, turn: Turn) -> list[Reply]:
        return [
            Text(
                "这件事和哪个单号或哪位会计有关吗？可以回复单号（如 R1024）或会计姓名，没有请回复“跳过”。",
                (QuickReply("answer:跳过", "跳过"),),
            )
        ]

    async def validate_description(self, value: Any, turn: Turn) -> str:
        text = str(value).strip()
        if len(_MEANINGFUL.findall(text)) < 2:
            raise Invalid("请用文字说一下遇到的问题。")
        return text[:1000]

    async def validate_about(self, value: Any, turn: Turn) -> dict[str, str] | None:
        text = str(value).strip()
        if text in ("跳过", "skip", "没有", "无"):
            return None
        m = NUMBER_RE.search(text)
        if m is not None:
            number = f"R{int(m.group(1))}"
            try:
                await lifecycle.visible_request(turn.uow, turn.identity, number)
            except DomainError as exc:
                raise Invalid(exc.message_zh) from exc
            return {"number": number}
        staff = await turn.uow.identities.staff_by_name(turn.identity.firm.id, text)
        if staff is None:
            raise Invalid("没有找到这个单号或会计。请回复单号（如 R1024）、会计姓名，或“跳过”。")
        return {"staff": staff.name}

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        about = s.get("about") or {}
        request = None
        if "number" in about:
            request = await lifecycle.visible_request(turn.uow, turn.identity, about["number"])
        c = await complaints.open_complaint(
            turn.uow,
            turn.identity,
            s["description"],
            photos_of(turn),
            request,
            about.get("staff"),
            turn.now,
        )
        return [
            Text(
                f"已收到您的反馈，投诉单号：{c.number}。\n主管会尽快处理，处理结果会第一时间通知您。"
                "给您添麻烦了，非常抱歉。"
            )
        ]


@router.intent("complain", roles=(Role.CLIENT,), refuse="投诉建议是客户功能哦。")
async def complain(turn: Turn) -> list[Reply]:
    rest = _LEAD.sub("", turn.message.clean_text).strip()
    if len(_MEANINGFUL.findall(rest)) >= 6:
        return await turn.start_form(ComplaintForm, description=rest[:1000])
    return await turn.start_form(ComplaintForm)


@router.pattern(RESOLVE_RE.pattern)
async def resolve(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    m = RESOLVE_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    number = complaints.normalise_case_number(m.group(1)) or m.group(1)
    c = await complaints.resolve(turn.uow, turn.identity, number, m.group(2), turn.now)
    return [Text(f"投诉 {c.number} 已结案，已通知客户。")]
