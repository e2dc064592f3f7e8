"""Client requests: raising one (a form), checking progress, cancelling an unclaimed one.

```mermaid
stateDiagram-v2
    [*] --> request_type: "我要办…" (entities fill their slots at once)
    request_type --> description: type from the entity, a number or a name
    request_type --> request_type: not a known type (list again)
    description --> urgency: two or more meaningful characters
    description --> description: garbage (explain, ask again)
    urgency --> confirm: 加急 / 普通
    request_type --> confirm: all filled already
    description --> confirm: type and urgency filled already
    confirm --> [*]: 确认 (number R1024, pushed to the staff pool)
    confirm --> description: 修改
    request_type --> [*]: 取消 / idle timeout
    description --> [*]: 取消 / idle timeout
    urgency --> [*]: 取消 / idle timeout
    confirm --> [*]: 取消 / idle timeout
    note right of description: photos sent at any step are attached
```

Checking progress: "查进度" lists the company's open requests; "R1024到哪一步了", a tapped
"查看全部进度" or a number alone shows that request's timeline (only the company's own).
"""

from __future__ import annotations

import re
from typing import Any

from domain import lifecycle
from domain.clock import fmt_local
from domain.dispatch import DispatchPolicy
from domain.identity import Role
from domain.requests import (
    REQUEST_TYPES,
    STATUS_ZH,
    UNCLAIMED,
    URGENCY_ZH,
    EventKind,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
)
from handlers import texts
from handlers.forms import Invalid, register
from handlers.refs import NUMBER_ARG, PhotoForm, photos_of, request_number
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import AFFIRM, DENY, REQUEST_TYPE, URGENCY

router = Router("requests")

CLIENT_ROLES = (Role.CLIENT,)
# The quick-reply list shows the most asked-for types; the numbered text lists them all.
QUICK_TYPES = REQUEST_TYPES[:6]
URGENT_WORDS = frozenset({"urgent", "加急", "急", "紧急", "很急", "着急", "急件", "特急", "要加急"})
NORMAL_WORDS = frozenset(
    {"normal", "普通", "不急", "正常", "一般", "不用加急", "不加急", "不用急", "不着急", "常规"}
)
YES_WORDS = frozenset(
    {
        "yes",
        "确认",
        "确定",
        "是",
        "是的",
        "对",
        "对的",
        "没问题",
        "提交",
        "好",
        "好的",
        "可以",
        "确认提交",
        "ok",
        "OK",
        "嗯",
    }
)
EDIT_WORDS = frozenset({"edit", "修改", "改", "改一下", "不对", "重新填", "重填", "要改"})
# Short, clear requests for something else ("查进度") are not a description: say how to get out.
DIGRESSIONS = frozenset({"check_progress", "contact_accountant", "complain", "help"})
DIGRESSION_MAX_CHARS = 10
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def policy(turn: Turn) -> DispatchPolicy:
    return DispatchPolicy.from_settings(turn.ports.settings)


def type_list() -> str:
    return "\n".join(f"{i}. {name}" for i, name in enumerate(REQUEST_TYPES, 1))


