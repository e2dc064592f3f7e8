"""Client requests after they are raised: checking progress, cancelling an unclaimed one.

Checking progress: "查进度" lists the company's open requests (the only one in full); "R1024呢",
"1024", "那个执照办得怎么样了", a tapped "查看全部进度" show that request (only the company's own).

Cancelling: "撤销 R1024" (or a tap) withdraws an unclaimed request; in words ("注销那个单子不要
了", "R1024不办了，取消掉吧") the request is found and the client asked to confirm; a hedge
("要不要取消呢…还是先留着吧") withdraws nothing; a claimed request says whom to call.
"""

from __future__ import annotations

import re

from domain import lifecycle
from domain.actors import actor_of
from domain.clock import fmt_local
from domain.identity import Role
from domain.requests import (
    FINISHED,
    OPEN,
    UNCLAIMED,
    EventKind,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
)
from handlers import cues, expect, texts
from handlers.refs import NUMBER_ARG, NUMBER_RE, merge, request_number
from handlers.replies import QuickReply, Reply, Text
from handlers.request_form import CLIENT_ROLES
from handlers.request_words import (
    EVENT_VERBS,
    STATUS_ZH,
    SYSTEM_ZH,
    event_detail,
    latest_note,
    title,
)
from handlers.router import Router
from handlers.text_safety import inert
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE

router = Router("requests")


# --- progress ------------------------------------------------------------------------------


def _handler_line(req: ServiceRequest) -> str:
    if req.status in UNCLAIMED:
        return "等待会计接单"
    return f"负责会计：{req.handler_name or '—'}"


def summary_line(i: int, req: ServiceRequest) -> str:
    parts = [f"{i}. {title(req)}｜{STATUS_ZH[req.status]}"]
    if req.status not in UNCLAIMED:
        parts.append(req.handler_name or "")
    latest = latest_note(req)
    if latest:
        parts.append(f"最新：{inert(latest)}")
    return "｜".join(p for p in parts if p)


def event_line(e: RequestEvent) -> str:
    """One timeline entry. Its text may be anyone's words (a client's description or rating,
    an accountant's note), and the timeline is shown to the others: made inert."""
    verb = EVENT_VERBS[e.kind]
    text = inert(event_detail(e))
    detail = f"：{text}" if text else ""
    if e.kind is EventKind.ASSIGNED and text:
        verb, detail = "", text
    photos = f"（{len(e.photos)}张照片）" if e.photos else ""
    actor = e.actor or SYSTEM_ZH
    return f"{fmt_local(e.at)} {actor} {verb}{detail}{photos}".replace("  ", " ")


def timeline_text(req: ServiceRequest, events: list[RequestEvent]) -> str:
    urgent = "（加急）" if req.urgency is Urgency.URGENT else ""
    lines = [
        f"{req.number} {req.type}{urgent}",
        f"状态：{STATUS_ZH[req.status]}｜{_handler_line(req)}",
        *(event_line(e) for e in events),
    ]
    return "\n".join(lines)


async def show_timeline(turn: Turn, number: str) -> list[Reply]:
    req, events = await lifecycle.timeline(turn.uow, actor_of(turn.identity), number)
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
    reqs = list(await lifecycle.requests_in_view(turn.uow, actor_of(turn.identity)))
    if not reqs:
        return [Text("您目前没有在办的业务。需要办理什么，直接告诉我就行。")]
    lines = [summary_line(i, r) for i, r in enumerate(reqs, 1)]
    text = (
        f"您有{len(reqs)}个业务：\n"
        + "\n".join(lines)
        + "\n回复单号（如 "
        + reqs[0].number
        + "）查看完整进度。"
    )
    if len(reqs) >= 2 and turn.conversation.flow is None:
        # "商标那个", "第二个", "R1002": the answer picks one of the list.
        options = [(r.number, f"{r.number} {r.type}") for r in reqs[:6]]
        return expect.pick(turn, PROGRESS_OF, options, text)
    quick = tuple(QuickReply(f"{PROGRESS_OF}:{r.number}", r.number) for r in reqs[:5])
    return [Text(text, quick)]


