"""Perception's reading of an invoice photo -> the domain's invoice record.

The worker (`bot.workers.invoices`) calls this once a photo has been read and is an invoice with a
number; it is kept apart because it is a pure mapping between two vocabularies (perception's
field names and values, the domain's `Invoice` and check input), testable without any I/O. The
QR fast path and the QR scout (`bot.workers.invoice_scout`) map a QR-only reading to the quick
key-fields notice here too.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from domain.invoice_checks import InvoiceFacts, run_checks
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload
from domain.invoices import Invoice, is_digital_number, kind_of
from domain.notices import InvoiceKeyFields
from nlu.invoice.reading import InvoiceReading

# Perception's field names -> the names corrections and sources use.
_FIELD_NAMES = {
    "invoice_type": "invoice_type",
    "invoice_code": "code",
    "invoice_number": "number",
    "issue_date": "issue_date",
    "check_code": "check_code",
    "amount_excl_tax": "amount_excl_tax",
    "tax": "tax",
    "amount_total": "amount_total",
    "buyer_name": "buyer_name",
    "buyer_tax_id": "buyer_tax_id",
    "seller_name": "seller_name",
    "seller_tax_id": "seller_tax_id",
}


def _fen(reading: InvoiceReading, name: str) -> int | None:
    value = reading.value(name)
    return value if isinstance(value, int) else None


def _text(reading: InvoiceReading, name: str, blank_is_none: bool = False) -> str | None:
    value = reading.value(name)
    if value is None or (blank_is_none and value == ""):
        return None
    return str(value)


def key_fields_from_qr(seq: int, quick: InvoiceReading) -> InvoiceKeyFields | None:
    """The quick word from a QR-only reading, or None when the QR code gave no invoice number
    (no QR, or not an invoice's: the full read then decides everything)."""
    number = quick.value("invoice_number")
    if not quick.is_invoice or number is None or not str(number).strip():
        return None
    issued = quick.value("issue_date")
    return InvoiceKeyFields(
        seq,
        str(number),
        issue_date=None if issued is None else str(issued),
        amount_total_fen=_fen(quick, "amount_total"),
        amount_excl_tax_fen=_fen(quick, "amount_excl_tax"),
    )


def facts_from_reading(reading: InvoiceReading) -> InvoiceFacts:
    """Perception's reading -> the plain values the domain checks take."""

    def fen(name: str) -> int | None:
        return _fen(reading, name)

    def text(name: str) -> str | None:
        return _text(reading, name)

    compared: dict[str, tuple[str, str]] = {}
    for name, ocr_value in reading.ocr_values.items():
        found = reading.fields.get(name)
        if found is not None and found.source == "qr":
            compared[name] = (str(found.value), str(ocr_value))
    return InvoiceFacts(
        invoice_number=text("invoice_number"),
        issue_date=text("issue_date"),
        amount_excl_tax_fen=fen("amount_excl_tax"),
        tax_fen=fen("tax"),
        amount_total_fen=fen("amount_total"),
        buyer_tax_id=text("buyer_tax_id"),
        seller_tax_id=text("seller_tax_id"),
        capital_amount_fen=reading.capital_amount_fen,
        qr_vs_ocr=compared,
    )


def record_from_reading(
    reading: InvoiceReading, upload: InvoiceUpload, sha256: str, now: datetime
) -> InvoiceRecord:
    """Perception's reading -> the domain record (only called when it is an invoice)."""

    def text(name: str) -> str | None:
        return _text(reading, name, blank_is_none=True)

    def fen(name: str) -> int | None:
        return _fen(reading, name)

    number = text("invoice_number")
    assert number is not None
    code = None if is_digital_number(number) else text("invoice_code")
    issued: date | None = None
    raw_date = text("issue_date")
    if raw_date is not None:
        with contextlib.suppress(ValueError):
            issued = date.fromisoformat(raw_date)
    invoice_type = text("invoice_type")
    invoice = Invoice(
        company_id=upload.company_id,
        number=number,
        code=code,
        kind=kind_of(invoice_type, number),
        invoice_type=invoice_type,
        issue_date=issued,
        amount_excl_tax_fen=fen("amount_excl_tax"),
        tax_fen=fen("tax"),
        amount_total_fen=fen("amount_total"),
        buyer_name=text("buyer_name"),
        buyer_tax_id=text("buyer_tax_id"),
        seller_name=text("seller_name"),
        seller_tax_id=text("seller_tax_id"),
        check_code=text("check_code"),
        image_sha256=sha256,
        uploaded_by=upload.contact_id or 0,
        uploaded_at=upload.created_at,
    )
    facts = facts_from_reading(reading)
    return InvoiceRecord(
        invoice=invoice,
        uploader_name=upload.uploader_name,
        sources={_FIELD_NAMES[k]: v.source for k, v in reading.fields.items() if k in _FIELD_NAMES},
        confidence={
            _FIELD_NAMES[k]: float(v.confidence)
            for k, v in reading.fields.items()
            if k in _FIELD_NAMES
        },
        capital_amount_fen=reading.capital_amount_fen,
        qr_vs_ocr=dict(facts.qr_vs_ocr),
        checks=tuple(run_checks(facts, now)),
        upload_id=upload.id,
    )
