"""Spreadsheets the panel hands out: CSV (UTF-8 with a BOM, so Excel reads the Chinese) and
XLSX (openpyxl, write-only). Headers are Chinese; money is yuan with two decimals, made from
integer fen without floats; dates are ISO days.

A text cell that a spreadsheet would read as a formula (it begins with = + - @, a tab or a
carriage return, or their full-width forms, after any leading spaces) gets a leading
apostrophe, in both formats: a client named "=HYPERLINK(...)" stays a name. Characters XLSX
cannot hold (control characters) are dropped there."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from domain.clock import local

Cell = str | int | Decimal | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Money:
    """An amount in fen, written as yuan with two decimals."""

    fen: int

    @property
    def yuan(self) -> Decimal:
        return Decimal(self.fen).scaleb(-2).quantize(Decimal("0.01"))


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _plain(value: Cell | Money) -> str | int | Decimal | date | datetime | None:
    if isinstance(value, Money):
        return value.yuan
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return local(value).replace(tzinfo=None, microsecond=0)
    return value


def _csv_text(value: Cell | Money) -> str:
    plain = _plain(value)
    if plain is None:
        return ""
    if isinstance(plain, datetime):
        return plain.strftime("%Y-%m-%d %H:%M")
    if isinstance(plain, date):
        return plain.isoformat()
    return str(plain)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell | Money]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def xlsx_bytes(sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Cell | Money]]) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append([neutralise(h) for h in headers])
    for row in rows:
        cells = []
        for value in row:
            plain = _plain(value)
            if isinstance(plain, str):
                plain = ILLEGAL_CHARACTERS_RE.sub("", plain)
            cell = WriteOnlyCell(ws, value=plain)
            if isinstance(plain, str):
                cell.data_type = "s"  # never a formula, whatever it begins with
            elif isinstance(value, Money):
                cell.number_format = MONEY_FORMAT
            elif isinstance(plain, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(plain, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(
    fmt: str,
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell | Money]],
) -> web.Response:
    """The file as an attachment named `name`.csv or .xlsx (a Chinese name, RFC 5987)."""
    if fmt == "xlsx":
        body, kind = xlsx_bytes(name, headers, rows), XLSX_TYPE
    else:
        body, kind = csv_bytes(headers, rows), "text/csv"
    filename = f"{name}.{fmt}"
    disposition = f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return web.Response(
        body=body,
        content_type=kind,
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
