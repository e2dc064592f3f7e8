"""My accountant: the client's dedicated accountant's name, phone and working hours, and a
one-tap "请回电" that notifies the accountant.

```mermaid
stateDiagram-v2
    [*] --> shown: "我的会计是谁" / "联系会计"
    shown --> [*]: name, phone, hours + tap 请回电
    [*] --> callback: tap 请回电 / "请回电"
    callback --> [*]: accountant told (once an hour at most)
```
"""

from __future__ import annotations

import re

from domain import handover, lifecycle, people
from domain.actors import actor_of
from domain.dispatch_policy import WorkingHours
from domain.errors import DomainError
from domain.identity import Role, Staff
from domain.requests import OPEN
from handlers import texts
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("accountant")

CALLBACK = QuickReply("request_callback:me", "请会计给我回电")
NO_ACCOUNTANT = "您的专属会计还在安排中。有事可以直接在这里留言，我们会尽快回复您。"


DAY_ZH = "一二三四五六日"


def hours_zh(staff: Staff) -> str:
    """ "周一至周五 09:00-18:00" from the staff member's stored hours (their days, when they
    have their own; the hours alone otherwise)."""
    hours, _, days = staff.working_hours.strip().partition(" ")
    if not days.strip():
        return hours
    h = WorkingHours.of_staff(staff, WorkingHours())
    picked = sorted(h.days)
    if len(picked) > 2 and picked == list(range(picked[0], picked[-1] + 1)):
        named = f"周{DAY_ZH[picked[0] - 1]}至周{DAY_ZH[picked[-1] - 1]}"
    else:
        named = "周" + "、".join(DAY_ZH[d - 1] for d in picked)
    return f"{named} {h.start:%H:%M}-{h.end:%H:%M}"


async def _accountant(turn: Turn) -> Staff | None:
    return await people.my_accountant(turn.uow, actor_of(turn.identity))


# "让王会计有空给我回个电话": a call back asked for in words, not just who the accountant is.
CALLBACK_WORDS = re.compile(r"回(?:个)?电话?|打(?:个)?电话给我|给我打(?:个)?电话|联系我|打给我")


@router.intent("contact_accountant", roles=(Role.CLIENT,), refuse="这是客户功能哦。")
async def contact_accountant(turn: Turn) -> list[Reply]:
    if CALLBACK_WORDS.search(turn.message.clean_text):
        return await _callback(turn)
    staff = await _accountant(turn)
    if staff is None:
        return [Text(NO_ACCOUNTANT)]
    phone = f"\n电话：{staff.phone}" if staff.phone else ""
    return [
        Text(
            f"您的专属会计：{staff.name}{phone}\n工作时间：{hours_zh(staff)}\n"
            "需要会计给您回电话，点下方按钮即可。",
            (CALLBACK,),
        )
    ]


async def _callback(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is not Role.CLIENT:
        return [Text(texts.BIND_FIRST if ident.role is Role.STRANGER else "这是客户功能哦。")]
    said = turn.message.clean_text if turn.message.has_text and not turn.message.menu_id else ""
    words = said if said and CALLBACK_WORDS.search(said) else ""
    staff = await people.request_callback(turn.uow, actor_of(ident), turn.now, words)
    if staff is None:
        return [Text(NO_ACCOUNTANT)]
    return [Text(f"已通知{staff.name}，会尽快给您回电话（工作时间 {hours_zh(staff)}）。")]


@router.intent("request_callback")
async def request_callback(turn: Turn) -> list[Reply]:
    return await _callback(turn)


@router.pattern(
    r"(?:请|麻烦)?(?:让?会计)?(?:给我)?(?:回电话?|回个电话|打电话给我|给我打电话)(?:吧)?[。!！]?"
)
async def callback_typed(turn: Turn) -> list[Reply]:
    return await _callback(turn)


# "我手机号换了，新号137…": a new number for the records, with the words that say so.
PHONE_WORDS = re.compile(r"手机|电话|号码|联系方式")
CHANGED_WORDS = re.compile(r"换|改|变|新号|新的号|新手机|不用了|停用")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


@router.reader()
async def phone_changed(turn: Turn) -> list[Reply] | None:
    """A client's new phone number goes to their accountant, who updates the records; the
    client is told who has it (nothing is changed that a person has not checked)."""
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    m = MOBILE.search(text.replace(" ", "").replace("-", ""))
    if m is None or not PHONE_WORDS.search(text) or not CHANGED_WORDS.search(text):
        return None
    staff = await handover.phone_changed(
        turn.uow, actor_of(turn.identity), m.group(1), text, turn.now
    )
    who = staff.name if staff is not None else "客服同事"
    masked = f"{m.group(1)[:3]}****{m.group(1)[-4:]}"
    return [Text(f"好的，新号码 {masked} 已转告{who}，由{who}为您更新登记，以后就打这个号联系您。")]


# "R1024改成加急可以吗", "R1024再补充一下：…": a submitted request changed in words.
CHANGE_WORDS = re.compile(r"改成|改为|换成|修改|更改|改一下|补充|加急|不急了|加一(?:项|个)")
NUMBERED = re.compile(r"[Rr]\s?(\d{3,})")


@router.reader()
async def change_submitted(turn: Turn) -> list[Reply] | None:
    """A change to a request already submitted goes to the client's accountant in the client's
    own words (a call-back request), who confirms it with them; nothing is changed unseen."""
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    m = NUMBERED.search(text)
    if m is None or not CHANGE_WORDS.search(text):
        return None
    number = f"R{int(m.group(1))}"
    actor = actor_of(turn.identity)
    try:
        req = await lifecycle.visible_request(turn.uow, actor, number)
    except DomainError:
        return None  # not theirs: read as usual (and refused there)
    if req.status not in OPEN:
        return None
    staff = await people.request_callback(turn.uow, actor, turn.now, text, once_an_hour=False)
    if staff is None:
        return [Text(f"{number} 已经提交了，改动需要会计跟您确认。{NO_ACCOUNTANT}")]
    name = staff.name
    return [
        Text(
            f"好的，{number} 已经提交了，您要改的内容我已原话转给{name}，{name}会尽快跟您确认后再改。"
        )
    ]