@register
class RaiseRequestForm(PhotoForm):
    name = "raise_request"
    required_slots = ("request_type", "description", "urgency", "confirm")
    slot_entities = {"request_type": REQUEST_TYPE, "urgency": URGENCY}

    async def ask_request_type(self, turn: Turn) -> list[Reply]:
        quick = tuple(QuickReply(f"answer:{t}", t) for t in QUICK_TYPES)
        return [Text(f"请问要办理哪项业务？回复序号或名称：\n{type_list()}", quick)]

    async def ask_description(self, turn: Turn) -> list[Reply]:
        kind = turn.conversation.slots.get("request_type", "")
        return [
            Text(
                f"好的，{kind}。请简单说一下具体要办什么（比如公司名称、变更内容、时间要求），有照片也可以直接发给我。"
            )
        ]

    async def ask_urgency(self, turn: Turn) -> list[Reply]:
        quick = (QuickReply("answer:normal", "普通"), QuickReply("answer:urgent", "加急"))
        return [Text("需要加急吗？请回复“普通”或“加急”。", quick)]

    async def ask_confirm(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        photos = photos_of(turn)
        photo_line = f"\n照片：{len(photos)}张" if photos else ""
        text = (
            "请确认您的业务：\n"
            f"业务类型：{s['request_type']}\n"
            f"紧急程度：{URGENCY_ZH[Urgency(s['urgency'])]}\n"
            f"需求说明：{s['description']}{photo_line}\n"
            "无误请回复“确认”，要修改回复“修改”，不办了回复“取消”。"
        )
        quick = (
            QuickReply("answer:yes", "确认"),
            QuickReply("answer:edit", "修改"),
            QuickReply("cancel", "取消"),
        )
        return [Text(text, quick)]

    async def validate_request_type(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip()
        if raw in REQUEST_TYPES:
            return raw
        digits = raw.rstrip(".、号")
        if digits.isdigit() and 1 <= int(digits) <= len(REQUEST_TYPES):
            return REQUEST_TYPES[int(digits) - 1]
        for name in REQUEST_TYPES:
            if name in raw:
                return name
        raise Invalid(f"抱歉，暂时没有这项业务。请回复 1-{len(REQUEST_TYPES)} 的序号或业务名称。")

    async def validate_description(self, value: Any, turn: Turn) -> str:
        text = str(value).strip()
        if len(_MEANINGFUL.findall(text)) < 2:
            raise Invalid("没太看明白，请用一两句话说说具体要办什么。")
        if len(text) <= DIGRESSION_MAX_CHARS and not turn.message.menu_id:
            parsed = await turn.understand()
            if parsed.intent in DIGRESSIONS and parsed.confidence >= 0.9:
                raise Invalid(
                    "您正在提交新业务。如果想先做别的，请回复“取消”退出，再告诉我您的需要。"
                )
        return text[:500]

    async def validate_urgency(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip().rstrip("。!！")
        if raw in URGENT_WORDS:
            return Urgency.URGENT.value
        if raw in NORMAL_WORDS:
            return Urgency.NORMAL.value
        raise Invalid("请回复“普通”或“加急”。")

    async def validate_confirm(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip().rstrip("。!！")
        if raw in YES_WORDS:
            return "yes"
        if raw in EDIT_WORDS:
            return "edit"
        if turn.message.clean_text and not turn.message.menu_id:
            parsed = await turn.understand()
            if parsed.intent == AFFIRM and parsed.confidence >= 0.6:
                return "yes"
            if parsed.intent == DENY and parsed.confidence >= 0.6:
                return "edit"
        raise Invalid("请回复“确认”提交，“修改”重新填写，或“取消”放弃。")

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        if s.get("confirm") == "edit":
            for slot in ("description", "urgency", "confirm"):
                s.pop(slot, None)
            return [Text("好的，我们重新来。请再说一下具体要办什么：")]
        pol = policy(turn)
        urgency = Urgency(s["urgency"])
        req = await lifecycle.raise_request(
            turn.uow,
            turn.identity,
            s["request_type"],
            s["description"],
            urgency,
            photos_of(turn),
            turn.now,
            pol,
        )
        minutes = int(pol.claim_timeout(urgency).total_seconds() // 60)
        text = (
            f"已提交，谢谢您！单号：{req.number}\n"
            f"我们已通知会计接单，通常{minutes}分钟内会有人跟进（工作时间内）。"
            "接单、每一步进展和办结，都会第一时间在这里告诉您。\n"
            "随时回复“查进度”查看，没人接单前也可以回复“撤销 " + req.number + "”。"
        )
        quick = (QuickReply(f"check_progress:{req.number}", "查进度"),)
        return [Text(text, quick)]


@router.intent(
    "raise_request",
    roles=CLIENT_ROLES,
    refuse="提交业务是客户功能哦。员工请回复“帮助”查看员工功能。",
)
async def raise_request(turn: Turn) -> list[Reply]:
    return await turn.start_form(RaiseRequestForm)


# --- progress ------------------------------------------------------------------------------


def _handler_line(req: ServiceRequest) -> str:
    if req.status in UNCLAIMED:
        return "等待会计接单"
    return f"负责会计：{req.handler_name or '—'}"


def summary_line(i: int, req: ServiceRequest) -> str:
    parts = [f"{i}. {req.title}｜{req.status_zh}"]
    if req.status not in UNCLAIMED:
        parts.append(req.handler_name or "")
    if req.latest_progress:
        parts.append(f"最新：{req.latest_progress}")
    return "｜".join(p for p in parts if p)


EVENT_VERBS = {
    EventKind.RAISED: "提交了业务",
    EventKind.CLAIMED: "接单",
    EventKind.ASSIGNED: "安排办理",
    EventKind.PROGRESS: "进度",
    EventKind.COMPLETED: "办理完成",
    EventKind.RATED: "评价",
    EventKind.CANCELLED: "取消了业务",
    EventKind.ESCALATED: "转管理员",
    EventKind.PUSHED: "推送",
    EventKind.REMINDED: "提醒",
    EventKind.RELEASED: "退回抢单池",
}


def event_line(e: RequestEvent) -> str:
    verb = EVENT_VERBS[e.kind]
    detail = f"：{e.text}" if e.text else ""
    if e.kind is EventKind.ASSIGNED and e.text:
        verb, detail = "", e.text
    photos = f"（{len(e.photos)}张照片）" if e.photos else ""
    return f"{fmt_local(e.at)} {e.actor} {verb}{detail}{photos}".replace("  ", " ")


def timeline_text(req: ServiceRequest, events: list[RequestEvent]) -> str:
    urgent = "（加急）" if req.urgency is Urgency.URGENT else ""
    lines = [
        f"{req.number} {req.type}{urgent}",
        f"状态：{STATUS_ZH[req.status]}｜{_handler_line(req)}",
        *(event_line(e) for e in events),
    ]
    return "\n".join(lines)


async def show_timeline(turn: Turn, number: str) -> list[Reply]:
    req, events = await lifecycle.timeline(turn.uow, turn.identity, number)
    quick: tuple[QuickReply, ...] = ()
    if turn.identity.role is Role.CLIENT:
        if req.status in UNCLAIMED:
            quick = (QuickReply(f"cancel_request:{req.number}", "撤销这个单"),)
        elif req.status is Status.COMPLETED:
            quick = (QuickReply(f"rate_accountant:{req.number}", "去评价"),)
    elif turn.identity.is_staff and req.status in UNCLAIMED:
        quick = (QuickReply(f"claim_task:{req.number}", f"抢单 {req.number}"),)
    return [Text(timeline_text(req, events), quick)]


async def list_open(turn: Turn) -> list[Reply]:
    reqs = list(await lifecycle.requests_in_view(turn.uow, turn.identity))
    if not reqs:
        return [Text("您目前没有在办的业务。需要办理什么，直接告诉我就行。")]
    lines = [summary_line(i, r) for i, r in enumerate(reqs, 1)]
    quick = tuple(QuickReply(f"check_progress:{r.number}", r.number) for r in reqs[:5])
    return [
        Text(
            f"您有{len(reqs)}个业务：\n"
            + "\n".join(lines)
            + "\n回复单号（如 "
            + reqs[0].number
            + "）查看完整进度。",
            quick,
        )
    ]


@router.intent("check_progress", roles=CLIENT_ROLES, refuse=texts.BIND_FIRST)
async def check_progress(turn: Turn) -> list[Reply]:
    """Staff asking for progress are served by `handlers.staff` (their router comes first)."""
    number = await request_number(turn)
    if number is not None:
        return await show_timeline(turn, number)
    return await list_open(turn)


@router.pattern(
    r"(?:查询?一?下?|查看|看看|我的)?\s*"
    + NUMBER_ARG.replace("[Rr]?", "[Rr]")
    + r"\s*(?:的)?(?:进度|到哪一?步了?|怎么样了?|办得怎么样了?|情况|状态)?\s*[？?]?"
)
async def check_by_number(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    return await check_progress(turn)


# --- cancel --------------------------------------------------------------------------------


async def _cancel(turn: Turn) -> list[Reply]:
    if turn.identity.role is not Role.CLIENT:
        if turn.identity.role is Role.STRANGER:
            return [Text(texts.BIND_FIRST)]
        return [Text("撤销业务是客户功能哦。")]
    number = await request_number(turn)
    if number is None:
        return [Text("请告诉我要撤销的单号，例如：撤销 R1024。")]
    req = await lifecycle.cancel_request(turn.uow, turn.identity, number, turn.now)
    return [Text(f"已为您撤销 {req.title}。有需要随时再找我。")]


@router.intent("cancel_request")
async def cancel_request(turn: Turn) -> list[Reply]:
    """A tapped "撤销这个单" (the id carries the number)."""
    return await _cancel(turn)


@router.pattern(r"(?:取消|撤销|撤回|不办了)\s*" + NUMBER_ARG)
async def cancel_by_number(turn: Turn) -> list[Reply]:
    return await _cancel(turn)
