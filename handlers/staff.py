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
    [*] --> completed: "完成 R1024 [说明]" / "R1024 搞定了"
    [*] --> confirming: "完成" with one task in hand ("确认办结 R1024？" + tap)
    [*] --> picking: "完成" with several ("办结哪一单？" + a tap per task)
    confirming --> completed: tap / "对" / "确认"
    picking --> completed: tap / "R1024" / "第二个" / "执照那单"
    confirming --> [*]: "先不" / anything else
    [*] --> [*]: negated or hedged ("还没弄完", "明天应该能完成"): nothing happens
    completed --> [*]: client told and asked for a rating
    [*] --> assigned: admin "分配 R1024 给 王会计" / "R1024 交给李会计吧" / tap 分给王会计
    assigned --> [*]: assignee and client told
```
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from domain import dispatch, lifecycle, stats
from domain.actors import actor_of
from domain.clock import local
from domain.identity import Role
from domain.requests import ServiceRequest, normalise_number
from handlers import cues, expect, texts
from handlers.forms import Invalid, start_form
from handlers.refs import NUMBER_ARG, PhotoForm, photos_of, request_number
from handlers.replies import QuickReply, Reply, Text
from handlers.request_form import policy
from handlers.request_words import STATUS_ZH, claim_button, latest_note, title
from handlers.requests import show_timeline
from handlers.router import Router
from handlers.text_safety import inert
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE

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
    note = latest_note(r)
    latest = f"｜最新：{inert(note)}" if note else ""
    return f"{i}. {title(r)}｜{r.company_name}｜{STATUS_ZH[r.status]}{latest}"


# --- claim ---------------------------------------------------------------------------------


def photos_line(req: ServiceRequest) -> str:
    return f"附件：客户附了{len(req.photos)}张照片，已发给您。\n" if req.photos else ""


async def claim_number(turn: Turn, number: str) -> list[Reply]:
    req = await dispatch.claim(turn.uow, actor_of(turn.identity), number, turn.now, policy(turn))
    return [
        Text(
            f"抢单成功！{title(req)}归您了。\n客户：{req.company_name}\n"
            f"需求：{inert(req.description)}\n{photos_line(req)}"
            f"有进展请回复“进度 {req.number} 内容”，办完回复“完成 {req.number}”。"
        )
    ]


async def claim_from_pool(turn: Turn) -> list[Reply]:
    waiting = await dispatch.pool(turn.uow, actor_of(turn.identity))
    if not waiting:
        return [Text("目前没有待接的单，新业务会第一时间推送给您。")]
    if len(waiting) == 1:
        return await claim_number(turn, waiting[0].number)
    return pool_list(waiting)


def pool_list(waiting: list[ServiceRequest]) -> list[Reply]:
    if not waiting:
        return [Text("目前没有待接的单，新业务会第一时间推送给您。")]
    lines = [task_line(i, r) for i, r in enumerate(waiting, 1)]
    quick = tuple(claim_button(r.number) for r in waiting[:6])
    return [Text("待接的单：\n" + "\n".join(lines) + "\n点按钮或回复“抢单 单号”接单。", quick)]


@router.intent("claim_task", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def claim_task(turn: Turn) -> list[Reply]:
    if not turn.arg and cues.negates("claim", turn.message.clean_text):
        return [Text("好的，这单先不接。")]
    number = await request_number(turn)
    if number is None:
        return await claim_from_pool(turn)
    return await claim_number(turn, number)


@router.pattern(r"(?:抢单|接单|认领|我抢|我接)\s*[:：]?\s*" + NUMBER_ARG + r"\s*[!！]*")
async def claim_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await claim_task(turn)


# The same in English: "grab R1024", "claim 1024 please".
@router.pattern(
    r"(?i)(?:grab|claim|take)\s*(?:it|task|request)?\s*[:：]?\s*"
    + NUMBER_ARG
    + r"(?:\s*pl(?:ea)?se?)?\s*[!！.]*"
)
async def claim_in_english(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await claim_task(turn)


@router.pattern(r"(?:抢单|接单|抢|我要抢单)[!！]*")
async def claim_bare(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await claim_from_pool(turn)


# "今天有啥新单", "有哪些单没人接": a question about the pool lists it and claims nothing.
POOL_QUESTION = re.compile(
    r"(?:新单|新的单|新业务|待接|没人接|没人抢|可以抢|能抢|可接|有单|有没有单|哪些单|什么单|啥单)"
)
_ASKING = re.compile(r"[吗么呢？?]|有啥|有什么|哪些|有没有|看看|多少|几")


@router.reader()
async def pool_question(turn: Turn) -> list[Reply] | None:
    msg = turn.message
    if not turn.identity.is_staff or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    if not POOL_QUESTION.search(text) or not _ASKING.search(text) or request_number_in(text):
        return None
    return pool_list(await dispatch.pool(turn.uow, actor_of(turn.identity)))


def request_number_in(text: str) -> bool:
    return re.search(r"[Rr]\s?\d{3,}", text) is not None


# --- my tasks ------------------------------------------------------------------------------


async def list_my_tasks(turn: Turn) -> list[Reply]:
    mine = await dispatch.my_tasks(turn.uow, actor_of(turn.identity))
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


@router.form
class ProgressForm(PhotoForm):
    """ "进度 R1024" without a note: photos may come first, the note ends it. When the staff
    member's own words might be the note ("R1024 税务已经清税完成" read as progress), they are
    offered back first: "是" sends them, anything else is the note."""

    name = "add_progress"
    required_slots = ("note",)
    prompts = {"note": "请发送进度说明（可以先发照片），例如：已提交工商局，预计3个工作日出结果。"}

    async def ask_note(self, turn: Turn) -> list[Reply]:
        draft = str(turn.conversation.slots.get("draft") or "")
        if not draft:
            return [Text(self.prompts["note"])]
        number = turn.conversation.slots["number"]
        quick = (QuickReply("answer:yes", "发给客户"), QuickReply("cancel", "不用"))
        return [
            Text(
                f"要把这句作为 {number} 的进度发给客户吗？\n“{inert(draft)}”\n"
                "回复“是”发送；也可以直接发一句新的进度说明。",
                quick,
            )
        ]

    async def interject(self, slot: str, turn: Turn) -> list[Reply] | None:
        """ "完成了" while a note is awaited means done, not a note saying "完成了"."""
        msg = turn.message
        if not msg.has_text or msg.menu_id or not msg.clean_text:
            return None
        parsed = await turn.understand()
        if parsed.intent != "complete_task" or parsed.confidence < 0.8:
            if parsed.intent in STAFF_ASIDES and parsed.confidence >= 0.9:
                number = turn.conversation.slots["number"]
                return [Text(f"您正在给 {number} 写进度说明；要做别的，请先回复“取消”。")]
            return None
        turn.conversation.clear()
        return await complete_task(turn)

    async def validate_note(self, value: Any, turn: Turn) -> str:
        text = str(value).strip()
        draft = str(turn.conversation.slots.get("draft") or "")
        if draft and (text == "yes" or cues.is_yes(text)):
            return draft
        if not text:
            raise Invalid("进度说明不能为空哦。")
        return text

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        return await record_progress(turn, s["number"], s["note"], photos_of(turn))


STAFF_ASIDES = frozenset({"my_tasks", "my_stats", "claim_task", "help"})
# What is left of "R1024 进度：税务已经清税完成" once the number and the word for progress go.
_NOTE_NOISE = re.compile(r"#?\s?[Rr]\s?\d{3,}|^(?:进度|更新进度|进展)\s*[:：]?|^[\s,，:：]+")


def draft_note(text: str) -> str:
    note = _NOTE_NOISE.sub("", text).strip()
    note = _NOTE_NOISE.sub("", note).strip()
    return note if cues.meaningful(note) >= 2 else ""


async def record_progress(turn: Turn, number: str, note: str, photos: list[str]) -> list[Reply]:
    req = await lifecycle.add_progress(
        turn.uow, actor_of(turn.identity), number, note, photos, turn.now
    )
    extra = f"（含{len(photos)}张照片）" if photos else ""
    return [Text(f"已记录 {req.number} 的进度{extra}，并通知了客户。")]


@router.intent("add_progress", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def add_progress(turn: Turn) -> list[Reply]:
    text = turn.message.clean_text
    m = PROGRESS_RE.fullmatch(text)
    if m is None and cues.says_done(text):
        # "R1024材料已递交并受理了，这单完成": the report ends with the work done.
        return await complete_task(turn)
    number = normalise_number(m.group(1)) if m else await request_number(turn)
    if number is None:
        # "陈女士那个执照，材料今天交到工商局了": the one task in hand these words name.
        named, mine = await in_hand_named(turn)
        note = draft_note(text)
        if len(named) == 1 and cues.meaningful(note) >= 6:
            return await record_progress(turn, named[0].number, note, [])
        if len(mine) == 1 and note:
            # Words that name nothing ("还没弄完，材料还差一份"): offered back before the
            # client sees them, as with a number.
            return await start_form(turn, ProgressForm, number=mine[0].number, draft=note)
        return [Text("请带上单号，例如：进度 R1024 已提交工商局。")]
    note = m.group(2).strip() if m else ""
    if not note:
        # refuse early, before asking
        await lifecycle.held_by(turn.uow, actor_of(turn.identity), number)
        draft = "" if m else draft_note(text)
        return await start_form(turn, ProgressForm, number=number, draft=draft or None)
    return await record_progress(turn, number, note, [])


@router.pattern(PROGRESS_RE.pattern)
async def progress_typed(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.CLIENT:  # a client asking about a number: show it
        return await show_timeline(turn, normalise_number(turn.arg) or turn.arg)
    return refuse_non_staff(turn) or await add_progress(turn)


# Words in a company's name that name no company in particular.
_COMMON_NAME = re.compile(
    r"有限|责任|公司|股份|集团|管理|科技|贸易|餐饮|服务|北京|上海|杭州|深圳|广州"
)


async def in_hand_named(turn: Turn) -> tuple[list[ServiceRequest], list[ServiceRequest]]:
    """The staff member's tasks in hand that the message names in words, by business type
    ("那个执照") or a word of the client company's name; and all their tasks in hand."""
    mine = await dispatch.my_tasks(turn.uow, actor_of(turn.identity))
    text = turn.message.clean_text
    kind = await turn.entity(REQUEST_TYPE) if text else None

    def named(r: ServiceRequest) -> bool:
        if kind is not None and r.type == kind:
            return True
        words = r.type + _COMMON_NAME.sub("", r.company_name or "")
        return any(words[i : i + 2] in text for i in range(len(words) - 1))

    return [r for r in mine if named(r)], list(mine)


# --- complete ------------------------------------------------------------------------------


# A note that takes the completion back: "完成 R1024 不了", "完成 R1024？".
HEDGED_NOTE = re.compile(r"^(?:不|没|还没|了吗|吗|么)|[？?]\s*$|[吗么]\s*$")
NOT_YET = "好的，先不办结。有进展要告诉客户的话，回复“进度 单号 内容”就行。"


@router.intent("complete_task", roles=STAFF_ROLES, refuse=STAFF_ONLY)
@expect.action("complete_task")
async def complete_task(turn: Turn) -> list[Reply]:
    """Done needs a number: typed, tapped, or picked from the question this asks. The only
    task in hand is offered with a confirmation tap; a negated or hedged message ("还没弄完",
    "明天应该能完成") completes nothing."""
    text = turn.message.clean_text
    m = COMPLETE_RE.fullmatch(text)
    if m is not None and HEDGED_NOTE.search(m.group(2).strip()):
        return [Text(NOT_YET)]
    if m is None and not turn.arg and cues.negates("complete", text):
        return [Text(NOT_YET)]
    number = normalise_number(m.group(1)) if m else await request_number(turn)
    if number is None:
        mine = await dispatch.my_tasks(turn.uow, actor_of(turn.identity))
        if not mine:
            return [Text("您手上没有在办的单。回复“我的任务”看看，或“抢单”接新单。")]
        if len(mine) == 1:
            req = mine[0]
            return expect.confirm(
                turn,
                "complete_task",
                req.number,
                f"确认办结 {title(req)}（{req.company_name}）吗？办结后会通知客户并邀请评价。",
                "确认办结",
                "好的，先不办结。",
            )
        options = [(r.number, f"{title(r)}｜{r.company_name}") for r in mine]
        lines = "\n".join(f"{i}. {label}" for i, (_, label) in enumerate(options, 1))
        return expect.pick(
            turn, "complete_task", options, f"您手上有{len(mine)}单，办结哪一单？\n{lines}"
        )
    note = m.group(2).strip() if m else ""
    req = await lifecycle.complete(turn.uow, actor_of(turn.identity), number, note, turn.now)
    return [Text(f"{req.number} 已办结，辛苦了！已通知客户并邀请评价。")]


@router.pattern(COMPLETE_RE.pattern)
async def complete_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await complete_task(turn)


# "R1024 done", "done with R1024", "R1024 finished!": a number and the word for done.
@router.pattern(
    r"(?i)(?:(?:done|finished|completed?)\s*(?:with)?\s*" + NUMBER_ARG + r"|"
    r"#?\s?([Rr]?\s?\d{3,})\s*(?:is\s*)?(?:done|finished|completed))\s*[!！.]*"
)
async def complete_in_english(turn: Turn) -> list[Reply] | None:
    if turn.identity.role is Role.CLIENT:
        return None
    m = re.search(r"[Rr]?\s?\d{3,}", turn.message.clean_text)
    assert m is not None
    turn.arg = normalise_number(m.group(0)) or ""
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
    actor = actor_of(turn.identity)
    req = await dispatch.assign(turn.uow, actor, number, assignee, turn.now, policy(turn))
    return [Text(f"已把 {title(req)} 分配给{req.handler_name}，并通知了对方和客户。")]


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


# "R1024 交给李会计吧", "R1024让王会计跟一下": an admin's everyday way of assigning.
# "R1024 交给李会计吧", "把1024派给王会计", "先别把R1024分给王会计，等等看".
HAND_OVER_RE = re.compile(
    r"(?:先别|别|不要|先不|暂时不|麻烦|请|帮我)?\s*(?:把|将)?\s*"
    + NUMBER_ARG
    + r"\s*(?:这单|这个单?|号单?)?\s*[,，]?\s*(?:先别|别|不要|先不|暂时不|就|先|麻烦)?"
    r"(?:交给|转给|派给|分给|分配给|指派给|安排给|给|让|请|由)\s*"
    r"([\u4e00-\u9fa5A-Za-z]{1,6}?)\s*(?:来|去)?(?:办理?|跟进?|处理|负责|接手?|弄|做|搞|看)?"
    r"(?:一下|下)?\s*(?:吧|呗|哈|啊|哦)?(?:[，,；;]\s*[^，,。]{1,12})?[。.!！]*"
)


@router.pattern(HAND_OVER_RE.pattern)
async def hand_over(turn: Turn) -> list[Reply] | None:
    """Only an admin assigns this way; anyone else saying it is read by the NLU as usual."""
    if not turn.identity.is_admin:
        return None
    m = HAND_OVER_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    if cues.negates("assign", turn.message.clean_text):
        return [Text("好的，先不分配。")]
    number = normalise_number(m.group(1)) or m.group(1)
    name = m.group(2)
    staff = None
    for candidate in (name, f"{name}会计", name.removeprefix("小").removeprefix("老")):
        staff = await turn.uow.identities.staff_by_name(turn.identity.firm.id, candidate)
        if staff is not None:
            break
    if staff is None:
        return [Text(f"没有找到叫“{name}”的在职员工，请核对姓名，例如：{number} 交给王会计。")]
    return await assign_to(turn, number, staff.id, None)


# "R1024 李会计": an admin naming a request and a colleague, nothing else, hands it over.
NUMBER_AND_NAME_RE = re.compile(NUMBER_ARG + r"\s*[,，:：]?\s*([\u4e00-\u9fa5]{2,5})\s*[。.!！]*")


@router.pattern(NUMBER_AND_NAME_RE.pattern)
async def number_and_name(turn: Turn) -> list[Reply] | None:
    """Only when the words are an active colleague's name; anything else reads on."""
    if not turn.identity.is_admin:
        return None
    m = NUMBER_AND_NAME_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    staff = await turn.uow.identities.staff_by_name(turn.identity.firm.id, m.group(2))
    if staff is None or not staff.active:
        return None
    number = normalise_number(m.group(1)) or m.group(1)
    return await assign_to(turn, number, staff.id, None)


# --- stats ---------------------------------------------------------------------------------


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    here = local(now)
    start = here.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def average(value: float | None) -> str:
    return "暂无" if value is None else f"{value:.1f}分"


@router.intent("my_stats", roles=STAFF_ROLES, refuse=STAFF_ONLY)
async def my_stats(turn: Turn) -> list[Reply]:
    since, until = month_bounds(turn.now)
    f = await stats.staff_figures(turn.uow, actor_of(turn.identity), since, until)
    text = (
        f"{f.name}，本月（{since.month}月）：\n"
        f"接单 {f.claimed} 单，办结 {f.completed} 单\n"
        f"服务态度 {average(f.attitude)}，办理速度 {average(f.speed)}"
        f"（{f.ratings}条评价）\n"
        f"差评 {f.low_ratings} 条，投诉 {f.complaints} 条"
    )
    return [Text(text)]


@router.pattern(r"(?:我的统计|我的评价|我的数据|我的业绩|本月统计|统计)")
async def my_stats_typed(turn: Turn) -> list[Reply]:
    return refuse_non_staff(turn) or await my_stats(turn)