PROGRESS_OF = "check_progress"


@expect.action(PROGRESS_OF)
async def progress_of(turn: Turn) -> list[Reply]:
    """The request picked from the list of open ones (its number is the argument)."""
    return await show_timeline(turn, turn.arg)


async def _by_type(
    turn: Turn, reqs: list[ServiceRequest]
) -> tuple[str | None, list[ServiceRequest]]:
    """The requests a message names by their business ("那个执照", "注销那个单子")."""
    kind = await turn.entity(REQUEST_TYPE) if turn.message.clean_text else None
    if kind is None:
        return None, reqs
    return kind, [r for r in reqs if r.type == kind]


@router.intent("check_progress", roles=CLIENT_ROLES, refuse=texts.BIND_FIRST)
async def check_progress(turn: Turn) -> list[Reply]:
    """A number shows that request; "那个执照" the client's licence request; otherwise the
    client's open requests (the only one shown in full). Staff asking for progress are
    served by `handlers.staff` (their router comes first)."""
    number = await request_number(turn)
    if number is not None:
        return await show_timeline(turn, number)
    reqs = list(await lifecycle.requests_in_view(turn.uow, actor_of(turn.identity)))
    kind, named = await _by_type(turn, reqs)
    if kind is not None and len(named) == 1:
        return await show_timeline(turn, named[0].number)
    if len(reqs) == 1 and kind is None:
        return await show_timeline(turn, reqs[0].number)
    if kind is not None and not named and reqs:
        head = f"您目前没有在办的{kind}业务。"
        return merge(head, await list_open(turn))
    return await list_open(turn)


