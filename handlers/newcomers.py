"""People who are not clients yet: what the firm does and costs, its phone number, and a
one-step "留个电话" that reaches the admins as a lead. Clients asking the same get the
catalogue and their accountant.

```mermaid
stateDiagram-v2
    [*] --> offered: "你们能办什么" / "代账多少钱" (stranger)
    offered --> [*]: services, the firm's phone, "回复手机号，我们给您回电"
    [*] --> lead: a phone number from a stranger (asked for or not)
    lead --> [*]: admins told, "顾问会尽快回电"
```
"""

from __future__ import annotations

import re

from domain import handover, lifecycle
from domain.actors import actor_of
from domain.identity import Role
from handlers import expect, texts
from handlers.replies import Reply, Text
from handlers.request_words import when_zh
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE

router = Router("newcomers")

LEAD = "lead"
# A mainland mobile number, or a landline with its area code.
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def phone_in(text: str) -> str | None:
    m = PHONE_RE.search(text.replace(" ", ""))
    return m.group(1) if m else None


async def firm_phone(turn: Turn) -> str:
    """The number to give strangers: the configured one, else the first admin's."""
    if turn.ports.firm_phone:
        return turn.ports.firm_phone
    firm_id = turn.identity.firm.id
    memory = turn.ports.phone_memory
    remembered = memory.get(firm_id)
    if remembered is not None:
        return remembered
    phone = ""
    for staff in await turn.uow.identities.list_staff(firm_id, active_only=True):
        if staff.is_admin and staff.phone:
            phone = staff.phone
            break
    memory.keep(firm_id, phone)
    return phone


async def contact_line(turn: Turn) -> str:
    phone = await firm_phone(turn)
    call = f"打电话 {phone} 联系我们，或" if phone else ""
    return f"想详细了解，可以{call}直接回复您的手机号，我们的顾问会尽快给您回电。"


async def offered_types(turn: Turn) -> tuple[str, ...]:
    """The services on offer, as the catalogue lists them (read at most every 30 s)."""
    firm_id = turn.identity.firm.id
    memory = turn.ports.services_memory
    remembered = memory.get(firm_id)
    if remembered is None:
        remembered = tuple(await lifecycle.offered_types(turn.uow, firm_id))
        memory.keep(firm_id, remembered)
    return remembered


@router.intent("browse_services")
async def browse_services(turn: Turn) -> list[Reply]:
    kind = await turn.entity(REQUEST_TYPE)
    head = f"{kind}我们可以办理。" if kind else ""
    services = "、".join(await offered_types(turn))
    offer = f"我们提供：{services}等代账和工商财税服务。"
    if turn.identity.role is Role.STRANGER:
        expect.expect(turn, LEAD)
        price = "价格要看公司类型和业务量，顾问会按您的情况报价。"
        return [Text(f"{head}{offer}\n{price}\n{await contact_line(turn)}")]
    if turn.identity.role is Role.CLIENT:
        return [
            Text(
                f"{head}{offer}\n想办哪项直接告诉我就行，例如“帮我办工商年报，不急”；"
                "价格可以问您的专属会计（回复“联系会计”）。"
            )
        ]
    return [Text(f"{offer}\n客户问到价格时，请按公司报价表答复。")]


def _call_back_when(turn: Turn) -> str:
    """When the call will come: soon in working hours, else when the office opens."""
    hours = turn.ports.dispatch.hours
    if hours.is_open(turn.now):
        return "我们的顾问会尽快给您回电"
    return (
        f"现在是下班时间，顾问会在{when_zh(hours.next_open(turn.now), turn.now)}上班后尽快给您回电"
    )


async def _lead(turn: Turn, phone: str) -> list[Reply]:
    actor = actor_of(turn.identity)
    await handover.leave_contact(turn.uow, actor, phone, turn.message.clean_text, turn.now)
    expect.expect(turn, LEFT, phone=phone)
    return [Text(f"收到，谢谢您！{_call_back_when(turn)}（{phone}）。")]


LEFT = "lead_left"
# A stranger who left a number asking when, or whether, someone will call.
_WHEN_CALLED = re.compile(r"什么时候|多久|几点|啥时候|联系|回电|打电话|电话|等多久|还要等|有人")


@expect.reader(LEFT)
async def after_lead(turn: Turn, data: dict[str, object]) -> list[Reply] | None:
    text = turn.message.clean_text if turn.message.has_text else ""
    if not text:
        return None
    phone = phone_in(text)
    if phone is not None:
        return await _lead(turn, phone)
    if not _WHEN_CALLED.search(text):
        return None
    expect.expect(turn, LEFT, **data)
    return [
        Text(
            f"您的电话我们已经记下了（{data.get('phone', '')}），{_call_back_when(turn)}，请保持电话畅通。"
        )
    ]


# A stranger asking what the firm does or costs: "你们公司都做什么的", "代账怎么收费".
_ASKS_SERVICES = re.compile(
    r"做什么|干什么|做啥|干啥|办什么|都做|哪些业务|什么业务|什么服务|哪些服务|业务范围|服务范围|"
    r"价格|多少钱|收费|报价|费用|价钱|代账|记账|怎么合作"
)


@router.reader()
async def stranger_asks(turn: Turn) -> list[Reply] | None:
    if turn.identity.role is not Role.STRANGER or not turn.message.has_text:
        return None
    text = turn.message.clean_text
    if turn.message.menu_id or not _ASKS_SERVICES.search(text) or text.startswith("绑定"):
        return None
    if phone_in(text) is not None:
        return None  # a number left with the question: a lead (`stranger_phone`)
    return await browse_services(turn)


# "那我把手机号给你们吧", "留个电话": a number offered but not yet typed.
_OFFERS_NUMBER = re.compile(
    r"(?:给|留|发|报|告诉)[^，,。]{0,6}(?:手机号?|电话|号码|联系方式)|"
    r"(?:手机号?|电话|号码|联系方式)[^，,。]{0,4}(?:给|留|发|报)(?:给)?(?:你们?|您)"
)


def _number_offered(turn: Turn) -> list[Reply] | None:
    """The number asked for when it is offered without its digits; the lead stays expected."""
    text = turn.message.clean_text
    if _OFFERS_NUMBER.search(text) is None or text.startswith("绑定"):
        return None
    expect.expect(turn, LEAD)
    return [Text("好的，请直接回复您的手机号码（11位），我们的顾问会尽快给您回电。")]


@expect.reader(LEAD)
async def lead_answer(turn: Turn, data: dict[str, object]) -> list[Reply] | None:
    if not turn.message.has_text:
        return None
    phone = phone_in(turn.message.clean_text)
    return _number_offered(turn) if phone is None else await _lead(turn, phone)


@router.reader()
async def stranger_phone(turn: Turn) -> list[Reply] | None:
    """A stranger who sends a phone number wants a call, asked for or not."""
    if turn.identity.role is not Role.STRANGER or not turn.message.has_text:
        return None
    phone = phone_in(turn.message.clean_text)
    return _number_offered(turn) if phone is None else await _lead(turn, phone)


async def stranger_help(turn: Turn) -> str:
    """What a stranger is told when the bot cannot help yet: how to bind, and how to reach us."""
    return (
        f"{texts.WELCOME_STRANGER}\n没有绑定码？请向为您公司记账的会计获取。"
        f"还不是我们的客户？{await contact_line(turn)}"
    )
