"""Invoice photos in the chat: receive (any time, or in an "upload invoices" flow), correct a
field by reply, and the monthly figures (clients: their own; staff: any client company's list).

The handler never reads an image: it records a durable `pending` upload in the turn's unit of
work and answers at once ("收到第3张，正在识别…"). A worker (`bot.workers.invoices`) reads it and
pushes the result through the outbox; the wording of those results, and of the flow, lives in
`handlers.invoice_texts`.

```mermaid
stateDiagram-v2
    [*] --> queued: photo from a client (any time)
    queued --> [*]: "收到第N张，正在识别…" (result follows via the outbox)
    [*] --> collecting: "传发票" / menu 传发票 (intent upload_invoice)
    collecting --> collecting: photo ("收到第N张…")
    collecting --> collecting: other text (reminder how to finish)
    collecting --> [*]: "好了" / "完成" (summary: count, read, duplicates, failed, pending)
    collecting --> [*]: 取消 / idle timeout
    [*] --> corrected: "更正 [号码] 字段 值" (latest or numbered invoice; checks re-run)
    [*] --> month: "本月发票" / "上个月的发票" (client) / "发票 公司 2024-03" (staff)
```
"""

from __future__ import annotations

import re
from typing import Any

from domain import invoice_records
from domain.actors import actor_of
from domain.identity import Identity, Role
from domain.invoice_uploads import CorrectionInvalid, InvoiceUpload
from handlers import texts
from handlers.error_texts import error_text
from handlers.forms import Form, start_form
from handlers.invoice_texts import (
    CLIENTS_ONLY,
    CORRECT_HELP,
    FAILURE_ZH,
    FIELD_ZH,
    FLOW_REMIND,
    FLOW_START,
    STAFF_IMAGE,
    STAFF_NEED_COMPANY,
    ack_text,
    flow_summary,
    render_invoice,
    render_list,
    render_month,
)
from handlers.invoice_values import CORRECTABLE, parse_period, typed_value
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from nlu.intents import PERIOD as PERIOD_ENTITY
from nlu.intents import UPLOAD_INVOICE

router = Router("invoices")

FLOW = "invoice_upload"
DONE_WORDS = frozenset(
    {"好了", "好", "完成", "完了", "传完了", "发完了", "就这些", "没了", "结束", "ok", "OK", "好的"}
)


# -- receiving photos ------------------------------------------------------------------------


async def record_upload(turn: Turn, seq: int | None = None) -> InvoiceUpload:
    """The durable `pending` upload for this photo (the same one again on a replay)."""
    actor = actor_of(turn.identity)
    return await invoice_records.receive_photo(
        turn.uow, actor, turn.message.media_id, turn.now, seq
    )


def _refusal(ident: Identity) -> list[Reply] | None:
    if ident.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    if ident.is_staff:
        return [Text(STAFF_IMAGE)]
    if ident.company is None:
        return [Text(texts.BIND_FIRST)]
    return None


@router.message_type("image")
async def photo_received(turn: Turn) -> list[Reply]:
    refused = _refusal(turn.identity)
    if refused is not None:
        return refused
    if not turn.message.media_id:
        return [Text(FAILURE_ZH["media_expired"])]
    upload = await record_upload(turn)
    return [Text(ack_text(upload.seq))]


@router.form
class UploadForm(Form):
    """Collects photos until the client says "好了"; the ids of its uploads are the slot
    `uploads`, so the summary can ask how each one ended."""

    name = FLOW
    required_slots = ("done",)

    async def extract(self, slot: str, turn: Turn) -> Any:
        msg = turn.message
        if msg.msg_type == "image":
            if msg.media_id:
                ids = list(turn.conversation.slots.get("uploads") or [])
                upload = await record_upload(turn, len(ids) + 1)
                if upload.id not in ids:
                    ids.append(upload.id)
                # A new list: the conversation is saved only when its snapshot changes.
                turn.conversation.slots["uploads"] = ids
                turn.conversation.slots["ack"] = upload.seq
            return None
        if msg.clean_text.rstrip("。.!！~～") in DONE_WORDS:
            return True
        return None

    async def ask(self, slot: str, turn: Turn) -> list[Reply]:
        seq = turn.conversation.slots.pop("ack", None)
        if seq is not None:
            return [Text(ack_text(int(seq), in_flow=True))]
        return [Text(FLOW_REMIND)]

    async def submit(self, turn: Turn) -> list[Reply]:
        ids = [int(i) for i in turn.conversation.slots.get("uploads") or []]
        if not ids:
            return [Text("好的，这次没有收到照片。以后直接发发票照片给我也可以。")]
        uploads = await invoice_records.uploads_of(turn.uow, actor_of(turn.identity), ids)
        return [Text(flow_summary(uploads))]


# "本月发票有多少" reads like an upload to NLU; words of a question make it one.
QUESTION_RE = re.compile(r"多少|几张|哪些|查|统计|汇总|合计|总共|清单|明细|列表|[?？]")


# "发票不够用了", "帮我领票", "代开一张": work for the firm (a request), not photos to read.
APPLY_RE = re.compile(r"不够用|用完|快没了|没票了|领|申领|申请|代开|帮我开|帮忙开")


