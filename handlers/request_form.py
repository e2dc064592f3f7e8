"""Raising a client request: a form that reads the type, urgency and description.

```mermaid
stateDiagram-v2
    [*] --> request_type: "我要办…" (type, urgency and description read from it at once)
    [*] --> confirm: "帮我办个营业执照，新开一家分店要用，不急" (everything said)
    request_type --> description: type from the entity, a number or a name
    request_type --> request_type: not a known type (list again)
    description --> urgency: the description / "没有" (nothing to add)
    description --> [*]: "确认" when type and urgency are known (submitted as it is)
    description --> description: garbage or thanks (answered, asked again)
    urgency --> confirm: 加急 / 普通 / "挺急的" / "不急的"
    confirm --> [*]: 确认 / "好了提交吧" (number R1024, pushed to the staff pool)
    confirm --> confirm: "不对，是社保开户" / "还是加急吧" / "改成明远优选" (new summary)
    confirm --> confirm: "先别提交" (held) / "修改" (which field?)
    confirm --> request_type: "改一下类型" / tap 业务类型
    confirm --> urgency: tap 紧急程度
    confirm --> description: tap 需求说明
    request_type --> [*]: 取消 / idle timeout
    description --> [*]: 取消 / idle timeout
    urgency --> [*]: 取消 / idle timeout
    confirm --> [*]: 取消 / idle timeout
    note right of description: photos sent at any step are attached; corrections of the\n type ("不是注销，是地址迁移") and urgency are read at every step
```

A client writing English that names a business ("we need to register a trademark") starts
the same form on that type. Checking progress and cancelling: `handlers.requests`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from domain import lifecycle
from domain.actors import actor_of
from domain.dispatch_policy import DispatchPolicy
from domain.identity import Role
from domain.requests import MAX_DESCRIPTION, Urgency
from handlers import cues
from handlers.basics import hours_text
from handlers.forms import Invalid, advance, start_form
from handlers.refs import PhotoForm, merge, photos_of
from handlers.replies import QuickReply, Reply, Text
from handlers.request_reading import (
    CORRECTION,
    RequestReading,
    english_type,
    everyday_type,
    read_request,
    replace_in,
    urgency_of,
)
from handlers.request_words import URGENCY_ZH, when_zh
from handlers.router import Router
from handlers.text_safety import inert
from handlers.turn import Turn
from nlu.intents import AFFIRM, REQUEST_TYPE, URGENCY

router = Router("request_form")

CLIENT_ROLES = (Role.CLIENT,)
# The quick-reply list shows the first types of the catalogue; the numbered text lists them all.
QUICK_TYPES = 6
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
EDIT_WORDS = frozenset(
    {"edit", "修改", "改", "改一下", "改下", "不对", "重新填", "重填", "要改", "我要改", "修改一下"}
)
# "改一下类型", "修改紧急程度", "类型": which field the client wants to change.
EDIT_RE = re.compile(
    r"(?:我?要|想|帮我)?(?:修改|改|更改|换)?(?:一下|下)?(?:业务)?(\S{1,4}?)(?:改一下|改下|要改|错了|不对)?"
)
FIELD_WORDS: dict[str, frozenset[str]] = {
    "request_type": frozenset({"类型", "业务", "业务类型", "项目", "种类"}),
    "urgency": frozenset({"紧急程度", "紧急", "急不急"}),
    "description": frozenset({"说明", "描述", "需求", "内容", "需求说明", "备注", "名字", "名称"}),
}
FIELDS = (("request_type", "业务类型"), ("urgency", "紧急程度"), ("description", "需求说明"))
FIELD_PREFIX = "answer:field:"
# At the description step: submit as it is ("确认"), or nothing to add ("没有").
SUBMIT_RE = re.compile(r"^(?:确认|确定|提交|没有了?[，,]?提交)|(?:确认|确定)提交|提交吧")
NOTHING_MORE = frozenset(
    {"没有", "没有了", "没了", "无", "不用", "不需要", "就这些", "就这样", "没有补充"}
)
CONFIRM_QUICK = (
    QuickReply("answer:yes", "确认"),
    QuickReply("answer:edit", "修改"),
    QuickReply("cancel", "取消"),
)
HOLD_ON = "想好了回复“确认”提交；要改哪一项直接告诉我，不办了回复“取消”。"
# The description when the client had nothing to add to the type.
NO_DETAILS = "（无补充说明）"
# Clear requests for something else: never read as a correction at the summary.
ASIDES = frozenset(
    {
        "check_progress",
        "help",
        "contact_accountant",
        "complain",
        "pay_fee",
        "browse_services",
        "view_account",
        "my_tasks",
        "rate_accountant",
        "greet",
        "cancel",
    }
)
# Short, clear requests for something else ("查进度") are not a description: say how to get out.
DIGRESSIONS = frozenset({"check_progress", "contact_accountant", "complain", "help"})
DIGRESSION_MAX_CHARS = 10
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def policy(turn: Turn) -> DispatchPolicy:
    return turn.ports.dispatch


async def offered(turn: Turn) -> tuple[str, ...]:
    """The business types the firm's catalogue offers now (its one source of truth)."""
    return await lifecycle.offered_types(turn.uow, turn.identity.firm.id)


