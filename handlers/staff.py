"""Staff work from the chat: claim from the pool, list my tasks, add progress (text and
photos), complete, my monthly stats; admins assign by hand.

Typed commands work whatever the NLU thinks ("抢单 R1024", "进度 R1024 已提交工商局",
"完成 R1024", "分配 R1024 给 王会计"); taps on pushed notices carry the number
(`claim_task:R1024`, `assign_task:R1024:<staff id>`).

```mermaid
stateDiagram-v2
    [*] --> claiming: "抢单 R1024" / tap 抢单
    claiming --> [*]: won (client told who handles it) / refused (who got it, or why)
    [*] --> pool: "抢单" without a number
    pool --> [*]: one waiting: claimed; several: listed with taps; none: said so
    [*] --> progress_note: "进度 R1024" without text
    [*] --> recorded: "进度 R1024 已提交工商局"
    progress_note --> progress_note: photos (attached, ask for the note)
    progress_note --> recorded: the note
    recorded --> [*]: client told (text and photos)
    [*] --> completed: "完成 R1024 [说明]"
    completed --> [*]: client told and asked for a rating
    [*] --> assigned: admin "分配 R1024 给 王会计" / tap 分给王会计
    assigned --> [*]: assignee and client told
```
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from domain import dispatch, lifecycle
from domain.clock import local
from domain.identity import Role
from domain.ratings import Rating
from domain.requests import ServiceRequest, normalise_number
from handlers import texts
from handlers.forms import Invalid, register
from handlers.refs import NUMBER_ARG, PhotoForm, photos_of, request_number
from handlers.replies import Reply, Text
from handlers.requests import policy, show_timeline
from handlers.router import Router
from handlers.turn import Turn

router = Router("staff")

STAFF_ROLES = (Role.STAFF, Role.ADMIN)
STAFF_ONLY = "这是员工功能哦。如需办理业务，直接告诉我您要办什么就行；查看进度请回复“查进度”。"

# (?s): a note may run over several lines; the router compiles `.pattern` without flags.
PROGRESS_RE = re.compile(
    r"(?s)(?:进度|更新进度|进展)\s*[:：]?\s*" + NUMBER_ARG + r"\s*[:：,，]?\s*(.*)"
)
COMPLETE_RE = re.compile(
    r"(?s)(?:完成|办结|已完成|已办结|结单)\s*[:：]?\s*" + NUMBER_ARG + r"\s*[:：,，]?\s*(.*)"
)
ASSIGN_RE = re.compile(
    r"(?:分配|指派|派单|转派)\s*[:：]?\s*" + NUMBER_ARG + r"\s*(?:给|->|→)?\s*(\S+)"
)


def refuse_non_staff(turn: Turn) -> list[Reply] | None:
    if turn.identity.is_staff:
        return None
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    return [Text(STAFF_ONLY)]


def task_line(i: int, r: ServiceRequest) -> str:
    latest = f"｜最新：{r.latest_progress}" if r.latest_progress else ""
    return f"{i}. {r.title}｜{r.company_name}｜{r.status_zh}{latest}"


# --- claim ---------------------------------------------------------------------------------


async def claim_number(turn: Turn, number: str) -> list[Reply]:
    req = await dispatch.claim(turn.uow, turn.identity, number, turn.now, policy(turn))
    return [
        Text(
            f"抢单成功！{req.title}归您了。\n客户：{req.company_name}\n需求：{req.description}\n"
            f"有进展请回复“进度 {req.number} 内容”，办完回复“完成 {req.number}”。"
        )
    ]


async def claim_from_pool(turn: Turn) -> list[Reply]:
    waiting = await dispatch.pool(turn.uow, turn.identity)
    if not waiting:
        return [Text("目前没有待接的单，新业务会第一时间推送给您。")]
    if len(waiting) == 1:
        return await claim_number(turn, waiting[0].number)
    lines = [task_line(i, r) for i, r in enumerate(waiting, 1)]
    quick = tuple(dispatch.claim_button(r.number) for r in waiting[:6])
    return [Text("待接的单：\n" + "\n".join(lines) + "\n点按钮或回复“抢单 单号”接单。", quick)]


@router.intent("claim_task", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def claim_task(turn: Turn) -> list[Reply]:
    number = await request_number(turn)
    if number is None:
        return await claim_from_pool(turn)
    return await claim_number(turn, number)


@router.pattern(r"(?:抢单|接单|认领|我抢|我接)\s*[:：]?\s*" + NUMBER_ARG + r"\s*[!！]*")
async def claim_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await claim_task(turn)


@router.pattern(r"(?:抢单|接单|抢|我要抢单)[!！]*")
async def claim_bare(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await claim_from_pool(turn)


# --- my tasks ------------------------------------------------------------------------------


async def list_my_tasks(turn: Turn) -> list[Reply]:
    mine = await dispatch.my_tasks(turn.uow, turn.identity)
    if not mine:
        return [Text("您手上暂时没有在办的单。回复“抢单”看看有没有待接的。")]
    lines = [task_line(i, r) for i, r in enumerate(mine, 1)]
    return [
        Text(
            f"您有{len(mine)}个在办的单：\n"
            + "\n".join(lines)
            + "\n更新进度：进度 单号 内容；办完：完成 单号。"
        )
    ]


@router.intent("check_progress", roles=STAFF_ROLES)
async def staff_progress(turn: Turn) -> list[Reply]:
    """ "查进度" from staff: one request's timeline by number, else their own open tasks."""
    number = await request_number(turn)
    if number is not None:
        return await show_timeline(turn, number)
    return await list_my_tasks(turn)


