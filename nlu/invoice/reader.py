"""Read one invoice image: intake, QR first, then OCR of the lines that matter, then fields.

`InvoiceReader` holds the models of one process; the pool (`nlu.invoice.pool`) keeps one per
worker. Orientation is settled for the whole page before recognition: from the QR symbol when
there is one (zxing reports its rotation), else from the shape of the detected lines (tall boxes
mean a sideways page) and a vote of the angle classifier on a few lines (upside down).
"""

from __future__ import annotations

import math
import re
import time

import cv2
import numpy as np

from nlu.invoice.extract import Extraction, extract_fields, wants_full_read
from nlu.invoice.geometry import (
    elongation,
    is_tall,
    quarter_turns,
    rotate_quads,
    rotate_small,
    tilt_degrees,
    to_bgr,
)
from nlu.invoice.intake import load_image
from nlu.invoice.layout import Line, normalise, right_of
from nlu.invoice.ocr import Crop, OcrEngine
from nlu.invoice.qr import read_invoice_qr
from nlu.invoice.qr_payload import QrPayload
from nlu.invoice.reading import FieldValue, InvoiceReading
from nlu.invoice.rereads import reread_digits, reread_title

# Long lines are first recognised only this many heights from their left end (the label).
PREFIX_RATIO = 4.0
# Beyond this tilt (a photo taken at an angle) the page is straightened before reading.
MAX_TILT_DEGREES = 5.0
QR_CONFIDENCE = 0.99
# Large phone JPEGs are decoded at reduced scale: enough pixels for the QR code (fast path) and
# for detection plus sharp line crops (full read), at a fraction of the decoding time.
QR_DECODE_SIDE = 2000
FULL_DECODE_SIDE = 2600
# A label with its value in the next box on the row; the box is then read in full.
_LABEL_ONLY = re.compile(
    r"(名称|称|识别号|信用代码|代码|号码|日期|校验码|小写\)?|大写\)?|合计)[:;]?$"
)


