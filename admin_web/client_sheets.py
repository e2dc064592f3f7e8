"""A client spreadsheet's bytes as a grid of cells: CSV (UTF-8, or GB18030 as Chinese Excel
saves it) or a workbook (.xlsx/.xls, its first visible worksheet, read by calamine). Anything
else, a damaged or locked file, or one too large, is refused with a reason, never an error
page."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import python_calamine as calamine

MAX_SHEET_BYTES = 2 * 1024 * 1024
MAX_CELLS = 20 * 1024  # rows x columns read from a workbook


class SheetRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13800000000.0 is a phone number typed as a number
    return "" if value is None else str(value)


def read_grid(data: bytes, filename: str) -> Sequence[Sequence[str]]:
    if not data:
        raise SheetRefused("empty")
    if len(data) > MAX_SHEET_BYTES:
        raise SheetRefused("too_big")
    name = filename.lower()
    if name.endswith(".csv"):
        return _csv(data)
    if name.endswith((".xlsx", ".xls")) or data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        return _workbook(data)
    raise SheetRefused("format")


def _csv(data: bytes) -> Sequence[Sequence[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise SheetRefused("corrupt")
        try:
            return list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise SheetRefused("corrupt") from exc
    raise SheetRefused("encoding")


def _workbook(data: bytes) -> Sequence[Sequence[str]]:
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise SheetRefused("encrypted") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise SheetRefused("corrupt") from exc
    with book:
        try:
            for meta in book.sheets_metadata:
                if (
                    meta.typ != calamine.SheetTypeEnum.WorkSheet
                    or meta.visible != calamine.SheetVisibleEnum.Visible
                ):
                    continue
                sheet = book.get_sheet_by_name(meta.name)
                end = sheet.end
                if end is None:
                    return []
                if (end[0] + 1) * (end[1] + 1) > MAX_CELLS:
                    raise SheetRefused("too_big")
                return [[_cell(c) for c in row] for row in sheet.to_python()]
        except calamine.PasswordError as exc:
            raise SheetRefused("encrypted") from exc
        except (calamine.CalamineError, ValueError) as exc:
            raise SheetRefused("corrupt") from exc
    return []