@router.intent(UPLOAD_INVOICE, roles=[Role.CLIENT], refuse=CLIENTS_ONLY)
async def upload_start(turn: Turn) -> list[Reply]:
    if turn.identity.company is None:
        return [Text(texts.BIND_FIRST)]
    if APPLY_RE.search(turn.message.clean_text):
        from handlers.request_form import RaiseRequestForm

        kind = "代开发票" if "开" in turn.message.clean_text else "发票申领"
        return await start_form(turn, RaiseRequestForm, request_type=kind)
    if QUESTION_RE.search(turn.message.clean_text):
        return await _month_reply(turn, None, await turn.entity(PERIOD_ENTITY))
    await start_form(turn, UploadForm)
    return [Text(FLOW_START)]


# -- corrections ---------------------------------------------------------------------------

_FIELDS = "|".join(sorted(CORRECTABLE, key=len, reverse=True))
CORRECT_RE = re.compile(
    r"(?:更正|修改|改正)\s*[:：]?\s*(?:(\d{8}|\d{20})\s*(?:的)?\s*)?"
    rf"({_FIELDS})\s*(?:[:：=]|改为|改成|应为|是|为)?\s*(.*)",
    re.S,
)


def _in_another_form(turn: Turn) -> bool:
    """ "更正两处：开户行改为建设银行" while raising a request corrects the request."""
    flow = turn.conversation.flow
    return flow is not None and flow != FLOW and not flow.startswith("expect:")


@router.pattern(CORRECT_RE.pattern)
async def correct_field(turn: Turn) -> list[Reply] | None:
    if _in_another_form(turn):
        return None
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    if ident.is_staff or ident.company is None:
        return [Text("员工暂不能在聊天里更正客户发票，请让客户回复更正，或在管理后台修改。")]
    m = CORRECT_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    number, label, raw = m.group(1), m.group(2), m.group(3)
    field_name = CORRECTABLE[label]
    try:
        updated = await invoice_records.correct_invoice(
            turn.uow, actor_of(ident), number, field_name, typed_value(field_name, raw), turn.now
        )
    except CorrectionInvalid as exc:
        return [Text(error_text(exc))]
    heading = f"已更正{FIELD_ZH[field_name]}。发票现在是："
    return [Text(render_invoice(updated, heading))]


@router.pattern(r"更正(?:\s*[:：]?\s*.*)?")
async def correct_help(turn: Turn) -> list[Reply] | None:
    if _in_another_form(turn):
        return None
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    return [Text(CORRECT_HELP)]


# -- months ----------------------------------------------------------------------------------

PERIOD = r"本月份?|这个?月|当月|上个?月|\d{4}\s*[-/.年]\s*\d{1,2}\s*月?份?|\d{1,2}\s*月份?"
MONTH_RE = re.compile(
    r"(?:(?P<company>\S+?)\s+)?(?:帮我)?(?:查一下|看一下|查下|看下|查|查看|查询|看看)?"
    r"(?:我们公司的?|我们的|我们|我的|公司的?)?\s*"
    rf"(?P<period>{PERIOD})\s*(?:的|份)?\s*(?:发票|票据)"
    r"(?:情况|统计|汇总|列表|清单|明细|有哪些|有几张|一共有?多少张?|总共有?多少张?|有多少张?|多少张?|几张)?"
    r"[?？。!！]*"
)
SUMMARY_RE = re.compile(
    r"(?:查|查看|查询|看看)?\s*(?:发票|票据)(?:统计|汇总|清单|列表|明细)[?？。!！]*"
)
STAFF_LIST_RE = re.compile(
    rf"(?:发票|票据)(?:列表|清单|明细)?\s+(?P<company>\S+?)(?:\s*(?P<period>{PERIOD}))?"
)


async def _month_reply(
    turn: Turn, company_query: str | None, period_text: str | None
) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    period = parse_period(period_text, turn.now)
    if period is None:
        return [Text("请告诉我哪个月，例如：本月发票、上个月的发票、2024-03 发票。")]
    actor = actor_of(ident)
    if ident.is_staff:
        if not company_query:
            return [Text(STAFF_NEED_COMPANY)]
        company = await invoice_records.find_company(turn.uow, actor, company_query)
        summary, records = await invoice_records.month_figures(turn.uow, actor, period, company)
        return [Text(render_list(company.name, summary, records))]
    if ident.company is None:
        return [Text(texts.BIND_FIRST)]
    summary, _records = await invoice_records.month_figures(turn.uow, actor, period)
    return [Text(render_month(summary))]


@router.pattern(MONTH_RE.pattern)
async def month_invoices(turn: Turn) -> list[Reply]:
    m = MONTH_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    company = m.group("company") if turn.identity.is_staff else None
    return await _month_reply(turn, company, m.group("period"))


@router.pattern(SUMMARY_RE.pattern)
async def this_month_invoices(turn: Turn) -> list[Reply]:
    return await _month_reply(turn, None, None)


@router.pattern(STAFF_LIST_RE.pattern)
async def staff_invoice_list(turn: Turn) -> list[Reply]:
    m = STAFF_LIST_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    if not turn.identity.is_staff:
        if turn.identity.role is Role.STRANGER:
            return [Text(texts.BIND_FIRST)]
        return await _month_reply(turn, None, m.group("period"))
    return await _month_reply(turn, m.group("company"), m.group("period"))