class InvoiceReader:
    """Reads invoice images in the current process (models loaded once)."""

    def __init__(self, threads: int = 2, det_limit: int = 800) -> None:
        self.engine = OcrEngine(threads=threads, det_limit=det_limit)

    # -- public --------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Run every model once on a tiny page so the first real read is not slow."""
        page = np.full((64, 256, 3), 255, dtype=np.uint8)
        cv2.putText(page, "12.34", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        quads = self.engine.detect(page)
        crops = [self.engine.crop(page, q).image for q in quads] or [page[:48, :]]
        self.engine.recognize(crops)
        self.engine.upside_down_share(crops)

    def read_qr(self, data: bytes) -> InvoiceReading:
        """The fast path: only the QR code (tens of milliseconds)."""
        return read_qr(data)

    def read(self, data: bytes) -> InvoiceReading:
        """Full reading: QR and OCR, every field with its source and confidence."""
        started = time.perf_counter()
        cpu_started = time.process_time()  # all threads of this process: robust to noisy cores
        bgr = to_bgr(load_image(data, max_side=FULL_DECODE_SIDE))
        timings: dict[str, float] = {}
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        payload, hit = read_invoice_qr(gray)
        timings["qr"] = time.perf_counter() - started

        turns = quarter_turns(hit) if hit is not None else None
        if turns:
            bgr = np.ascontiguousarray(np.rot90(bgr, turns))
        mark = time.perf_counter()
        quads = self.engine.detect(bgr)
        timings["detect"] = time.perf_counter() - mark
        if turns is None:
            mark = time.perf_counter()
            bgr, quads, turns = self._orient(bgr, quads)
            timings["orient"] = time.perf_counter() - mark

        tilt = tilt_degrees(quads)
        if abs(tilt) > MAX_TILT_DEGREES:
            # A photo taken at an angle: straighten the page and detect again, so rows and
            # columns are rows and columns again.
            mark = time.perf_counter()
            bgr = rotate_small(bgr, tilt)
            quads = self.engine.detect(bgr)
            timings["deskew"] = time.perf_counter() - mark

        mark = time.perf_counter()
        lines, crops = self._recognise(bgr, quads)
        timings["recognise"] = time.perf_counter() - mark
        extraction = extract_fields(lines)
        if "invoice_type" not in extraction.fields and (
            payload is None or not payload.invoice_type
        ):
            lines, extraction = reread_title(self.engine, bgr, quads, lines, extraction)
        extraction = reread_digits(self.engine, crops, lines, extraction, payload)

        reading = InvoiceReading(
            is_invoice=payload is not None or _looks_like_invoice(extraction),
            qr=payload,
            capital_amount_text=extraction.capital_text,
            capital_amount_fen=extraction.capital_fen,
            tax_rates=extraction.tax_rates,
            rotation=(-turns * 90) % 360,
            ocr_done=True,
        )
        _merge(reading, extraction, payload)
        timings["total"] = time.perf_counter() - started
        timings["cpu"] = time.process_time() - cpu_started
        reading.timings = {k: round(v, 4) for k, v in timings.items()}
        return reading

    # -- orientation -----------------------------------------------------------------------

    def _orient(
        self, bgr: np.ndarray, quads: list[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray], int]:
        """Turn the page upright; returns the image, its line quads and the CCW quarter turns."""
        turns = 0
        long_quads = [q for q in quads if elongation(q) >= 2.5]
        tall = sum(1 for q in long_quads if is_tall(q))
        if long_quads and tall > len(long_quads) / 2:
            turns = 3  # 90° clockwise; the vote below catches the other way round
            quads = rotate_quads(quads, turns, bgr.shape[1], bgr.shape[0])
            bgr = np.ascontiguousarray(np.rot90(bgr, turns))
        sample = sorted(quads, key=elongation, reverse=True)[:12]
        crops = [self.engine.crop(bgr, q).image for q in sample]
        if self.engine.upside_down_share(crops) > 0.5:
            bgr = np.ascontiguousarray(np.rot90(bgr, 2))
            turns = (turns + 2) % 4
        if turns:
            # Detect again on the upright page rather than mapping the boxes: detection splits
            # lines differently on a turned page, and an upright read must not depend on that.
            quads = self.engine.detect(bgr)
        return bgr, quads, turns

    # -- recognition -----------------------------------------------------------------------

    def _recognise(self, bgr: np.ndarray, quads: list[np.ndarray]) -> tuple[list[Line], list[Crop]]:
        if not quads:
            return [], []
        crops = [self.engine.crop(bgr, q) for q in quads]
        lines = _layout_lines(crops)
        # Pass 1: short lines whole, long lines by their left end only.
        first: list[np.ndarray] = []
        for crop, line in zip(crops, lines, strict=True):
            if crop.ratio <= PREFIX_RATIO + 1.5:
                first.append(crop.image)
            else:
                height = crop.image.shape[0]
                first.append(crop.image[:, : int(PREFIX_RATIO * height)])
                line.full = False
        for line, (text, score) in zip(lines, self.engine.recognize(first), strict=True):
            line.text, line.score = text, score
        # Pass 2: long lines whose label matters, and the title (the largest print on the page,
        # whatever province name it starts with).
        heights = sorted(line.height for line in lines)
        title_height = 1.4 * heights[len(heights) // 2]
        self._complete(
            crops,
            lines,
            [
                line
                for line in lines
                if not line.full and (wants_full_read(line.text) or line.height >= title_height)
            ],
        )
        # Pass 3: values standing in their own box right of a label.
        rescue: list[Line] = []
        for line in lines:
            if line.full and _LABEL_ONLY.search(normalise(line.text)):
                rescue.extend(
                    n for n in right_of(line, lines)[:2] if not n.full and n not in rescue
                )
        self._complete(crops, lines, rescue)
        return [line for line in lines if line.text], crops

    def _complete(self, crops: list[Crop], lines: list[Line], todo: list[Line]) -> None:
        if not todo:
            return
        results = self.engine.recognize([crops[line.index].image for line in todo])
        for line, (text, score) in zip(todo, results, strict=True):
            line.text, line.score, line.full = text, score, True


def _layout_lines(crops: list[Crop]) -> list[Line]:
    """Axis-aligned boxes in a frame rotated back by the page's small tilt."""
    angles = []
    for crop in crops:
        q = crop.quad
        if elongation(q) >= 3 and not is_tall(q):
            angles.append(math.atan2(float(q[1][1] - q[0][1]), float(q[1][0] - q[0][0])))
    tilt = float(np.median(angles)) if angles else 0.0
    cos, sin = math.cos(-tilt), math.sin(-tilt)
    lines = []
    for index, crop in enumerate(crops):
        q = crop.quad
        cx, cy = float(q[:, 0].mean()), float(q[:, 1].mean())
        rx, ry = cx * cos - cy * sin, cx * sin + cy * cos
        w = float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
        h = float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
        lines.append(Line("", 0.0, rx - w / 2, ry - h / 2, rx + w / 2, ry + h / 2, index=index))
    return lines


def _looks_like_invoice(extraction: Extraction) -> bool:
    found = extraction.fields
    key_fields = sum(
        1
        for name in ("invoice_number", "issue_date", "amount_total", "seller_name")
        if name in found
    )
    return extraction.keyword_hits >= 4 and key_fields >= 1


def read_qr(data: bytes) -> InvoiceReading:
    """Only the QR code (tens of milliseconds), no models: what the QR lane runs
    (`nlu.invoice.pool.QrLane`) and `InvoiceReader.read_qr`."""
    started = time.perf_counter()
    bgr = to_bgr(load_image(data, max_side=QR_DECODE_SIDE))
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    payload, hit = read_invoice_qr(gray)
    reading = InvoiceReading(is_invoice=payload is not None, qr=payload)
    if payload is not None:
        _put_qr_fields(reading, payload)
    if hit is not None:
        reading.rotation = (-quarter_turns(hit) * 90) % 360
    reading.timings["total"] = time.perf_counter() - started
    return reading


def _put_qr_fields(reading: InvoiceReading, payload: QrPayload) -> None:
    fields = reading.fields
    if payload.invoice_type:
        fields["invoice_type"] = FieldValue(payload.invoice_type, "qr", QR_CONFIDENCE)
    if payload.invoice_code:
        fields["invoice_code"] = FieldValue(payload.invoice_code, "qr", QR_CONFIDENCE)
    fields["invoice_number"] = FieldValue(payload.invoice_number, "qr", QR_CONFIDENCE)
    fields["issue_date"] = FieldValue(payload.issue_date, "qr", QR_CONFIDENCE)
    if payload.check_code:
        fields["check_code"] = FieldValue(payload.check_code, "qr", QR_CONFIDENCE)
    fields["amount_excl_tax"] = FieldValue(payload.amount_excl_tax_fen, "qr", QR_CONFIDENCE)


def _merge(reading: InvoiceReading, extraction: Extraction, payload: QrPayload | None) -> None:
    for name, (value, confidence) in extraction.fields.items():
        reading.fields[name] = FieldValue(value, "ocr", confidence)
    if payload is not None:
        for name in (
            "invoice_type",
            "invoice_code",
            "invoice_number",
            "issue_date",
            "check_code",
            "amount_excl_tax",
        ):
            if name in extraction.fields:
                reading.ocr_values[name] = extraction.fields[name][0]
        _put_qr_fields(reading, payload)
        if payload.invoice_code is None:
            # 数电票 have no code; an OCR "code" would be something else on the page.
            reading.fields.pop("invoice_code", None)
        if payload.check_code is None:
            reading.fields.pop("check_code", None)
    f = reading.fields
    if "tax" not in f and "amount_total" in f and "amount_excl_tax" in f:
        derived = int(f["amount_total"].value) - int(f["amount_excl_tax"].value)
        conf = min(f["amount_total"].confidence, f["amount_excl_tax"].confidence) * 0.5
        f["tax"] = FieldValue(derived, "ocr", round(conf, 3))