@router.pattern(
    r"(?:查询?一?下?|查看|看看|我的)?\s*"
    + NUMBER_ARG.replace("[Rr]?", "[Rr]")
    + r"\s*(?:的)?(?:进度|到[哪那]一?步了?|到[哪那]了?|怎么样了?|咋样了?|办得怎么样了?|情况|状态|"
    r"好了[吗没]有?|办好了[吗没]|呢|啊|呀|哈)*\s*[？?。!！]*"
)
async def check_by_number(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    return await check_progress(turn)


@router.pattern(r"#?\s?(\d{3,5})\s*(?:呢|啊)?\s*[？?]*")
async def check_bare_number(turn: Turn) -> list[Reply] | None:
    """A number alone ("1024") from a bound person is a request number."""
    if turn.identity.role is Role.STRANGER or turn.conversation.flow is not None:
        return None
    turn.arg = f"R{int(turn.arg)}"
    return await show_timeline(turn, turn.arg)


# --- cancel --------------------------------------------------------------------------------

# "那个单子", "这单", "我的业务": a request named without its number.
REQUEST_WORDS = re.compile(r"单子|这单|那单|这个单|那个单|业务|申请|[那这]个")


async def _cancel(turn: Turn) -> list[Reply]:
    if turn.identity.role is not Role.CLIENT:
        if turn.identity.role is Role.STRANGER:
            return [Text(texts.BIND_FIRST)]
        return [Text("撤销业务是客户功能哦。")]
    number = await request_number(turn)
    if number is None:
        return [Text("请告诉我要撤销的单号，例如：撤销 R1024。")]
    req = await lifecycle.cancel_request(turn.uow, actor_of(turn.identity), number, turn.now)
    return [Text(f"好的，{title(req)} 已撤销，也告诉了会计不用再接。有需要随时再找我。")]


@router.intent("cancel_request")
@expect.action("cancel_request")
async def cancel_request(turn: Turn) -> list[Reply]:
    """A tapped "撤销这个单" or a confirmed "撤销 R1024 吗？" (the number is the argument)."""
    return await _cancel(turn)


@router.pattern(r"(?:取消|撤销|撤回|不办了)\s*" + NUMBER_ARG)
async def cancel_by_number(turn: Turn) -> list[Reply]:
    return await _cancel(turn)


def _kept(label: str) -> list[Reply]:
    return [Text(f"好的，{label}先留着，我们继续为您办理。")]


async def _not_cancellable(turn: Turn, req: ServiceRequest) -> list[Reply]:
    if req.status in FINISHED:
        return [Text(f"{req.number} 已经办结了，不能撤销。")]
    if req.status is Status.CANCELLED:
        return [Text(f"{req.number} 已经撤销过了。")]
    handler = req.handler_name or "负责的会计"
    phone = ""
    if req.handler_id is not None:
        staff = await turn.uow.identities.get_staff(req.handler_id)
        phone = f"（电话 {staff.phone}）" if staff is not None and staff.phone else ""
    return [
        Text(
            f"{title(req)}已由{handler}接手办理，不能直接撤销了。"
            f"如需取消，请直接联系{handler}{phone}，我们会妥善处理。"
        )
    ]


@router.intent("cancel", roles=CLIENT_ROLES)
async def cancel_in_words(turn: Turn) -> list[Reply]:
    """ "注销那个单子不要了", "R1024不办了，取消掉吧": find the request and ask before
    withdrawing it; a hedge ("要不要取消呢…还是先留着吧") withdraws nothing."""
    text = turn.message.clean_text
    number = await request_number(turn)
    kind = await turn.entity(REQUEST_TYPE) if text else None
    asking = cues.negates("cancel", text) and cues.asks_whether_to_cancel(text)
    if number is None and kind is None and not REQUEST_WORDS.search(text) and not asking:
        return [Text(texts.NOTHING_TO_CANCEL)]
    if cues.negates("cancel", text) and not asking:
        return _kept(number or (f"{kind}那单" if kind else "单子"))
    if number is not None:
        req = await lifecycle.visible_request(turn.uow, actor_of(turn.identity), number)
    else:
        reqs = [
            r
            for r in await lifecycle.requests_in_view(turn.uow, actor_of(turn.identity))
            if r.status in OPEN
        ]
        _, named = await _by_type(turn, reqs)
        if not named:
            what = f"在办的{kind}业务" if kind else "在办的业务"
            return [Text(f"您目前没有{what}，不用撤销。")]
        if len(named) > 1:
            options = [(r.number, f"{r.number} {r.type}") for r in named]
            lines = "\n".join(f"{i}. {label}" for i, (_, label) in enumerate(options, 1))
            return expect.pick(turn, "cancel_request", options, f"要撤销哪一单？\n{lines}")
        req = named[0]
    if req.status not in UNCLAIMED:
        return await _not_cancellable(turn, req)
    question = (
        f"可以的，{title(req)} 还没有会计接单，现在撤销就行。要撤销吗？"
        if asking
        else f"确认撤销 {title(req)} 吗？撤销后会计就不再办理了。"
    )
    return expect.confirm(
        turn,
        "cancel_request",
        req.number,
        question,
        "确认撤销",
        f"好的，{req.number} 先留着，我们继续为您办理。",
    )


# "银行开户那个撤掉", "执照那单不要了": withdrawing a request named by its business reads
# as cancelling it, whatever else the words could mean.
WITHDRAW = re.compile(r"撤掉|撤了|撤销|撤回|取消|不办了|不要了|不做了|不弄了")
CLOSE_NAMED = re.compile(r"注销掉|注销了吧|注销吧|删掉|删了")


@router.reader()
async def withdraw_named(turn: Turn) -> list[Reply] | None:
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    numbered = NUMBER_RE.search(text) is not None
    # "R1024帮我注销掉吧": a request is withdrawn, not a company closed, when it is named.
    withdrawn = WITHDRAW.search(text) or (numbered and CLOSE_NAMED.search(text))
    if not withdrawn or not (REQUEST_WORDS.search(text) or numbered):
        return None
    if numbered:
        return await cancel_in_words(turn)
    kind = await turn.entity(REQUEST_TYPE)
    if kind is None:
        return None
    # "我们要注销了，业务不做了" with no 注销 request open: nothing of that business to
    # withdraw, so the words are read as usual (here: a request to close the company).
    reqs = await lifecycle.requests_in_view(turn.uow, actor_of(turn.identity))
    if not any(r.type == kind and r.status in OPEN for r in reqs):
        return None
    return await cancel_in_words(turn)
