"""Invoice photos in the chat: an upload waiting to be read, the invoice record we keep for a
client company, corrections typed by the client, and the monthly figures people ask for.

An upload is durable before the client hears "收到": the handler records it `pending`, a worker
leases it, reads it and settles it as `read`, `duplicate` or `failed`. Perception's fields map
onto `InvoiceRecord`, which adds to the core `Invoice` what the chat needs: who sent it, where
each field came from (qr / ocr / manual), and the facts to re-run the checks after a correction.

Money is integer fen; dates are `date`; times are aware (shown in Asia/Shanghai).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from domain.clock import SHANGHAI, local
from domain.errors import DomainError
from domain.invoice_checks import CheckResult, InvoiceFacts, run_checks
from domain.invoices import Invoice, dedup_key, is_digital_number, kind_of


class UploadStatus(StrEnum):
    PENDING = "pending"  # waiting for a worker (or for a retry after a WeChat hiccup)
    WORKING = "working"  # leased by a worker until `lease_until`
    READ = "read"  # an invoice was stored
    DUPLICATE = "duplicate"  # the same invoice or image was already there
    FAILED = "failed"  # not an image, not an invoice, or the media is gone


SETTLED = frozenset({UploadStatus.READ, UploadStatus.DUPLICATE, UploadStatus.FAILED})


@dataclass(frozen=True, slots=True)
class NewUpload:
    firm_id: int
    company_id: int
    contact_id: int | None
    openid: str
    uploader_name: str
    media_id: str
    seq: int  # "第N张": the photo's place in its flow, or in the sender's day
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InvoiceUpload:
    id: int
    firm_id: int
    company_id: int
    contact_id: int | None
    openid: str
    uploader_name: str
    media_id: str
    seq: int
    status: UploadStatus
    attempts: int
    created_at: datetime
    lease_until: datetime | None = None
    sha256: str | None = None
    invoice_id: int | None = None
    error: str | None = None  # a reason code ("not_image", "media_expired", ...)


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """One stored invoice of a client company, as the chat shows and corrects it."""

    invoice: Invoice
    uploader_name: str
    sources: Mapping[str, str] = field(default_factory=dict)  # field -> qr | ocr | manual
    confidence: Mapping[str, float] = field(default_factory=dict)
    capital_amount_fen: int | None = None
    qr_vs_ocr: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()
    upload_id: int | None = None
    corrected_at: datetime | None = None

    @property
    def id(self) -> int | None:
        return self.invoice.id

    @property
    def period(self) -> str:
        """The month it is booked in: its issue date's, else the month it was sent."""
        return month_of(self.invoice.issue_date or local(self.invoice.uploaded_at).date())

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]

    def facts(self) -> InvoiceFacts:
        inv = self.invoice
        return InvoiceFacts(
            invoice_number=inv.number,
            issue_date=inv.issue_date.isoformat() if inv.issue_date else None,
            amount_excl_tax_fen=inv.amount_excl_tax_fen,
            tax_fen=inv.tax_fen,
            amount_total_fen=inv.amount_total_fen,
            buyer_tax_id=inv.buyer_tax_id,
            seller_tax_id=inv.seller_tax_id,
            capital_amount_fen=self.capital_amount_fen,
            qr_vs_ocr=dict(self.qr_vs_ocr),
        )

    def rechecked(self, now: datetime) -> InvoiceRecord:
        return replace(self, checks=tuple(run_checks(self.facts(), now)))


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


# -- corrections -------------------------------------------------------------------------

