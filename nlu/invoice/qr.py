"""The QR code printed on Chinese VAT e-invoices and 数电票, found with zxing-cpp and parsed.

Payload: ``01,<type>,<code>,<number>,<amount excl. tax>,<YYYYMMDD>,<check code>,<crc>[,]``.
数电票 (fully digitalised invoices, types 31/32 and later) leave the code and check code empty and
carry a 20-digit number. The QR is the most trustworthy source on the page, so it is read first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import zxingcpp

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


@dataclass(frozen=True, slots=True)
class QrHit:
    """A decoded QR symbol with where it was on the page (for painting over, orientation)."""

    text: str
    corners: tuple[tuple[int, int], ...]  # top-left, top-right, bottom-right, bottom-left
    orientation: int  # degrees the symbol is rotated, as zxing reports it


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


def _decode(gray: np.ndarray, **options: object) -> list[QrHit]:
    hits = []
    for barcode in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, **options):
        pos = barcode.position
        corners = tuple(
            (int(p.x), int(p.y))
            for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        )
        hits.append(QrHit(barcode.text, corners, int(barcode.orientation)))
    return hits


def find_qr_codes(gray: np.ndarray) -> list[QrHit]:
    """All QR symbols on a grayscale page: full image first, then harder variants.

    The variants only run when the plain pass finds nothing: a downscale (phone photos are
    sharper than the QR needs, and moiré hurts), and an Otsu-binarised copy (uneven light).
    """
    hits = _decode(gray)
    if hits:
        return hits
    import cv2  # local: only the fallbacks need OpenCV

    h, w = gray.shape[:2]
    if max(h, w) > 1000:
        scale = 1000 / max(h, w)
        small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        hits = [_rescale(hit, 1 / scale) for hit in _decode(small)]
        if hits:
            return hits
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hits = _decode(binary, binarizer=zxingcpp.Binarizer.BoolCast)
    if hits:
        return hits
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    return _decode(blurred, binarizer=zxingcpp.Binarizer.GlobalHistogram)


def _rescale(hit: QrHit, factor: float) -> QrHit:
    corners = tuple((int(x * factor), int(y * factor)) for x, y in hit.corners)
    return QrHit(hit.text, corners, hit.orientation)


def read_invoice_qr(gray: np.ndarray) -> tuple[QrPayload | None, QrHit | None]:
    """The first QR on the page that parses as an invoice payload, with its hit."""
    for hit in find_qr_codes(gray):
        payload = parse_qr_payload(hit.text)
        if payload is not None:
            return payload, hit
    return None, None
