"""Invoices a client company uploaded: the record we keep, and what makes two uploads the same.

An invoice is identified nationally by code + number; 数电票 (fully digitalised e-invoices) have
no code and a 20-digit number that is unique on its own. Amounts are integer fen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.catalogue import InvoiceTypeWords


class InvoiceKind(StrEnum):
    """Broad kinds that change how an invoice is keyed and checked."""

    VAT_SPECIAL = "vat_special"  # 增值税专用发票 (paper or electronic)
    VAT_COMMON = "vat_common"  # 增值税普通发票 / 电子普通发票
    DIGITAL = "digital"  # 数电票: 电子发票（增值税专用发票 / 普通发票）
    OTHER = "other"


_DIGITAL_NUMBER = re.compile(r"\d{20}")


def is_digital_number(number: str) -> bool:
    """A 数电票 number: 20 digits, unique without an invoice code."""
    return bool(_DIGITAL_NUMBER.fullmatch(number))


def kind_of(invoice_type: str | None, number: str | None = None) -> InvoiceKind:
    """Classify a printed invoice type name (e.g. "增值税电子普通发票")."""
    name = invoice_type or ""
    words = InvoiceTypeWords
    if name.startswith(words.DIGITAL_PREFIX) or (number is not None and is_digital_number(number)):
        return InvoiceKind.DIGITAL
    if words.VAT_SPECIAL in name:
        return InvoiceKind.VAT_SPECIAL
    if words.VAT_COMMON in name:
        return InvoiceKind.VAT_COMMON
    return InvoiceKind.OTHER


def dedup_key(code: str | None, number: str) -> str:
    """The identity of an invoice: "code:number", or the number alone for a 数电票.

    >>> dedup_key("012002100311", "76293190")
    '012002100311:76293190'
    >>> dedup_key(None, "25452081553046405072")
    '25452081553046405072'
    """
    number = number.strip()
    if not number:
        raise ValueError("an invoice needs a number")
    if is_digital_number(number) or not code:
        return number
    return f"{code.strip()}:{number}"


@dataclass(frozen=True, slots=True)
class Invoice:
    """One invoice a client company sent us, as confirmed from the image."""

    company_id: int
    number: str
    code: str | None
    kind: InvoiceKind
    invoice_type: str | None
    issue_date: date | None
    amount_excl_tax_fen: int | None
    tax_fen: int | None
    amount_total_fen: int | None
    buyer_name: str | None
    buyer_tax_id: str | None
    seller_name: str | None
    seller_tax_id: str | None
    check_code: str | None
    image_sha256: str
    uploaded_by: int  # the client user (person) who sent the photo
    uploaded_at: datetime  # aware
    id: int | None = None

    def __post_init__(self) -> None:
        if self.uploaded_at.tzinfo is None:
            raise ValueError("uploaded_at must be an aware datetime")
        if len(self.image_sha256) != 64:
            raise ValueError("image_sha256 must be a hex SHA-256 digest")

    @property
    def key(self) -> str:
        return dedup_key(self.code, self.number)


@dataclass(frozen=True, slots=True)
class DuplicateInvoice:
    """The answer to "have we seen this one?": who sent it first and when (the chat says it,
    `handlers.invoice_texts.duplicate_text`)."""

    original: Invoice
    by_same_image: bool  # True: the very same bytes; False: same code + number


def find_duplicate(
    candidate_key: str | None, image_sha256: str, existing: list[Invoice]
) -> DuplicateInvoice | None:
    """The earliest earlier upload of the same image bytes or the same invoice, if any.

    `existing` is what the repository holds for this client company.
    """
    ordered = sorted(existing, key=lambda inv: inv.uploaded_at)
    for invoice in ordered:
        if invoice.image_sha256 == image_sha256:
            return DuplicateInvoice(invoice, by_same_image=True)
    if candidate_key is not None:
        for invoice in ordered:
            if invoice.key == candidate_key:
                return DuplicateInvoice(invoice, by_same_image=False)
    return None