@router.intent("my_tasks", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def my_tasks(turn: Turn) -> list[Reply]:
    return await list_my_tasks(turn)


@router.pattern(r"(?:我的任务|我的单|我的待办|任务列表|在办的单)")
async def my_tasks_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await list_my_tasks(turn)


# --- progress ------------------------------------------------------------------------------


@register
class ProgressForm(PhotoForm):
    """ "进度 R1024" without a note: photos may come first, the note ends it."""

    name = "add_progress"
    required_slots = ("note",)
    prompts = {"note": "请发送进度说明（可以先发照片），例如：已提交工商局，预计3个工作日出结果。"}

    async def validate_note(self, value: Any, turn: Turn) -> str:
        text = str(value).strip()
        if not text:
            raise Invalid("进度说明不能为空哦。")
        return text

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        return await record_progress(turn, s["number"], s["note"], photos_of(turn))


async def record_progress(turn: Turn, number: str, note: str, photos: list[str]) -> list[Reply]:
    req = await lifecycle.add_progress(turn.uow, turn.identity, number, note, photos, turn.now)
    extra = f"（含{len(photos)}张照片）" if photos else ""
    return [Text(f"已记录 {req.number} 的进度{extra}，并通知了客户。")]


@router.intent("add_progress", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def add_progress(turn: Turn) -> list[Reply]:
    text = turn.message.clean_text
    m = PROGRESS_RE.fullmatch(text)
    number = normalise_number(m.group(1)) if m else await request_number(turn)
    if number is None:
        return [Text("请带上单号，例如：进度 R1024 已提交工商局。")]
    note = m.group(2).strip() if m else ""
    if not note:
        await lifecycle.held_by(turn.uow, turn.identity, number)  # refuse early, before asking
        return await turn.start_form(ProgressForm, number=number)
    return await record_progress(turn, number, note, [])


@router.pattern(PROGRESS_RE.pattern)
async def progress_typed(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.CLIENT:  # a client asking about a number: show it
        return await show_timeline(turn, normalise_number(turn.arg) or turn.arg)
    return refuse_non_staff(turn) or await add_progress(turn)


# --- complete ------------------------------------------------------------------------------


@router.intent("complete_task", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def complete_task(turn: Turn) -> list[Reply]:
    m = COMPLETE_RE.fullmatch(turn.message.clean_text)
    number = normalise_number(m.group(1)) if m else await request_number(turn)
    if number is None:
        mine = await dispatch.my_tasks(turn.uow, turn.identity)
        if len(mine) != 1:
            return [Text("请带上单号，例如：完成 R1024。")]
        number = mine[0].number
    note = m.group(2).strip() if m else ""
    req = await lifecycle.complete(turn.uow, turn.identity, number, note, turn.now)
    return [Text(f"{req.number} 已办结，辛苦了！已通知客户并邀请评价。")]


@router.pattern(COMPLETE_RE.pattern)
async def complete_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await complete_task(turn)


# --- assign (admins) -----------------------------------------------------------------------


async def assign_to(turn: Turn, number: str, staff_id: int | None, name: str | None) -> list[Reply]:
    if not turn.identity.is_admin:
        return refuse_non_staff(turn) or [Text("分配任务需要管理员权限。")]
    ids = turn.uow.identities
    assignee = None
    if staff_id is not None:
        assignee = await ids.get_staff(staff_id)
    elif name:
        assignee = await ids.staff_by_name(turn.identity.firm.id, name)
    req = await dispatch.assign(turn.uow, turn.identity, number, assignee, turn.now, policy(turn))
    return [Text(f"已把 {req.title} 分配给{req.handler_name}，并通知了对方和客户。")]


@router.intent("assign_task", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def assign_tap(turn: Turn) -> list[Reply]:
    """A tapped "分给王会计" on an escalation: `assign_task:R1024:<staff id>`."""
    number, _, staff = turn.arg.partition(":")
    n = normalise_number(number)
    if n is None or not staff.isdigit():
        return [Text("请回复“分配 单号 给 姓名”，例如：分配 R1024 给 王会计。")]
    return await assign_to(turn, n, int(staff), None)


@router.pattern(ASSIGN_RE.pattern)
async def assign_typed(turn: Turn) -> list[Reply]:
    m = ASSIGN_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    number = normalise_number(m.group(1)) or m.group(1)
    return await assign_to(turn, number, None, m.group(2).strip("。.!！,，"))


# --- stats ---------------------------------------------------------------------------------


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    here = local(now)
    start = here.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def average(ratings: list[Rating], aspect: str) -> str:
    if not ratings:
        return "暂无"
    value = sum(getattr(r, aspect) for r in ratings) / len(ratings)
    return f"{value:.1f}分"


@router.intent("my_stats", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def my_stats(turn: Turn) -> list[Reply]:
    staff = dispatch.staff_of(turn.identity)
    since, until = month_bounds(turn.now)
    uow = turn.uow
    claimed = await uow.requests.count_claimed(staff.id, since, until)
    completed = await uow.requests.count_completed(staff.id, since, until)
    ratings = list(await uow.ratings.for_staff(staff.id, since, until))
    low = sum(1 for r in ratings if r.low)
    complaints = await uow.complaints.count_for_staff(staff.id, since, until)
    text = (
        f"{staff.name}，本月（{since.month}月）：\n"
        f"接单 {claimed} 单，办结 {completed} 单\n"
        f"服务态度 {average(ratings, 'attitude')}，办理速度 {average(ratings, 'speed')}"
        f"（{len(ratings)}条评价）\n"
        f"差评 {low} 条，投诉 {complaints} 条"
    )
    return [Text(text)]


@router.pattern(r"(?:我的统计|我的评价|我的数据|我的业绩|本月统计|统计)")
async def my_stats_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await my_stats(turn)
