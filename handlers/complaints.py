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

from domain import complaints, feedback, lifecycle
from domain.actors import actor_of
from domain.errors import DomainError
from domain.identity import Role
from domain.requests import OPEN
from handlers import cues, expect, texts
from handlers.error_texts import error_text
from handlers.forms import Invalid, start_form
from handlers.refs import NUMBER_RE, PhotoForm, photos_of
from handlers.replies import QuickReply, Reply, Text
from handlers.request_words import STATUS_ZH, title, when_zh
from handlers.router import Router
from handlers.turn import Turn

router = Router("complaints")

_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# Words that only say "I want to complain": the rest of the first message is the description.
_LEAD = re.compile(
    r"^(?:我要|我想|想)?(?:投诉|反馈|提意见|意见|建议|吐槽)(?:一下)?[，,。:：！!\s]*"
)
RESOLVE_RE = re.compile(r"(?s)(?:结案|处理完|已处理)\s*[:：]?\s*#?([Cc]\s?\d+)\s*[:：,，]?\s*(.*)")


@router.form
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
                await lifecycle.visible_request(turn.uow, actor_of(turn.identity), number)
            except DomainError as exc:
                raise Invalid(error_text(exc)) from exc
            return {"number": number}
        staff = await turn.uow.identities.staff_by_name(turn.identity.firm.id, text)
        if staff is None:
            raise Invalid("没有找到这个单号或会计。请回复单号（如 R1024）、会计姓名，或“跳过”。")
        return {"staff": staff.name}

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        actor = actor_of(turn.identity)
        about = s.get("about") or {}
        request = None
        if "number" in about:
            request = await lifecycle.visible_request(turn.uow, actor, about["number"])
        c = await feedback.open_complaint(
            turn.uow,
            actor,
            s["description"],
            photos_of(turn),
            request,
            about.get("staff"),
            turn.now,
        )
        replies: list[Reply] = [
            Text(
                f"已收到您的反馈，投诉单号：{c.number}。\n主管会尽快处理，处理结果会第一时间通知您。"
                "给您添麻烦了，非常抱歉。"
            )
        ]
        # What the client says next is most likely more of the same: it goes to the admins.
        expect.expect(turn, FOLLOW_UP, number=c.number)
        return replies


FOLLOW_UP = "complaint_followup"
FOLLOW_UP_INTENTS = frozenset(
    {"complain", "nlu_fallback", "out_of_scope", "deny", "check_progress"}
)
# A complaint names what is wrong: the firm, a person, a delay, money, a mistake.
GRIEVANCE = re.compile(
    r"投诉|举报|态度|不回|不理|没人理|不接电话|说法|解释|负责|赔|退钱|退款|退费|12315|老板|领导|"
    r"太差|很差|差劲|垃圾|骗|坑|失望|乱收费|算错|弄错|漏报|罚款|拖了|拖拖拉拉|一直没|还没办|"
    r"怎么回事|不专业|敷衍|不满"
)


@expect.reader(FOLLOW_UP)
async def complaint_follow_up(turn: Turn, data: dict[str, Any]) -> list[Reply] | None:
    """Words right after a complaint was opened reach the admins, unless they ask for
    something else."""
    msg = turn.message
    if not msg.has_text or msg.menu_id or cues.is_thanks(msg.clean_text):
        return None
    parsed = await turn.understand()
    if parsed.intent not in FOLLOW_UP_INTENTS and parsed.confidence >= 0.7:
        return None
    number = str(data["number"])
    await feedback.add_to_complaint(
        turn.uow, actor_of(turn.identity), number, msg.clean_text, turn.now
    )
    expect.expect(turn, FOLLOW_UP, number=number)
    return [Text(f"收到，已转给主管（投诉单号 {number}），会尽快联系您处理，请稍等。")]


async def _named(turn: Turn, text: str) -> dict[str, str] | None:
    """The request or accountant a complaint names ("王会计三天都不回我消息", "R1024 拖了")."""
    m = NUMBER_RE.search(text)
    if m is not None:
        number = f"R{int(m.group(1))}"
        try:
            await lifecycle.visible_request(turn.uow, actor_of(turn.identity), number)
        except DomainError:
            return None
        return {"number": number}
    for staff in await turn.uow.identities.list_staff(turn.identity.firm.id, active_only=True):
        short = staff.name.removesuffix("会计").removesuffix("主管")
        if staff.name in text or (len(short) >= 2 and short in text):
            return {"staff": staff.name}
    return None


async def _empathy(turn: Turn) -> list[Reply]:
    """Impatience without a complaint ("还有人管吗？？都半天了"): sorry, where their requests
    stand, and who to call."""
    lines = ["让您久等了，真不好意思！"]
    reqs = [
        r
        for r in await lifecycle.requests_in_view(turn.uow, actor_of(turn.identity))
        if r.status in OPEN
    ]
    if reqs:
        lines.append("您的业务现在是这样：")
        lines += [
            f"{title(r)}｜{STATUS_ZH[r.status]}" + (f"｜{r.handler_name}" if r.handler_name else "")
            for r in reqs[:5]
        ]
    company = turn.identity.company
    staff = None
    if company is not None and company.accountant_id is not None:
        staff = await turn.uow.identities.get_staff(company.accountant_id)
    hours = turn.ports.dispatch.hours
    if not hours.is_open(turn.now):
        who = staff.name if staff is not None else "会计"
        lines.append(
            f"现在是下班时间，{who}{when_zh(hours.next_open(turn.now), turn.now)}上班后会第一时间处理。"
        )
    elif staff is not None:
        phone = f"（{staff.phone}）" if staff.phone else ""
        lines.append(f"着急的话可以直接找您的会计{staff.name}{phone}，我们也会尽快处理。")
    else:
        lines.append("我们会尽快处理。")
    lines.append("如果是对服务不满意，回复“投诉”加上问题，主管会亲自跟进。")
    return [Text("\n".join(lines))]


# "还有人管吗", "人呢？", "怎么还没人理我": impatience, whatever else the words could mean.
NOBODY = re.compile(
    r"有人管|有人吗|有没有人|人呢|没人(?:管|理|回|接)|怎么还没(?:人|动静|消息)|(?:不|没人|怎么没人)理(?:一下|下)?我"
)


@router.reader()
async def impatient(turn: Turn) -> list[Reply] | None:
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    if not NOBODY.search(text) or GRIEVANCE.search(text) or len(text) > 30:
        return None
    return await _empathy(turn)


@router.intent("complain", roles=(Role.CLIENT,), refuse="投诉建议是客户功能哦。")
async def complain(turn: Turn) -> list[Reply]:
    text = turn.message.clean_text
    if text and not GRIEVANCE.search(text):
        if cues.feels_bad(text) and not cues.about_waiting(text):
            return [Text(texts.SYMPATHY)]  # a sigh about business, not about us
        return await _empathy(turn)
    rest = _LEAD.sub("", text).strip()
    if len(_MEANINGFUL.findall(rest)) >= 6:
        named = await _named(turn, rest)
        return await start_form(turn, ComplaintForm, description=rest[:1000], about=named)
    return await start_form(turn, ComplaintForm)


@router.pattern(RESOLVE_RE.pattern)
async def resolve(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    m = RESOLVE_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    number = complaints.normalise_case_number(m.group(1)) or m.group(1)
    c = await feedback.resolve_complaint(
        turn.uow, actor_of(turn.identity), number, m.group(2), turn.now
    )
    return [Text(f"投诉 {c.number} 已结案，已通知客户。")]
