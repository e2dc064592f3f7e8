"""What the invoice conversation says: prompts, the wording of read/duplicate/failed results and
the monthly figures.

Kept apart from the handlers (`handlers.invoices`) because the upload worker
(`bot.invoice_worker`) renders its results with the same words, long after the turn that
received the photo has ended; these are pure functions of domain records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.clock import fmt_local
from domain.invoice_uploads import (
    FIELD_ZH,
    InvoiceRecord,
    InvoiceUpload,
    MonthSummary,
    UploadStatus,
    yuan,
)

LIST_LIMIT = 30
# Fields read with less confidence than this are pointed out for checking.
UNSURE_BELOW = 0.8

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
    "not_invoice": "这张图片里没有识别到发票，请把发票平放、对准拍清楚后重新发送。",
    "no_number": "识别到了发票，但没看清发票号码，请拍清楚一些后重新发送。",
    "media_expired": "这张图片已过期或无法下载，请重新发送。",
    "download_failed": "这张图片暂时下载不下来，请稍后重新发送。",
    "reader_failed": "这张图片暂时识别不了，请稍后重新发送，或直接发给您的会计。",
}


def ack_text(seq: int, in_flow: bool = False) -> str:
    if in_flow and seq == 1:
        return f"收到第{seq}张，正在识别…\n继续发，发完回复“好了”。"
    return f"收到第{seq}张，正在识别…"


def _line(label: str, value: Any) -> str:
    return f"{label} {value if value not in (None, '') else '未识别'}"


def render_invoice(record: InvoiceRecord, heading: str) -> str:
    inv = record.invoice
    lines = [heading]
    if inv.invoice_type:
        lines.append(inv.invoice_type)
    if inv.code:
        lines.append(_line("发票代码", inv.code))
    lines.append(_line("发票号码", inv.number))
    lines.append(_line("开票日期", inv.issue_date.isoformat() if inv.issue_date else None))
    lines.append(
        f"金额 {yuan(inv.amount_excl_tax_fen)} 税额 {yuan(inv.tax_fen)} "
        f"价税合计 {yuan(inv.amount_total_fen)}"
    )
    lines.append(_line("销售方", inv.seller_name))
    failed = record.failed_checks
    if failed:
        lines.extend(f"⚠ 校验：{c.message_zh}" for c in failed)
    elif record.checks:
        lines.append("✓ 校验通过")
    unsure = [
        FIELD_ZH[name]
        for name, confidence in record.confidence.items()
        if name in FIELD_ZH and confidence < UNSURE_BELOW and record.sources.get(name) != "manual"
    ]
    if unsure:
        lines.append("⚠ 看不太清，请核对：" + "、".join(unsure))
    if inv.amount_total_fen is None and inv.amount_excl_tax_fen is None:
        # Typically small print on a compressed picture (a screenshot, a photo from afar).
        lines.append(AMOUNTS_UNREAD)
        return "\n".join(lines)
    lines.append("如有误请回复更正，例如“更正 金额 46.62”")
    return "\n".join(lines)


def render_read(record: InvoiceRecord, seq: int) -> str:
    return render_invoice(record, f"识别结果（第{seq}张）：")


def render_key_fields(
    seq: int,
    number: str,
    issue_date: str | None = None,
    amount_total_fen: int | None = None,
    amount_excl_tax_fen: int | None = None,
) -> str:
    """The quick word from the QR code, before the full reading: number, amount, date."""
    parts = [f"已读到发票号码 {number}"]
    if amount_total_fen is not None:
        parts.append(f"价税合计 {yuan(amount_total_fen)}")
    elif amount_excl_tax_fen is not None:
        parts.append(f"金额 {yuan(amount_excl_tax_fen)}（不含税）")
    if issue_date:
        parts.append(f"开票日期 {issue_date}")
    return f"第{seq}张：" + "，".join(parts) + "，正在核对其余信息…"


def render_duplicate(original: InvoiceRecord, seq: int, same_image: bool) -> str:
    inv = original.invoice
    when = fmt_local(inv.uploaded_at)
    who = original.uploader_name or "您公司的同事"
    what = f"这张图片（发票号码{inv.number}）" if same_image else f"这张发票（号码{inv.number}）"
    return f"第{seq}张：{what}已于 {when} 由{who}上传过，不重复计入。"


def render_failed(reason: str, seq: int) -> str:
    return f"第{seq}张：{FAILURE_ZH.get(reason, FAILURE_ZH['unreadable'])}"


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
        seller = inv.seller_name or "销售方未识别"
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