def type_list(types: tuple[str, ...]) -> str:
    return "\n".join(f"{i}. {name}" for i, name in enumerate(types, 1))


@router.form
class RaiseRequestForm(PhotoForm):
    name = "raise_request"
    required_slots = ("request_type", "description", "urgency", "confirm")
    slot_entities = {"request_type": REQUEST_TYPE, "urgency": URGENCY}

    async def ask_request_type(self, turn: Turn) -> list[Reply]:
        types = await offered(turn)
        quick = tuple(QuickReply(f"answer:{t}", t) for t in types[:QUICK_TYPES])
        head = (
            "改成哪项业务？" if "description" in turn.conversation.slots else "请问要办理哪项业务？"
        )
        return [Text(f"{_said(turn)}{head}回复序号或名称：\n{type_list(types)}", quick)]

    async def ask_description(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        kind = s.get("request_type", "")
        if "urgency" in s:
            quick = (QuickReply("answer:yes", "确认提交"), QuickReply("cancel", "取消"))
            return [
                Text(
                    f"{_said(turn)}好的，{kind}（{URGENCY_ZH[Urgency(s['urgency'])]}）。"
                    "请简单说一下具体要办什么（比如公司名称、变更内容、时间要求），有照片也可以直接发给我；"
                    "没有要补充的，回复“确认”直接提交。",
                    quick,
                )
            ]
        return [
            Text(
                f"{_said(turn)}好的，{kind}。请简单说一下具体要办什么（比如公司名称、变更内容、时间要求），"
                "有照片也可以直接发给我；没有要补充的，回复“没有”。"
            )
        ]

    async def ask_urgency(self, turn: Turn) -> list[Reply]:
        kind = turn.conversation.slots.get("request_type", "")
        quick = (QuickReply("answer:normal", "普通"), QuickReply("answer:urgent", "加急"))
        return [Text(f"{_said(turn)}好的，{kind}。需要加急吗？请回复“普通”或“加急”。", quick)]

    async def ask_confirm(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        photos = photos_of(turn)
        photo_line = f"\n照片：{len(photos)}张" if photos else ""
        text = (
            f"{_said(turn)}请确认您的业务：\n"
            f"业务类型：{type_label(s)}\n"
            f"紧急程度：{URGENCY_ZH[Urgency(s['urgency'])]}\n"
            f"需求说明：{inert(s['description'])}{photo_line}\n"
            "无误请回复“确认”，要修改回复“修改”，不办了回复“取消”。"
        )
        return [Text(text, CONFIRM_QUICK)]

    async def extract(self, slot: str, turn: Turn) -> Any:
        """Urgency in the client's words first: "没那么急" is not urgent, whatever "急" says."""
        msg = turn.message
        if slot == "urgency" and msg.clean_text and not msg.menu_id:
            said = urgency_of(msg.clean_text)
            if said is not None:
                return said
        return await super().extract(slot, turn)

    async def prefill(self, turn: Turn) -> None:
        """The first message's description, and its type when it names two ("不是注销，是迁移")."""
        s = turn.conversation.slots
        if turn.message.menu_id:
            return  # a tapped label ("接着办税务登记") says nothing more
        reading = await read_request(turn)
        if reading.type is not None and s.get("request_type") in (None, *reading.negated):
            _set_type(s, reading)
        elif reading.subtype and reading.type == s.get("request_type"):
            s[KIND_WORDS] = reading.subtype
        said = urgency_of(turn.message.clean_text)
        if reading.urgency is not None and ("urgency" not in s or said is not None):
            # The client's own words over the entity: "普通办理就好，不用加急" has "加急" in it.
            s["urgency"] = said or reading.urgency
        if reading.details and "description" not in s and "request_type" in s:
            s["description"] = reading.details[:MAX_DESCRIPTION]
        if reading.others and not reading.correction:
            s["also"] = list(reading.others)  # "执照和税务登记": one form each, offered after

    async def interject(self, slot: str, turn: Turn) -> list[Reply] | None:
        msg, s = turn.message, turn.conversation.slots
        if msg.menu_id == "answer:edit":
            return self._field_menu(turn)
        if msg.menu_id.startswith(FIELD_PREFIX):
            return await self._reopen(turn, msg.menu_id[len(FIELD_PREFIX) :])
        text = msg.clean_text
        if msg.menu_id or not text or not msg.has_text:
            return None
        if cues.is_thanks(text):
            return merge("不客气😊", await self.ask(slot, turn))
        if cues.asks_hours(text) and len(text) <= 40:
            # "对了，你们周末有人上班吗？": answered, and the form goes on where it was.
            return merge(hours_text(turn), await self.ask(slot, turn))
        submit = SUBMIT_RE.search(text) is not None and not cues.negates("submit", text)
        if slot == "description" and (submit or cues.trim(text) in NOTHING_MORE):
            s["description"] = NO_DETAILS
            if "urgency" in s and submit:
                s["confirm"] = "yes"  # the prompt offered "确认" to submit as it is
                return await advance(self, turn)
            return await self._next(turn)
        if slot != "confirm" and cues.is_small_talk(text):
            return await self.ask(slot, turn)
        field = edit_field(text)
        if field == "menu":
            return self._field_menu(turn)
        if field is not None:
            return await self._reopen(turn, field)
        reading = await read_request(turn)
        if slot == "request_type":
            if reading.type is None:
                if reading.urgency is not None and urgency_of(text) is not None:
                    # "不急" before the type is known: kept, and the type asked again.
                    s["urgency"] = reading.urgency
                    s["_said"] = f"紧急程度记为{URGENCY_ZH[Urgency(reading.urgency)]}"
                    return await self.ask(slot, turn)
                return None  # a number or a name from the list: the usual answer
            _set_type(s, reading)
            if reading.details and "description" not in s:
                s["description"] = reading.details[:MAX_DESCRIPTION]
            if reading.urgency is not None and "urgency" not in s:
                s["urgency"] = reading.urgency
            return await self._next(turn)
        said: list[str] = []
        new_type = reading.type is not None and reading.type != s.get("request_type")
        retyped = new_type and (reading.correction or not reading.details)
        if retyped:
            _set_type(s, reading)
            said.append(f"业务类型改为{reading.type}")
            if reading.details and slot != "description":
                s["description"] = reading.details[:MAX_DESCRIPTION]
        if reading.urgency is not None and reading.urgency != s.get("urgency"):
            if "urgency" in s:
                said.append(f"紧急程度改为{URGENCY_ZH[Urgency(reading.urgency)]}")
            s["urgency"] = reading.urgency
        if slot == "description" and not reading.details and reading.urgency is not None:
            # "急急急" answers how urgent, not what to do: kept, and the question asked again.
            s["urgency"] = reading.urgency
            return await self.ask(slot, turn)
        if slot == "description" and reading.details:
            if not said:
                return None  # the whole message is the description, as typed
            s["description"] = reading.details[:MAX_DESCRIPTION]
        elif (
            slot == "confirm"
            and not said
            and not reading.correction
            and cues.negates("submit", text)
        ):
            return [Text(f"好的，先不提交。{HOLD_ON}", CONFIRM_QUICK)]
        elif slot == "confirm" and not said and not cues.is_yes(text):
            changed = await self._correct_description(turn, reading.details)
            if changed is None:
                return None
            said.append(changed)
        elif slot == "urgency" and reading.details and "description" in s:
            # "挺急的。不是法人变更，是股权变更": the answer, and a word on the work itself.
            if reading.correction:
                s["description"] = reading.details[:MAX_DESCRIPTION]
                said.append("需求说明已更新")
            else:
                s["description"] = _supplement(s["description"], reading.details)
                said.append("已补充到需求说明")
        elif slot in ("urgency", "confirm") and reading.details and said and not retyped:
            # "还是加急吧，下周客户就要票": the reason joins the description; "开户行改为建设银行；
            # 另外比较急" corrects it.
            current = str(s.get("description") or "")
            replaced = replace_in(current, turn.message.clean_text)
            if replaced is not None:
                s["description"] = replaced[:MAX_DESCRIPTION]
                said.append("需求说明已更正")
            else:
                s["description"] = _supplement(current, reading.details)
        if not said:
            return None
        s.pop("confirm", None)
        s["_said"] = "，".join(x for x in said if x)
        return await self._next(turn)

    async def _correct_description(self, turn: Turn, details: str) -> str | None:
        """A message at the summary that is no yes and changes no type or urgency: a
        correction or a supplement of the description; None when it is neither."""
        s = turn.conversation.slots
        text = turn.message.clean_text
        current = str(s.get("description") or "")
        replaced = replace_in(current, text) if current != NO_DETAILS else None
        if replaced is not None:
            s["description"] = replaced[:MAX_DESCRIPTION]
            return "需求说明已更正"
        if not details:
            return None
        parsed = await turn.understand()
        if parsed.intent in ASIDES and parsed.confidence >= 0.7:
            return None
        if CORRECTION.search(text) or current == NO_DETAILS:
            s["description"] = details[:MAX_DESCRIPTION]
            return "需求说明已更新"
        s["description"] = _supplement(current, details)
        return "已补充到需求说明"

    async def _next(self, turn: Turn) -> list[Reply]:
        conv = turn.conversation
        slot = self.next_slot(conv.slots)
        assert slot is not None  # `confirm` is never filled here
        conv.requested_slot = slot
        return await self.ask(slot, turn)

    def _field_menu(self, turn: Turn) -> list[Reply]:
        turn.conversation.slots.pop("confirm", None)
        quick = tuple(QuickReply(f"{FIELD_PREFIX}{slot}", label) for slot, label in FIELDS)
        return [Text("要改哪一项？点下面的选项，或直接说新的内容（比如“改成加急”）。", quick)]

    async def _reopen(self, turn: Turn, field: str) -> list[Reply]:
        s = turn.conversation.slots
        if field not in dict(FIELDS):
            return self._field_menu(turn)
        s.pop("confirm", None)
        if field == "request_type":
            s.pop("request_type", None)
            s.pop(KIND_WORDS, None)
        elif field == "urgency":
            s.pop("urgency", None)
        else:
            s.pop("description", None)
        turn.conversation.requested_slot = field
        if field == "description":
            kind = s.get("request_type", "")
            return [Text(f"好的，请把{kind}的需求说明重新说一下：")]
        return await self.ask(field, turn)

    async def validate_request_type(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip()
        types = await offered(turn)
        if raw in types:
            return raw
        digits = raw.rstrip(".、号")
        if digits.isdigit() and 1 <= int(digits) <= len(types):
            return types[int(digits) - 1]
        for name in sorted(types, key=len, reverse=True):
            if name in raw:
                return name
        named = everyday_type(raw) or english_type(raw)
        if named is not None and named in types:
            return named
        raise Invalid(f"抱歉，暂时没有这项业务。请回复 1-{len(types)} 的序号或业务名称。")

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
        return text[:MAX_DESCRIPTION]

    async def validate_urgency(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip().rstrip("。!！")
        if raw in URGENT_WORDS:
            return Urgency.URGENT.value
        if raw in NORMAL_WORDS:
            return Urgency.NORMAL.value
        read = urgency_of(raw)
        if read is not None:
            return read
        raise Invalid("请回复“普通”或“加急”。")

    async def validate_confirm(self, value: Any, turn: Turn) -> str:
        raw = str(value).strip().rstrip("。!！")
        if raw in YES_WORDS or (not turn.message.menu_id and cues.is_yes(raw)):
            return "yes"
        if raw in EDIT_WORDS:
            return "edit"
        if turn.message.clean_text and not turn.message.menu_id:
            parsed = await turn.understand()
            if (
                parsed.intent == AFFIRM
                and parsed.confidence >= 0.6
                and not cues.negates("submit", raw)
            ):
                return "yes"
        raise Invalid("请回复“确认”提交，“修改”更改内容，或“取消”放弃。")

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        if s.get("confirm") == "edit":
            return self._field_menu(turn)
        pol = policy(turn)
        urgency = Urgency(s["urgency"])
        req = await lifecycle.raise_request(
            turn.uow,
            actor_of(turn.identity),
            s["request_type"],
            s["description"],
            urgency,
            photos_of(turn),
            turn.now,
            pol,
        )
        text = (
            f"已提交，谢谢您！单号：{req.number} {type_label(s)}\n"
            f"{follow_up_line(pol, urgency, turn.now)}"
            "接单、每一步进展和办结，都会第一时间在这里告诉您。\n"
            "随时回复“查进度”查看，没人接单前也可以回复“撤销 " + req.number + "”。"
        )
        quick: tuple[QuickReply, ...] = (QuickReply(f"check_progress:{req.number}", "查进度"),)
        types = await offered(turn)
        also = [t for t in s.get("also") or [] if t in types and t != req.type]
        if also:
            text += f"\n您还提到了{also[0]}，要接着办吗？"
            quick = (QuickReply(f"raise_request:{also[0]}", f"接着办{also[0]}"), *quick)
        return [Text(text, quick)]


KIND_WORDS = "_kind_words"


def _set_type(s: dict[str, Any], reading: RequestReading) -> None:
    """The type read from the client's words, with their narrower words for it ("换法人")."""
    s["request_type"] = reading.type
    if reading.subtype:
        s[KIND_WORDS] = reading.subtype
    else:
        s.pop(KIND_WORDS, None)


def type_label(s: dict[str, Any]) -> str:
    """ "工商变更（换法人）": the type, and the client's own words for it when narrower."""
    words = str(s.get(KIND_WORDS) or "")
    return f"{s['request_type']}（{words}）" if words else str(s["request_type"])


def _said(turn: Turn) -> str:
    """What the last message changed, said once at the top of the next question."""
    said = str(turn.conversation.slots.pop("_said", "") or "")
    return f"好的，{said}。\n" if said else ""


def _supplement(current: str, more: str) -> str:
    if not current or current == NO_DETAILS:
        return more[:MAX_DESCRIPTION]
    if more in current:
        return current
    return f"{current}；{more}"[:MAX_DESCRIPTION]


def edit_field(text: str) -> str | None:
    """ "修改" -> "menu"; "改一下类型" -> "request_type"; None: no request to edit."""
    t = cues.trim(text)
    if t in EDIT_WORDS:
        return "menu"
    m = EDIT_RE.fullmatch(t)
    if m is None:
        return None
    word = m.group(1)
    for slot, words in FIELD_WORDS.items():
        if word in words:
            return slot
    return None


def follow_up_line(pol: DispatchPolicy, urgency: Urgency, now: datetime) -> str:
    """When someone will follow up: minutes in working hours, the next opening outside them."""
    if pol.hours.is_open(now):
        minutes = int(pol.claim_timeout(urgency).total_seconds() // 60)
        return f"我们已通知会计接单，通常{minutes}分钟内会有人跟进。"
    return f"现在是下班时间，会计{when_zh(pol.hours.next_open(now), now)}上班后会尽快跟进。"


@router.intent(
    "raise_request",
    roles=CLIENT_ROLES,
    refuse="提交业务是客户功能哦。员工请回复“帮助”查看员工功能。",
)
async def raise_request(turn: Turn) -> list[Reply]:
    # A tap on "接着办税务登记" names the type.
    kind = turn.arg if turn.arg in await offered(turn) else None
    return await start_form(turn, RaiseRequestForm, request_type=kind)


# --- English ------------------------------------------------------------------------------


ENGLISH_QUESTION = re.compile(
    r"\b(?:how much|how long|price|prices|cost|costs|fees?|what|when|which|whether)\b", re.I
)
ENGLISH_NOTE = (
    "We work in Chinese, but we've got your request (我们用中文服务，已按您说的业务为您填好)："
)


@router.reader()
async def english_request(turn: Turn) -> list[Reply] | None:
    """A client's English that names a business ("we need to register a trademark"): the
    form starts on that type, with a short bilingual note, instead of "please write Chinese"."""
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    if not cues.is_english(msg.clean_text) or english_type(msg.clean_text) is None:
        return None
    if ENGLISH_QUESTION.search(msg.clean_text):
        return None  # "how much is bookkeeping?": a question about it, answered as one
    turn.intent = "raise_request"
    return merge(ENGLISH_NOTE, await start_form(turn, RaiseRequestForm))
