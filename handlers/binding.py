"""Binding a WeChat user to a staff member or a client contact with a one-time code: six
digits for a client contact, eight letters and digits for staff (see `domain.invite_codes`).
Something that is no code at all is explained here and never reaches the domain, so it does not
count against the limits on wrong codes; the domain decides everything else.

```mermaid
stateDiagram-v2
    [*] --> asking_code: "绑定"
    [*] --> binding: "绑定 123456" / "绑定 AB3K9PQR"
    [*] --> asking_code: "绑定 12ab" (explain the two shapes)
    asking_code --> binding: a well-formed code
    asking_code --> asking_code: anything else (explain, ask again)
    asking_code --> [*]: 取消 / idle timeout
    binding --> [*]: bound (welcome by role) or refused (reason, or when to try again)
```
"""

from __future__ import annotations

from typing import Any

from domain import binding
from domain.errors import DomainError
from domain.identity import Role
from domain.invite_codes import read_code
from handlers import texts
from handlers.error_texts import CODE_SHAPES, error_text
from handlers.forms import Form, Invalid, start_form
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("binding")


def bad_shape(raw: str) -> str:
    """Why a code cannot be one: "您发的是9位", and the two shapes a code has."""
    size = sum(ch.isalnum() for ch in raw)
    said = f"您发的是{size}位，" if size else ""
    return f"这个绑定码不正确哦，{said}请核对一下：{CODE_SHAPES}。"


# Letters and digits, half- or full-width, with the separators people copy along ("AB3K-9PQR").
_CODE_CHARS = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"


@router.form
class BindForm(Form):
    name = "bind"
    required_slots = ("code",)
    prompts = {"code": texts.BIND_ASK_CODE}

    async def validate_code(self, value: Any, turn: Turn) -> str:
        read = read_code(str(value))
        if read is None:
            raise Invalid(bad_shape(str(value)))
        return read[0]

    async def submit(self, turn: Turn) -> list[Reply]:
        code = turn.conversation.slots["code"]
        try:
            ident = turn.identity
            bound = await binding.bind(turn.uow, ident.firm, ident.openid, code, turn.now)
        except DomainError as exc:
            return [Text(error_text(exc))]
        turn.identity = bound
        company = bound.company.name if bound.company is not None else None
        return [Text(welcome_text(bound.role, bound.display_name, company))]


def welcome_text(role: Role, name: str, company: str | None) -> str:
    if role is Role.CLIENT:
        return (
            f"绑定成功！{name}您好，您已绑定为【{company}】的联系人。\n"
            "现在可以直接告诉我要办的业务、发发票照片，或回复“帮助”查看全部功能。"
        )
    if role is Role.ADMIN:
        return f"绑定成功！{name}，您已绑定为管理员。回复“帮助”查看员工功能。"
    return f"绑定成功！{name}，您已绑定为员工，新业务会推送到这里，点“抢单”即可接单。"


@router.pattern(rf"(?:绑定码?|bind)\s*[:：]?\s*([{_CODE_CHARS}][{_CODE_CHARS} \-]{{0,23}})")
async def bind_with_code(turn: Turn) -> list[Reply]:
    if read_code(turn.arg) is None:
        await start_form(turn, BindForm)  # the next message is read as the code
        return [Text(bad_shape(turn.arg) + "请直接再发一次绑定码。")]
    return await start_form(turn, BindForm, code=turn.arg)


@router.pattern(r"(?:绑定|绑定码|我要绑定|绑定身份|bind)")
async def bind_start(turn: Turn) -> list[Reply]:
    if turn.identity.role is not Role.STRANGER:
        return [
            Text(
                f"您已绑定为{turn.identity.display_name}。如需换绑，请联系管理员获取新的绑定码后发送“绑定 + 绑定码”。"
            )
        ]
    return await start_form(turn, BindForm)
