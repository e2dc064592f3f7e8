"""The text payload of the QR code on Chinese VAT e-invoices and 数电票, parsed.

Payload: ``01,<type>,<code>,<number>,<amount excl. tax>,<YYYYMMDD>,<check code>,<crc>[,]``.
数电票 (fully digitalised invoices, types 31/32) leave the code and check code empty and carry a
20-digit number. Pure Python, so result types can be imported without the image stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Invoice type codes used in the QR payload and on the 查验 platform.
QR_TYPE_NAMES: dict[str, str] = {
    "01": "增值税专用发票",
    "02": "货物运输业增值税专用发票",
    "03": "机动车销售统一发票",
    "04": "增值税普通发票",
    "08": "增值税电子专用发票",
    "10": "增值税电子普通发票",
    "11": "增值税普通发票（卷票）",
    "14": "增值税电子普通发票（通行费）",
    "15": "二手车销售统一发票",
    "31": "电子发票（增值税专用发票）",
    "32": "电子发票（普通发票）",
}

_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")


@dataclass(frozen=True, slots=True)
class QrPayload:
    """The fields of an invoice QR code, as text exactly as the QR spells them."""

    type_code: str
    invoice_code: str | None
    invoice_number: str
    amount_excl_tax_fen: int
    issue_date: str  # YYYY-MM-DD
    check_code: str | None
    raw: str

    @property
    def invoice_type(self) -> str | None:
        return QR_TYPE_NAMES.get(self.type_code)


def yuan_to_fen(text: str) -> int | None:
    text = text.strip().replace(",", "")
    if not _AMOUNT.match(text):
        return None
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    fen = int(whole) * 100 + int((frac + "00")[:2])
    return -fen if negative else fen


def parse_qr_payload(text: str) -> QrPayload | None:
    """Parse an invoice QR payload; None when the text is not one (a URL, a shop's QR, ...)."""
    parts = [p.strip() for p in text.strip().split(",")]
    if len(parts) < 7 or parts[0] != "01":
        return None
    type_code, code, number, amount, date, check = parts[1:7]
    if not re.fullmatch(r"\d{2}", type_code):
        return None
    if code and not re.fullmatch(r"\d{10,12}", code):
        return None
    if not re.fullmatch(r"\d{8}|\d{20}", number):
        return None
    if not re.fullmatch(r"\d{8}", date):
        return None
    fen = yuan_to_fen(amount)
    if fen is None:
        return None
    if check and not re.fullmatch(r"\d{5,20}", check):
        return None
    return QrPayload(
        type_code=type_code,
        invoice_code=code or None,
        invoice_number=number,
        amount_excl_tax_fen=fen,
        issue_date=f"{date[:4]}-{date[4:6]}-{date[6:]}",
        check_code=check or None,
        raw=text,
    )
