"""What reading one invoice image produces: fields with their source and confidence.

Plain, picklable dataclasses (results cross the process-pool boundary). Amounts are integer fen;
dates ISO `YYYY-MM-DD` strings; everything else text as printed. A field absent from the page is
absent from `fields` (the CLI renders it as null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nlu.invoice.qr_payload import QrPayload

Source = Literal["qr", "ocr"]

TEXT_FIELDS = (
    "invoice_type",
    "invoice_code",
    "invoice_number",
    "issue_date",
    "check_code",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
)
AMOUNT_FIELDS = ("amount_excl_tax", "tax", "amount_total")
FIELD_NAMES = (
    "invoice_type",
    "invoice_code",
    "invoice_number",
    "issue_date",
    "check_code",
    "amount_excl_tax",
    "tax",
    "amount_total",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
)
# The fields the QR code carries; the ones a client needs first.
QR_FIELDS = (
    "invoice_type",
    "invoice_code",
    "invoice_number",
    "issue_date",
    "check_code",
    "amount_excl_tax",
)


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field's value, where it came from, and how sure we are (0..1)."""

    value: str | int  # int fen for amounts, str otherwise
    source: Source
    confidence: float


@dataclass(slots=True)
class InvoiceReading:
    """Everything perception learned from one image. Business checks happen in `domain`."""

    is_invoice: bool
    fields: dict[str, FieldValue] = field(default_factory=dict)
    qr: QrPayload | None = None
    # What OCR alone read for fields the QR also carries, so QR and OCR can be compared.
    ocr_values: dict[str, str | int] = field(default_factory=dict)
    capital_amount_text: str | None = None
    capital_amount_fen: int | None = None
    tax_rates: tuple[str, ...] = ()
    rotation: int = 0  # degrees (clockwise) the image was turned to stand upright
    ocr_done: bool = False  # False for the QR-only fast path
    timings: dict[str, float] = field(default_factory=dict)

    def value(self, name: str) -> str | int | None:
        found = self.fields.get(name)
        return None if found is None else found.value

    @property
    def dedup_parts(self) -> tuple[str | None, str | None]:
        """(invoice code, invoice number) as read, for the domain's dedup key."""
        code, number = self.value("invoice_code"), self.value("invoice_number")
        return (None if code is None else str(code), None if number is None else str(number))


def fen_to_yuan(fen: int) -> str:
    """1234 -> "12.34"; the CLI and answers show yuan with two decimals."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
