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

from domain.catalogue import InvoiceTypeWords
from domain.clock import SHANGHAI, local
from domain.errors import Invalid
from domain.invoice_checks import CheckResult, InvoiceFacts, run_checks
from domain.invoices import Invoice, dedup_key, is_digital_number, kind_of


class UploadStatus(StrEnum):
    PENDING = "pending"  # waiting for a worker (or for a retry after a WeChat hiccup)
    WORKING = "working"  # leased by a worker until `lease_until`
    READ = "read"  # an invoice was stored
    DUPLICATE = "duplicate"  # the same invoice or image was already there
    FAILED = "failed"  # not an image, not an invoice, or the media is gone


SETTLED = frozenset({UploadStatus.READ, UploadStatus.DUPLICATE, UploadStatus.FAILED})

# The fields people see and may correct, in the order they are shown.
SHOWN_FIELDS = (
    "invoice_type",
    "number",
    "code",
    "issue_date",
    "amount_excl_tax",
    "tax",
    "amount_total",
    "seller_name",
    "buyer_name",
    "seller_tax_id",
    "buyer_tax_id",
    "check_code",
)
# Fields read with less confidence than this are pointed out for checking.
UNSURE_BELOW = 0.8


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
    # Whose lease it is while `working`: only this token's holder may settle it.
    lease_token: str | None = None
    # The QR scout took it at this time (at most one scout per upload) and kept its bytes
    # under this SHA-256 in the blob store, for the full read to reuse.
    scouted_at: datetime | None = None
    blob_sha256: str | None = None


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

    def unsure_fields(self) -> tuple[str, ...]:
        """Shown fields read with too little confidence to trust, unless a person set them."""
        return tuple(
            name
            for name, confidence in self.confidence.items()
            if name in SHOWN_FIELDS
            and confidence < UNSURE_BELOW
            and self.sources.get(name) != "manual"
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

# Fields the QR code carries, under the names perception compares them by.
_QR_NAMES = {
    "number": "invoice_number",
    "code": "invoice_code",
    "issue_date": "issue_date",
    "amount_excl_tax": "amount_excl_tax",
    "check_code": "check_code",
}
# Values as the chat hands them over (it reads people's own ways of writing them first:
# `handlers.invoice_values`).
_MONEY = re.compile(r"^¥?\s*(-?\d{1,12}(?:\.\d{1,2})?)\s*$")
_DATE = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TAX_ID = re.compile(r"^[0-9A-Z]{15,20}$")


class CorrectionInvalid(Invalid):
    """A correction we cannot apply; the code (and facts) say why."""


def parse_fen(raw: str) -> int:
    """ "46.62" / "¥46.62" / "1,234.5" -> fen; at most two decimals."""
    text = raw.strip().replace(",", "")
    m = _MONEY.match(text)
    if m is None:
        raise CorrectionInvalid("amount_format")
    try:
        value = Decimal(m.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex already vouches
        raise CorrectionInvalid("amount_format") from exc
    if value < 0:
        raise CorrectionInvalid("amount_negative")
    return int(value * 100)


def parse_day(raw: str, now: datetime) -> date:
    text = raw.strip()
    m = _DATE.match(text) or _DATE_COMPACT.match(text)
    if m is None:
        raise CorrectionInvalid("date_format")
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CorrectionInvalid("date_invalid", text=text) from exc
    if day > now.astimezone(SHANGHAI).date():
        raise CorrectionInvalid("date_future")
    return day


def correct(record: InvoiceRecord, field_name: str, raw: str, now: datetime) -> InvoiceRecord:
    """The record with one field set by hand (source `manual`), checks re-run."""
    inv = record.invoice
    value = raw.strip()
    if not value:
        raise CorrectionInvalid("value_missing")
    changes: dict[str, object]
    if field_name == "number":
        if not re.fullmatch(r"\d{8}|\d{20}", value):
            raise CorrectionInvalid("number_format")
        code = None if is_digital_number(value) else inv.code
        changes = {"number": value, "code": code, "kind": kind_of(inv.invoice_type, value)}
    elif field_name == "code":
        if not re.fullmatch(r"\d{10}|\d{12}", value):
            raise CorrectionInvalid("code_format")
        if is_digital_number(inv.number):
            raise CorrectionInvalid("code_not_applicable")
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
            raise CorrectionInvalid("tax_id_format")
        changes = {field_name: tax_id}
    elif field_name == "check_code":
        if not re.fullmatch(r"\d{20}", value.replace(" ", "")):
            raise CorrectionInvalid("check_code_format")
        changes = {"check_code": value.replace(" ", "")}
    elif field_name in ("seller_name", "buyer_name"):
        if len(value) > 100:
            raise CorrectionInvalid("name_too_long")
        changes = {field_name: value}
    elif field_name == "invoice_type":
        name = value
        if InvoiceTypeWords.WORD not in name or len(name) > 30:
            raise CorrectionInvalid("type_format")
        changes = {"invoice_type": name, "kind": kind_of(name, inv.number)}
    else:
        raise CorrectionInvalid("field_not_correctable")
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


def shift_month(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


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
