"""The wording of what the invoice worker found on a photo: the quick word from its QR code,
the full reading, a duplicate, or why it could not be read. The invoice itself reads as the
chat shows it (`handlers.invoice_texts`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.outbox.render.message import Renderer
from domain.clock import fmt_local
from domain.invoice_uploads import yuan
from domain.notices import (
    InvoiceDuplicate,
    InvoiceFailed,
    InvoiceKeyFields,
    InvoiceRead,
    NoticeKind,
)
from handlers.invoice_texts import FAILURE_ZH, failed_answers, invoice_lines


def _key_fields(f: InvoiceKeyFields, at: datetime) -> Mapping[str, str]:
    parts = [f"已读到发票号码 {f.number}"]
    if f.amount_total_fen is not None:
        parts.append(f"价税合计 {yuan(f.amount_total_fen)}")
    elif f.amount_excl_tax_fen is not None:
        parts.append(f"金额 {yuan(f.amount_excl_tax_fen)}（不含税）")
    if f.issue_date:
        parts.append(f"开票日期 {f.issue_date}")
    return {
        "seq": str(f.seq),
        "number": f.number,
        "fields": "，".join(parts),
        "time": fmt_local(at),
    }


def _read(f: InvoiceRead, at: datetime) -> Mapping[str, str]:
    return {
        "seq": str(f.seq),
        "number": f.invoice.number,
        "details": "\n".join(invoice_lines(f.invoice)),
        "time": fmt_local(at),
    }


def _read_fields(f: InvoiceRead, at: datetime) -> Mapping[str, str]:
    total = yuan(f.invoice.amount_total_fen)
    return {
        "keyword1": "发票识别结果",
        "keyword2": f"发票号码 {f.invoice.number}，价税合计 {total}",
    }


def _duplicate(f: InvoiceDuplicate, at: datetime) -> Mapping[str, str]:
    what = f"这张图片（发票号码{f.number}）" if f.same_image else f"这张发票（号码{f.number}）"
    return {
        "seq": str(f.seq),
        "number": f.number,
        "what": what,
        "when": fmt_local(f.uploaded_at),
        "who": f.uploader or "您公司的同事",
        "time": fmt_local(at),
    }


def _duplicate_fields(f: InvoiceDuplicate, at: datetime) -> Mapping[str, str]:
    return {"keyword1": "发票重复提醒", "keyword2": f"发票号码 {f.number}"}


def _failed(f: InvoiceFailed, at: datetime) -> Mapping[str, str]:
    reason = FAILURE_ZH.get(f.reason, FAILURE_ZH["unreadable"])
    return {"seq": str(f.seq), "reason": reason, "time": fmt_local(at)}


def _failed_fields(f: InvoiceFailed, at: datetime) -> Mapping[str, str]:
    return {"keyword1": "发票未能识别", "keyword2": f"第{f.seq}张"}


RENDERERS: dict[NoticeKind, Renderer] = {
    # No template for this kind on purpose: outside the 48-hour window only the full result
    # (which has one) is worth a template message.
    NoticeKind.INVOICE_KEY_FIELDS: Renderer(
        "第{seq}张：{fields}，正在核对其余信息…", _key_fields, title="发票已收到，正在核对"
    ),
    NoticeKind.INVOICE_READ: Renderer(
        "识别结果（第{seq}张）：\n{details}",
        _read,
        template_fields=_read_fields,
        title="发票识别结果",
    ),
    NoticeKind.INVOICE_DUPLICATE: Renderer(
        "第{seq}张：{what}已于 {when} 由{who}上传过，不重复计入。",
        _duplicate,
        template_fields=_duplicate_fields,
        title="发票重复提醒",
    ),
    NoticeKind.INVOICE_FAILED: Renderer(
        "第{seq}张：{reason}",
        _failed,
        lambda f: failed_answers(f.reason, f.upload_id),
        _failed_fields,
        title="发票识别失败",
    ),
}
