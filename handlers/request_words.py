"""How the chat names requests: statuses, urgency, a request's title, its latest word and its
timeline's entries, and the one-tap buttons that act on one. The conversation uses these, and so do the outbox's renderers
(`bot.outbox.render`), so a request reads the same in a reply and in a notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from domain.clock import local
from domain.notices import QuickReply
from domain.request_names import STATUS_NAMES, URGENCY_NAMES
from domain.requests import FINISHED, EventKind, RequestEvent, Status, Urgency
from handlers.rating_words import rating_summary

# Shared with the admin panel (which may not import handlers): `domain.request_names`.
STATUS_ZH: Mapping[Status, str] = STATUS_NAMES
URGENCY_ZH: Mapping[Urgency, str] = URGENCY_NAMES
_WEEKDAYS_ZH = "一二三四五六日"


def when_zh(at: datetime, now: datetime) -> str:
    """A coming moment the way people say it, in Beijing time: "今天14:00", "明天09:00",
    "周一09:00" (within a week), else "03-18 09:00"."""
    here, today = local(at), local(now).date()
    days = (here.date() - today).days
    clock = here.strftime("%H:%M")
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天{clock}"
    if days == 2:
        return f"后天{clock}"
    if 0 < days < 7:
        return f"周{_WEEKDAYS_ZH[here.weekday()]}{clock}"
    return here.strftime("%m-%d %H:%M")


class Titled(Protocol):
    """A request or a notice's reference to one."""

    @property
    def number(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def urgency(self) -> Urgency: ...


def title(req: Titled) -> str:
    """ "R1024 营业执照", or "R1024【加急】营业执照" when it is urgent."""
    if req.urgency is Urgency.URGENT:
        return f"{req.number}【加急】{req.type}"
    return f"{req.number} {req.type}"


def claim_button(number: str) -> QuickReply:
    return QuickReply(f"claim_task:{number}", f"抢单 {number}")


def assign_button(number: str, staff_id: int, name: str) -> QuickReply:
    return QuickReply(f"assign_task:{number}:{staff_id}", f"分给{name}")


class Progressing(Protocol):
    @property
    def status(self) -> Status: ...
    @property
    def latest_progress(self) -> str: ...
    @property
    def first_progress_at(self) -> datetime | None: ...


def latest_note(req: Progressing) -> str:
    """The latest word on a request: its latest progress note, "已办结" once it is done
    without one, "[图片]" when the latest progress was photos alone (empty: none yet)."""
    if req.latest_progress:
        return req.latest_progress
    if req.status in FINISHED:
        return "已办结"
    return "[图片]" if req.first_progress_at is not None else ""


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
SYSTEM_ZH = "系统"


def event_detail(e: RequestEvent) -> str:
    """What an event says besides its verb: the system's steps worded from their facts, a
    rating from its scores, anyone's own words as they typed them. Events recorded before
    events had facts carry their wording in their text."""
    f = e.facts
    if not f:
        return e.text
    if e.kind is EventKind.PUSHED:
        return "再次推送"
    if e.kind is EventKind.ESCALATED:
        return "超时无人接单，已转管理员指派"
    if e.kind is EventKind.REMINDED:
        return f"提醒{f['handler']}更新进度"
    if e.kind is EventKind.RELEASED:
        return f"{f['handler']}超时未更新进度，已退回抢单池"
    if e.kind is EventKind.ASSIGNED:
        return f"指派给{f['assignee']}"
    if e.kind is EventKind.RATED:
        changed = "修改评价：" if f.get("changed") else ""
        return changed + rating_summary(int(f["attitude"]), int(f["speed"]), e.text)
    return e.text
