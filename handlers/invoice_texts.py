"""What the invoice conversation says: prompts, an invoice as the chat shows it, why a photo
could not be read, and the monthly figures.

Kept apart from the handlers (`handlers.invoices`) because the outbox's invoice renderer
(`bot.outbox.render.invoices`) words the worker's results with the same words, long after the
turn that received the photo has ended; these are pure functions of domain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.clock import local
from domain.invoice_checks import CheckResult
from domain.invoice_uploads import (
    InvoiceRecord,
    InvoiceUpload,
    MonthSummary,
    UploadStatus,
    yuan,
)
from domain.invoices import DuplicateInvoice
from domain.notices import InvoiceShown, QuickReply
from handlers.text_safety import inert

LIST_LIMIT = 30
# The fields as the chat names them.
FIELD_ZH = {
    "invoice_type": "发票类型",
    "number": "发票号码",
    "code": "发票代码",
    "issue_date": "开票日期",
    "amount_excl_tax": "金额",
    "tax": "税额",
    "amount_total": "价税合计",
    "seller_name": "销售方",
    "buyer_name": "购买方",
    "seller_tax_id": "销售方税号",
    "buyer_tax_id": "购买方税号",
    "check_code": "校验码",
}

FLOW_START = "好的，请直接发送发票照片，可以连续发多张。发完回复“好了”，我给您汇总。"
FLOW_REMIND = "请继续发送发票照片；全部发完后回复“好了”。"
STAFF_IMAGE = (
    "收到图片。员工发送的图片不会记为客户发票；客户的发票请让客户直接发给公众号，"
    "查看客户发票请回复“发票 公司名 2024-03”。"
)
CLIENTS_ONLY = "传发票是客户功能哦。查看某个客户的发票请回复“发票 公司名 2024-03”。"
CORRECT_HELP = (
    "请按“更正 字段 正确值”回复，例如：更正 金额 46.62。\n"
    "可更正：号码、代码、日期、金额、税额、合计、销售方、购买方、税号、校验码、类型。\n"
    "更正指定发票：更正 33207675 金额 46.62"
)
AMOUNTS_UNREAD = (
    "金额没看清，可能是图片被压缩了。发送时勾选“原图”、或把发票拍近拍正再发一次就好；"
    "也可以直接回复“更正 合计 1060.00”补上。"
)
NO_INVOICES_YET = "还没有收到您公司的发票记录。直接发送发票照片即可识别入账。"
STAFF_NEED_COMPANY = "请告诉我查哪家公司，例如：发票 杭州云帆 2024-03"

FAILURE_ZH: dict[str, str] = {
    "empty": "收到的文件是空的，请重新拍照发送。",
    "too_large": "图片太大了（超过10MB），请压缩后或重新拍照发送。",
    "not_image": "这不是图片文件，请发送发票的照片（JPG/PNG/GIF）。",
    "truncated": "图片不完整，可能没传完，请重新发送。",
    "bomb": "图片尺寸异常（像素过多），无法处理，请发送普通拍照的图片。",
    "unreadable": "图片无法打开，请重新拍照发送。",
    "not_invoice": (
        "这张图片里没有识别到发票。这是给会计的资料吗（证件、合同等）？是的话点“是，转给会计”；"
        "如果是发票，请平放、对准拍清楚后重新发送。"
    ),
    "no_number": "识别到了发票，但没看清发票号码，请拍清楚一些后重新发送。",
    "media_expired": "这张图片已过期或无法下载，请重新发送。",
    "download_failed": "这张图片暂时下载不下来，请稍后重新发送。",
    "reader_failed": "这张图片暂时识别不了，请稍后重新发送，或直接发给您的会计。",
}


def ack_text(seq: int, in_flow: bool = False) -> str:
    if in_flow and seq == 1:
        return f"收到第{seq}张，正在识别…\n继续发，发完回复“好了”。"
    return f"收到第{seq}张，正在识别…"


# -- checks ----------------------------------------------------------------------------------

_PARTY_ZH = {"seller_tax_id": "销售方", "buyer_tax_id": "购买方"}
# Fields compared between the QR code and the printed text, by perception's names.
_QR_FIELD_ZH = {
    "invoice_type": "发票类型",
    "invoice_code": "发票代码",
    "invoice_number": "发票号码",
    "issue_date": "开票日期",
    "check_code": "校验码",
    "amount_excl_tax": "金额",
}


def _plain_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def check_text(c: CheckResult) -> str:
    """What a check says about a reading, passed or not."""
    f = c.facts
    if c.name in _PARTY_ZH:
        party = _PARTY_ZH[c.name]
        if c.ok:
            return f"{party}纳税人识别号校验通过"
        return f"{party}纳税人识别号 {f['tax_id']} 校验位不对，可能识别有误，请核对"
    if c.name == "sum":
        if c.ok:
            return "金额 + 税额 = 价税合计"
        excl, tax, total = (_plain_yuan(f[k]) for k in ("excl_tax_fen", "tax_fen", "total_fen"))
        return f"金额 {excl} + 税额 {tax} ≠ 价税合计 {total}，请核对"
    if c.name == "date":
        if c.ok:
            return "开票日期有效"
        if f.get("problem") == "future":
            return f"开票日期 {f['issue_date']} 晚于今天，请核对"
        return f"开票日期 {f['issue_date']} 不是有效日期"
    if c.name == "qr_ocr":
        if c.ok:
            return "二维码与票面文字一致"
        names = "、".join(_QR_FIELD_ZH.get(name, name) for name in f["fields"])
        return f"二维码与票面文字不一致：{names}，请核对"
    if c.name == "capitals":
        if c.ok:
            return "大写金额与小写金额一致"
        capital, total = _plain_yuan(f["capital_fen"]), _plain_yuan(f["total_fen"])
        return f"大写金额 {capital} 与小写金额 {total} 不一致"
    return c.name


def duplicate_text(found: DuplicateInvoice, uploader_name: str | None = None) -> str:
    """For the client: what, when (Beijing time) and by whom; it is not counted twice."""
    when = local(found.original.uploaded_at).strftime("%Y-%m-%d %H:%M")
    what = "这张图片" if found.by_same_image else f"发票（号码 {found.original.number}）"
    who = uploader_name or f"用户#{found.original.uploaded_by}"
    return f"{what}已由{who}于{when}上传过，不重复计入。"


# -- invoices ----------------------------------------------------------------------------------


def _line(label: str, value: Any) -> str:
    # Values may be typed corrections ("更正 销售方 …") that staff see too: made inert.
    return f"{label} {inert(str(value)) if value not in (None, '') else '未识别'}"


def invoice_lines(shown: InvoiceShown) -> list[str]:
    """An invoice as the chat shows it, under a heading of the caller's."""
    lines = []
    if shown.invoice_type:
        lines.append(shown.invoice_type)
    if shown.code:
        lines.append(_line("发票代码", shown.code))
    lines.append(_line("发票号码", shown.number))
    lines.append(_line("开票日期", shown.issue_date.isoformat() if shown.issue_date else None))
    lines.append(
        f"金额 {yuan(shown.amount_excl_tax_fen)} 税额 {yuan(shown.tax_fen)} "
        f"价税合计 {yuan(shown.amount_total_fen)}"
    )
    lines.append(_line("销售方", shown.seller_name))
    failed = shown.failed_checks
    if failed:
        lines.extend(f"⚠ 校验：{check_text(c)}" for c in failed)
    elif shown.checks:
        lines.append("✓ 校验通过")
    if shown.unsure:
        lines.append("⚠ 看不太清，请核对：" + "、".join(FIELD_ZH[name] for name in shown.unsure))
    if shown.amount_total_fen is None and shown.amount_excl_tax_fen is None:
        # Typically small print on a compressed picture (a screenshot, a photo from afar).
        lines.append(AMOUNTS_UNREAD)
        return lines
    lines.append("如有误请回复更正，例如“更正 金额 46.62”")
    return lines


