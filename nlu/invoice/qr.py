"""Finding the QR code on an invoice page with zxing-cpp (payload parsing: `qr_payload`).

The QR is the most trustworthy source on the page, so it is read first; when the plain pass
finds nothing, downscaled and binarised variants are tried.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp

from nlu.invoice.qr_payload import QrPayload, parse_qr_payload


@dataclass(frozen=True, slots=True)
class QrHit:
    """A decoded QR symbol with where it was on the page (for painting over, orientation)."""

    text: str
    corners: tuple[tuple[int, int], ...]  # top-left, top-right, bottom-right, bottom-left
    orientation: int  # degrees the symbol is rotated, as zxing reports it


def _decode(gray: np.ndarray, binarizer: zxingcpp.Binarizer | None = None) -> list[QrHit]:
    hits = []
    found = zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        binarizer=binarizer or zxingcpp.Binarizer.LocalAverage,
    )
    for barcode in found:
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
    sharper than the QR needs, and moiré hurts), an unsharp-masked copy and a doubled, sharpened
    one (a small QR on a blurred photo, whose modules are only 2-3 pixels wide), and an
    Otsu-binarised copy (uneven light).
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
    hits = _decode(_sharpen(gray))
    if hits:
        return hits
    if max(h, w) <= 2000:
        doubled = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        hits = [_rescale(hit, 0.5) for hit in _decode(_sharpen(doubled, sigma=2.0))]
        if hits:
            return hits
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hits = _decode(binary, binarizer=zxingcpp.Binarizer.BoolCast)
    if hits:
        return hits
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    return _decode(blurred, binarizer=zxingcpp.Binarizer.GlobalHistogram)


def _sharpen(gray: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Unsharp mask: blurred module edges steepened so the binarizer finds them."""
    import cv2

    return cv2.addWeighted(gray, 1.8, cv2.GaussianBlur(gray, (0, 0), sigma), -0.8, 0)


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
