"""Invoice photos in the chat: receive (any time, or in an "upload invoices" flow), correct a
field by reply, and the monthly figures (clients: their own; staff: any client company's list).

The handler never reads an image: it records a durable `pending` upload in the turn's unit of
work and answers at once ("收到第3张，正在识别…"). A worker (`bot.invoice_worker`) reads it and
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
from collections.abc import Sequence
from typing import Any

from domain.errors import DomainError
from domain.identity import ClientCompany, Identity, Role
from domain.invoice_uploads import (
    CORRECTABLE,
    FIELD_ZH,
    CorrectionInvalid,
    InvoiceRecord,
    InvoiceUpload,
    MonthSummary,
    NewUpload,
    correct,
    day_start,
    month_bounds,
    new_key_of,
    parse_period,
    summarise,
)
from handlers import texts
from handlers.forms import Form, register
from handlers.invoice_texts import (
    CLIENTS_ONLY,
    CORRECT_HELP,
    FAILURE_ZH,
    FLOW_REMIND,
    FLOW_START,
    NO_INVOICES_YET,
    STAFF_IMAGE,
    STAFF_NEED_COMPANY,
    ack_text,
    flow_summary,
    render_invoice,
    render_list,
    render_month,
)
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


async def record_upload(turn: Turn, seq: int) -> InvoiceUpload:
    """The durable `pending` upload for this photo (the same one again on a replay)."""
    ident, msg = turn.identity, turn.message
    assert ident.company is not None
    earlier = await turn.uow.invoices.upload_by_media(ident.firm.id, msg.media_id)
    if earlier is not None:
        return earlier
    return await turn.uow.invoices.add_upload(
        NewUpload(
            firm_id=ident.firm.id,
            company_id=ident.company.id,
            contact_id=ident.contact.id if ident.contact else None,
            openid=ident.openid,
            uploader_name=ident.display_name,
            media_id=msg.media_id,
            seq=seq,
            created_at=turn.now,
        )
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
    ident = turn.identity
    assert ident.company is not None
    today = await turn.uow.invoices.count_uploads_since(
        ident.company.id, ident.openid, day_start(turn.now)
    )
    upload = await record_upload(turn, today + 1)
    return [Text(ack_text(upload.seq))]


@register
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
        uploads = await turn.uow.invoices.uploads(ids)
        return [Text(flow_summary(uploads))]


# "本月发票有多少" reads like an upload to NLU; words of a question make it one.
QUESTION_RE = re.compile(r"多少|几张|哪些|查|统计|汇总|合计|总共|清单|明细|列表|[?？]")


@router.intent(UPLOAD_INVOICE, roles=[Role.CLIENT], refuse=CLIENTS_ONLY)
async def upload_start(turn: Turn) -> list[Reply]:
    if turn.identity.company is None:
        return [Text(texts.BIND_FIRST)]
    if QUESTION_RE.search(turn.message.clean_text):
        return await _month_reply(turn, None, await turn.entity(PERIOD_ENTITY))
    await turn.start_form(UploadForm)
    return [Text(FLOW_START)]


# -- corrections ---------------------------------------------------------------------------

_FIELDS = "|".join(sorted(CORRECTABLE, key=len, reverse=True))
CORRECT_RE = re.compile(
    r"(?:更正|修改|改正)\s*[:：]?\s*(?:(\d{8}|\d{20})\s*(?:的)?\s*)?"
    rf"({_FIELDS})\s*(?:[:：=]|改为|改成|应为|是|为)?\s*(.*)",
    re.S,
)


@router.pattern(CORRECT_RE.pattern)
async def correct_field(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    if ident.is_staff or ident.company is None:
        return [Text("员工暂不能在聊天里更正客户发票，请让客户回复更正，或在管理后台修改。")]
    m = CORRECT_RE.fullmatch(turn.message.clean_text)
    assert m is not None
    number, label, raw = m.group(1), m.group(2), m.group(3)
    invoices = turn.uow.invoices
    if number:
        found = await invoices.by_number(ident.company.id, number)
        if not found:
            return [Text(f"没有找到号码为 {number} 的发票，请核对号码。")]
        record = found[0]
    else:
        latest = await invoices.latest(ident.company.id)
        if latest is None:
            return [Text(NO_INVOICES_YET)]
        record = latest
    field_name = CORRECTABLE[label]
    try:
        updated = correct(record, field_name, raw, turn.now)
    except CorrectionInvalid as exc:
        return [Text(exc.message_zh)]
    if new_key_of(updated) != record.invoice.key:
        other = await invoices.by_key(ident.company.id, new_key_of(updated))
        if other is not None and other.id != record.id:
            raise DomainError(
                f"号码为 {updated.invoice.number} 的发票已经上传过，不能改成重复的号码。"
            )
    if not await invoices.update_invoice(updated):
        raise DomainError(f"号码为 {updated.invoice.number} 的发票已经上传过，不能改成重复的号码。")
    heading = f"已更正{FIELD_ZH[field_name]}。发票现在是："
    return [Text(render_invoice(updated, heading))]


@router.pattern(r"更正(?:\s*[:：]?\s*.*)?")
async def correct_help(turn: Turn) -> list[Reply]:
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
    if ident.is_staff:
        if not company_query:
            return [Text(STAFF_NEED_COMPANY)]
        company = await _find_company(turn, company_query)
        records = await turn.uow.invoices.for_period(company.id, period)
        summary = await _summary(turn, company.id, period, records)
        return [Text(render_list(company.name, summary, records))]
    if ident.company is None:
        return [Text(texts.BIND_FIRST)]
    records = await turn.uow.invoices.for_period(ident.company.id, period)
    summary = await _summary(turn, ident.company.id, period, records)
    return [Text(render_month(summary))]


async def _summary(
    turn: Turn, company_id: int, period: str, records: Sequence[InvoiceRecord]
) -> MonthSummary:
    since, until = month_bounds(period)
    duplicates = await turn.uow.invoices.count_duplicates(company_id, since, until)
    return summarise(period, records, duplicates)


async def _find_company(turn: Turn, query: str) -> ClientCompany:
    companies = await turn.uow.identities.list_companies(turn.identity.firm.id)
    exact = [c for c in companies if c.name == query]
    hits = exact or [c for c in companies if query in c.name or c.name in query]
    if not hits:
        raise DomainError(f"没有找到名称包含“{query}”的客户公司，请核对名称。")
    if len(hits) > 1:
        names = "、".join(c.name for c in hits[:5])
        raise DomainError(f"“{query}”对应多家公司：{names}。请说得更具体一些。")
    return hits[0]


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
