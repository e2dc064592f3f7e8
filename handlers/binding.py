"""Binding a WeChat user to a staff member or a client contact with a one-time code.

```mermaid
stateDiagram-v2
    [*] --> asking_code: "绑定"
    [*] --> binding: "绑定 123456"
    asking_code --> binding: six digits
    asking_code --> asking_code: anything else (explain, ask again)
    asking_code --> [*]: 取消 / idle timeout
    binding --> [*]: bound (welcome by role) or refused (reason)
```
"""

from __future__ import annotations

from typing import Any

from domain import binding
from domain.errors import DomainError
from domain.identity import Role
from handlers import texts
from handlers.forms import Form, Invalid, register
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("binding")


@register
class BindForm(Form):
    name = "bind"
    required_slots = ("code",)
    prompts = {"code": texts.BIND_ASK_CODE}

    async def validate_code(self, value: Any, turn: Turn) -> str:
        code = "".join(ch for ch in str(value) if ch.isdigit())
        if len(code) != 6:
            raise Invalid("绑定码是6位数字哦，请再发一次。")
        return code

    async def submit(self, turn: Turn) -> list[Reply]:
        code = turn.conversation.slots["code"]
        try:
            bound = await binding.bind(turn.uow, turn.identity, code, turn.now)
        except DomainError as exc:
            return [Text(exc.message_zh)]
        turn.identity = bound
        return [
            Text(welcome_text(bound.role, bound.display_name, bound.company and bound.company.name))
        ]


def welcome_text(role: Role, name: str, company: str | None) -> str:
    if role is Role.CLIENT:
        return (
            f"绑定成功！{name}您好，您已绑定为【{company}】的联系人。\n"
            "现在可以直接告诉我要办的业务、发发票照片，或回复“帮助”查看全部功能。"
        )
    if role is Role.ADMIN:
        return f"绑定成功！{name}，您已绑定为管理员。回复“帮助”查看员工功能。"
    return f"绑定成功！{name}，您已绑定为员工，新业务会推送到这里，点“抢单”即可接单。"


@router.pattern(r"(?:绑定|绑定码|bind)\s*[:：]?\s*(\d{6})")
async def bind_with_code(turn: Turn) -> list[Reply]:
    return await turn.start_form(BindForm, code=turn.arg)


@router.pattern(r"(?:绑定|我要绑定|绑定身份|bind)")
async def bind_start(turn: Turn) -> list[Reply]:
    if turn.identity.role is not Role.STRANGER:
        return [
            Text(
                f"您已绑定为{turn.identity.display_name}。如需换绑，请联系管理员获取新的绑定码后发送“绑定 + 绑定码”。"
            )
        ]
    return await turn.start_form(BindForm)