# What people type -> the field it corrects.
CORRECTABLE: dict[str, str] = {
    "号码": "number",
    "发票号码": "number",
    "代码": "code",
    "发票代码": "code",
    "日期": "issue_date",
    "开票日期": "issue_date",
    "金额": "amount_excl_tax",
    "不含税金额": "amount_excl_tax",
    "税额": "tax",
    "合计": "amount_total",
    "价税合计": "amount_total",
    "总额": "amount_total",
    "销售方": "seller_name",
    "销方": "seller_name",
    "购买方": "buyer_name",
    "购方": "buyer_name",
    "税号": "seller_tax_id",
    "销售方税号": "seller_tax_id",
    "购买方税号": "buyer_tax_id",
    "校验码": "check_code",
    "类型": "invoice_type",
    "发票类型": "invoice_type",
    "票种": "invoice_type",
}
# How people name the common kinds in a correction ("更正 类型 专票").
TYPE_SHORTHANDS: dict[str, str] = {
    "专票": "增值税专用发票",
    "普票": "增值税普通发票",
    "电子专票": "增值税电子专用发票",
    "电子普票": "增值税电子普通发票",
    "数电专票": "电子发票（增值税专用发票）",
    "数电普票": "电子发票（普通发票）",
}
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
# Fields the QR code carries, under the names perception compares them by.
_QR_NAMES = {
    "number": "invoice_number",
    "code": "invoice_code",
    "issue_date": "issue_date",
    "amount_excl_tax": "amount_excl_tax",
    "check_code": "check_code",
}
_MONEY = re.compile(r"^[¥￥]?\s*(-?\d{1,12}(?:\.\d{1,2})?)\s*元?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TAX_ID = re.compile(r"^[0-9A-Z]{15,20}$")


class CorrectionInvalid(DomainError):
    """A correction we cannot apply; the message says why, kindly."""


def parse_fen(raw: str) -> int:
    """ "46.62" / "¥46.62" / "46.62元" / "1,234.5" -> fen; at most two decimals."""
    text = raw.strip().replace(",", "").replace("，", "")
    m = _MONEY.match(text)
    if m is None:
        raise CorrectionInvalid("金额请写成数字，最多两位小数，例如：更正 金额 46.62")
    try:
        value = Decimal(m.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex already vouches
        raise CorrectionInvalid("金额请写成数字，例如 46.62") from exc
    if value < 0:
        raise CorrectionInvalid("金额不能是负数。")
    return int(value * 100)


def parse_day(raw: str, now: datetime) -> date:
    text = raw.strip()
    m = _DATE.match(text) or _DATE_COMPACT.match(text)
    if m is None:
        raise CorrectionInvalid("日期请写成 2024-03-15 这样的格式。")
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CorrectionInvalid(f"{text} 不是有效日期，请核对。") from exc
    if day > now.astimezone(SHANGHAI).date():
        raise CorrectionInvalid("开票日期不能晚于今天，请核对。")
    return day


def correct(record: InvoiceRecord, field_name: str, raw: str, now: datetime) -> InvoiceRecord:
    """The record with one field set by hand (source `manual`), checks re-run."""
    inv = record.invoice
    value = raw.strip()
    if not value:
        raise CorrectionInvalid("请在字段后面写上正确的值，例如：更正 金额 46.62")
    changes: dict[str, object]
    if field_name == "number":
        if not re.fullmatch(r"\d{8}|\d{20}", value):
            raise CorrectionInvalid("发票号码是8位或20位数字，请核对。")
        code = None if is_digital_number(value) else inv.code
        changes = {"number": value, "code": code, "kind": kind_of(inv.invoice_type, value)}
    elif field_name == "code":
        if not re.fullmatch(r"\d{10}|\d{12}", value):
            raise CorrectionInvalid("发票代码是10位或12位数字，请核对。")
        if is_digital_number(inv.number):
            raise CorrectionInvalid("数电票没有发票代码，无需更正。")
        changes = {"code": value}
    elif field_name == "issue_date":
        changes = {"issue_date": parse_day(value, now)}
    elif field_name in ("amount_excl_tax", "tax", "amount_total"):
        fen = parse_fen(value)
        column = {"amount_excl_tax": "amount_excl_tax_fen", "tax": "tax_fen"}.get(
            field_name, "amount_total_fen"
        )
        changes = {column: fen}
    elif field_name in ("seller_tax_id", "buyer_tax_id"):
        tax_id = value.upper().replace(" ", "")
        if not _TAX_ID.fullmatch(tax_id):
            raise CorrectionInvalid("税号是15到20位的数字或大写字母，请核对。")
        changes = {field_name: tax_id}
    elif field_name == "check_code":
        if not re.fullmatch(r"\d{20}", value.replace(" ", "")):
            raise CorrectionInvalid("校验码是20位数字，请核对。")
        changes = {"check_code": value.replace(" ", "")}
    elif field_name in ("seller_name", "buyer_name"):
        if len(value) > 100:
            raise CorrectionInvalid("名称太长了，请核对。")
        changes = {field_name: value}
    elif field_name == "invoice_type":
        name = TYPE_SHORTHANDS.get(value, value)
        if "发票" not in name or len(name) > 30:
            raise CorrectionInvalid(
                "请写发票类型的全称，例如：更正 类型 增值税专用发票（也可以写“专票”“普票”）。"
            )
        changes = {"invoice_type": name, "kind": kind_of(name, inv.number)}
    else:
        raise CorrectionInvalid("这个字段暂不支持更正。")
    compared = dict(record.qr_vs_ocr)
    compared.pop(_QR_NAMES.get(field_name, ""), None)  # a person settled it
    sources = dict(record.sources)
    sources[field_name] = "manual"
    updated = replace(
        record,
        invoice=replace(inv, **changes),  # type: ignore[arg-type]
        sources=sources,
        qr_vs_ocr=compared,
        corrected_at=now,
    )
    return updated.rechecked(now)


def new_key_of(record: InvoiceRecord) -> str:
    return dedup_key(record.invoice.code, record.invoice.number)


# -- months ------------------------------------------------------------------------------

_REL = {"本月": 0, "这个月": 0, "这月": 0, "当月": 0, "本月份": 0, "上个月": -1, "上月": -1}
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?份?$")
_M = re.compile(r"^(\d{1,2})\s*月份?$")


def shift_month(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_period(text: str | None, now: datetime) -> str | None:
    """ "本月" / "上个月" / "2024-03" / "2024年3月" / "3月" -> "YYYY-MM" (None if not a month).
    A bare month later than this one means last year's."""
    this = month_of(now.astimezone(SHANGHAI).date())
    if not text:
        return this
    t = text.strip()
    if t in _REL:
        return shift_month(this, _REL[t])
    if re.fullmatch(r"\d{4}-\d{2}", t) and 1 <= int(t[5:]) <= 12:
        return t  # NLU's normalised form
    m = _YM.match(t)
    if m is not None and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _M.match(t)
    if m is not None and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        year = int(this[:4]) - (1 if month > int(this[5:]) else 0)
        return f"{year:04d}-{month:02d}"
    return None


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """The month in Shanghai as a UTC [start, end) pair."""
    year, month = int(period[:4]), int(period[5:7])
    start = datetime(year, month, 1, tzinfo=SHANGHAI)
    nxt = shift_month(period, 1)
    end = datetime(int(nxt[:4]), int(nxt[5:]), 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def day_start(now: datetime) -> datetime:
    """Midnight in Shanghai of `now`'s day, as UTC."""
    d = now.astimezone(SHANGHAI).date()
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class MonthSummary:
    period: str
    count: int
    excl_tax_fen: int
    tax_fen: int
    total_fen: int
    duplicates: int
    missing_amounts: int  # invoices whose total we could not read (not in the sums)


def summarise(period: str, invoices: Sequence[InvoiceRecord], duplicates: int) -> MonthSummary:
    excl = tax = total = missing = 0
    for r in invoices:
        inv = r.invoice
        if inv.amount_total_fen is None:
            missing += 1
        excl += inv.amount_excl_tax_fen or 0
        tax += inv.tax_fen or 0
        total += inv.amount_total_fen or 0
    return MonthSummary(period, len(invoices), excl, tax, total, duplicates, missing)
