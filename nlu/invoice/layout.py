"""Recognised text lines on an upright page, and the geometry questions extraction asks.

A `Line` is one detected text line with its recognised text and an axis-aligned box in a
de-skewed frame (a photo tilted by a few degrees is rotated back for the geometry, so "same row"
and "to the right of" mean what a reader means).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRANSLATE = str.maketrans({"：": ":", "（": "(", "）": ")", "￥": "¥", "，": ",", "。": "."})
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Spaces removed, full-width punctuation folded: what label matching looks at."""
    return _SPACES.sub("", text.translate(_TRANSLATE))


@dataclass(slots=True)
class Line:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    full: bool = True  # False while only the left end (the label) has been recognised
    index: int = -1

    @property
    def norm(self) -> str:
        return normalise(self.text)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def same_row(a: Line, b: Line, overlap: float = 0.45) -> bool:
    """Vertical overlap of at least `overlap` of the shorter line's height."""
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    return inter >= overlap * min(a.height, b.height)


def right_of(anchor: Line, lines: list[Line], max_gap: float | None = None) -> list[Line]:
    """Lines on the anchor's row that start right of it, nearest first."""
    limit = max_gap if max_gap is not None else 25 * anchor.height
    found = [
        line
        for line in lines
        if line is not anchor
        and same_row(anchor, line)
        and line.cx > anchor.x1
        and line.x0 >= anchor.x0 + 0.5 * (anchor.x1 - anchor.x0)
        and line.x0 - anchor.x1 <= limit
    ]
    return sorted(found, key=lambda line: line.x0)


def reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom, left to right within a row."""
    ordered = sorted(lines, key=lambda line: line.cy)
    rows: list[list[Line]] = []
    for line in ordered:
        if rows and same_row(rows[-1][0], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.x0)]
