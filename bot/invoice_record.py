"""Perception's reading of an invoice photo -> the domain's invoice record.

The worker (`bot.invoice_worker`) calls this once a photo has been read and is an invoice with a
number; it is kept apart because it is a pure mapping between two vocabularies (perception's
field names and values, the domain's `Invoice` and check input), testable without any I/O.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from domain.invoice_checks import InvoiceFacts, run_checks
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload
from domain.invoices import Invoice, is_digital_number, kind_of
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
