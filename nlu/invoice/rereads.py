"""Second looks at the parts of a page whose first reading failed a check.

The reader (`nlu.invoice.reader`) reads every line once; these run only when extraction says a
field is missing or malformed:
- digit fields of the wrong length are read again from a horizontally stretched crop;
- a title split by the red 监制章 stamp is read again as one band from the red channel, and when
  that reading is still garbled, the invoice type is chosen from the closed set of types by
  scoring each one against the recognition model's output (`nlu.invoice.title.constrained_type`).
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from nlu.invoice.ctc import log_likelihood
from nlu.invoice.extract import CHECK_CODE_LABEL, Extraction, extract_fields
from nlu.invoice.geometry import widen_along_row
from nlu.invoice.layout import Line, normalise, right_of, same_row
from nlu.invoice.ocr import Crop, OcrEngine
from nlu.invoice.qr_payload import QrPayload
from nlu.invoice.taxid import uscc_valid
from nlu.invoice.title import constrained_type, title_fragments

# Horizontal stretch for re-reading digit runs that came out too short.
STRETCH = 1.3
# How far (in line heights, left and right) a title re-read looks past the fragments found.
TITLE_REACH = (3.0, 7.0)


def reread_digits(
    engine: OcrEngine,
    crops: list[Crop],
    lines: list[Line],
    extraction: Extraction,
    payload: QrPayload | None,
) -> Extraction:
    """Read digit fields again, stretched, when their value came out the wrong length.

    CTC decoding merges a run of the same digit ("666" -> "66") when glyphs are blurred
    together; a horizontally stretched crop separates them.
    """
    found = extraction.fields
    labels: list[str] = []
    if "check_code" not in found and (payload is None or payload.check_code):
        labels.append(CHECK_CODE_LABEL.pattern)
    if "invoice_number" not in found and payload is None:
        labels.append("发票号码")
    invalid_id = any(
        len(str(value)) == 18 and not uscc_valid(str(value))
        for name, (value, _) in found.items()
        if name.endswith("tax_id")
    )
    near_miss_id = any(
        re.search(r"(识别号|信用代码)", normalise(line.text))
        and re.search(
            r"(?<![0-9A-Z])([0-9A-Z]{16,17}|[0-9A-Z]{19})(?![0-9A-Z])", normalise(line.text)
        )
        for line in lines
    )
    if invalid_id or near_miss_id:
        labels += ["识别号", "信用代码"]
    if not labels:
        return extraction
    pattern = re.compile("|".join(labels))
    todo: list[Line] = []
    for line in lines:
        if line.index >= 0 and line.full and pattern.search(normalise(line.text)):
            todo.append(line)
            todo.extend(n for n in right_of(line, lines)[:1] if n.full and n.index >= 0)
    if not todo:
        return extraction
    images = [
        cv2.resize(crops[line.index].image, None, fx=STRETCH, fy=1.0, interpolation=cv2.INTER_CUBIC)
        for line in todo
    ]
    replaced = {
        id(line): result for line, result in zip(todo, engine.recognize(images), strict=True)
    }
    retried = [
        Line(
            replaced[id(line)][0],
            replaced[id(line)][1],
            line.x0,
            line.y0,
            line.x1,
            line.y1,
            index=line.index,
        )
        if id(line) in replaced
        else line
        for line in lines
    ]
    second = extract_fields(retried)
    for name, (value, confidence) in second.fields.items():
        if name not in found or (name.endswith("tax_id") and not uscc_valid(str(found[name][0]))):
            extraction.put(name, value, confidence * 0.95)
            if name.endswith("tax_id") and name in found and found[name][0] != value:
                extraction.fields[name] = (value, round(confidence * 0.95, 3))
    return extraction


def reread_title(
    engine: OcrEngine,
    bgr: np.ndarray,
    quads: list[np.ndarray],
    lines: list[Line],
    extraction: Extraction,
) -> tuple[list[Line], Extraction]:
    """Lines and fields with the title row read again, when no invoice type was found.

    The 监制章 stamp sits on the title; detection then often finds only some of its characters,
    so the band read here runs along the row past the fragments found, from the red channel
    (where a red stamp fades). If the type is still not readable, each known type is scored
    against the model's output for the band and a clear winner is taken.
    """
    fragments = title_fragments(lines)
    if not fragments:
        return lines, extraction
    seed = max(fragments, key=lambda line: line.height)
    neighbours = [
        quads[line.index]
        for line in lines
        if line.index >= 0 and line not in fragments and same_row(seed, line)
    ]
    band = widen_along_row(
        quads[seed.index], [quads[f.index] for f in fragments], neighbours, TITLE_REACH
    )
    pixels = engine.crop(bgr, band).image
    if min(pixels.shape[:2]) < 8:
        return lines, extraction
    red = np.ascontiguousarray(np.stack([pixels[:, :, 2]] * 3, axis=2))
    text, score = engine.recognize([red])[0]
    retitled = Line(
        text,
        score,
        min(f.x0 for f in fragments),
        min(f.y0 for f in fragments),
        max(f.x1 for f in fragments),
        max(f.y1 for f in fragments),
        index=-1,
    )
    lines = [*lines, retitled]
    extraction = extract_fields(lines)
    if "invoice_type" not in extraction.fields and text:
        log_probs = engine.log_posteriors(red)

        def score_text(candidate: str) -> float | None:
            labels = engine.encode(candidate)
            return None if labels is None else log_likelihood(log_probs, labels)

        chosen = constrained_type(text, score, score_text)
        if chosen is not None:
            extraction.put("invoice_type", *chosen)
    return lines, extraction