def render_invoice(record: InvoiceRecord | InvoiceShown, heading: str) -> str:
    shown = record if isinstance(record, InvoiceShown) else InvoiceShown.of(record)
    return "\n".join([heading, *invoice_lines(shown)])


def read_heading(seq: int) -> str:
    return f"识别结果（第{seq}张）："


def render_read(record: InvoiceRecord, seq: int) -> str:
    return render_invoice(record, read_heading(seq))


def failed_answers(reason: str, upload_id: int) -> tuple[QuickReply, ...]:
    """A photo that is no invoice may be papers for the accountant: one tap forwards it."""
    if reason != "not_invoice":
        return ()
    return (QuickReply(f"forward_upload:{upload_id}", "是，转给会计"),)


def render_month(summary: MonthSummary, company: str | None = None) -> str:
    who = f"【{company}】" if company else ""
    head = f"{who}{summary.period} 发票 {summary.count} 张"
    if summary.count == 0:
        lines = [head + "。"]
    else:
        lines = [
            head,
            f"金额 {yuan(summary.excl_tax_fen)}  税额 {yuan(summary.tax_fen)}",
            f"价税合计 {yuan(summary.total_fen)}",
        ]
        if summary.missing_amounts:
            lines.append(f"其中 {summary.missing_amounts} 张金额未识别，未计入合计")
    if summary.duplicates:
        lines.append(f"重复上传 {summary.duplicates} 张，未重复计入")
    return "\n".join(lines)


def render_list(company: str, summary: MonthSummary, records: Sequence[InvoiceRecord]) -> str:
    lines = [render_month(summary, company)]
    for i, r in enumerate(records[:LIST_LIMIT], 1):
        inv = r.invoice
        day = inv.issue_date.isoformat() if inv.issue_date else "日期未识别"
        seller = inert(inv.seller_name) if inv.seller_name else "销售方未识别"
        flag = " ⚠" if r.failed_checks else ""
        lines.append(f"{i}. {inv.number}｜{day}｜{seller}｜{yuan(inv.amount_total_fen)}{flag}")
    if len(records) > LIST_LIMIT:
        lines.append(f"……共 {len(records)} 张，仅列前 {LIST_LIMIT} 张")
    return "\n".join(lines)


def flow_summary(uploads: Sequence[InvoiceUpload]) -> str:
    by = {s: 0 for s in UploadStatus}
    for u in uploads:
        by[u.status] += 1
    waiting = by[UploadStatus.PENDING] + by[UploadStatus.WORKING]
    parts = [f"已识别 {by[UploadStatus.READ]} 张"]
    if by[UploadStatus.DUPLICATE]:
        parts.append(f"重复 {by[UploadStatus.DUPLICATE]} 张")
    if by[UploadStatus.FAILED]:
        parts.append(f"未能识别 {by[UploadStatus.FAILED]} 张")
    text = f"好的，本次共收到 {len(uploads)} 张：" + "，".join(parts) + "。"
    if waiting:
        text += f"\n还有 {waiting} 张正在识别，结果会陆续发给您。"
    return text + "\n回复“本月发票”可查看本月汇总。"
