"""Statement files -> `Workbook`: the one entry point of perception for the books.

`read_statements(data, name)` takes the bytes (from the chat, the web or the command line) and
either returns every statement it found or raises `StatementRejected` naming what is wrong and
where. Nothing here decides whether the books are right; that is `domain.books`.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import python_calamine as calamine

from nlu.statements import intake
from nlu.statements.errors import StatementRejected
from nlu.statements.layout import read_sheet
from nlu.statements.types import SheetKind, Statement, Workbook

# A statement is a few dozen rows and under a dozen columns; a sheet far beyond is not one.
MAX_ROWS = 2_000
MAX_COLS = 64

TITLES_ZH = {
    SheetKind.INCOME: "利润表",
    SheetKind.BALANCE: "资产负债表",
    SheetKind.TAX: "税费汇总表",
}


def read_statement_file(path: Path) -> Workbook:
    """Read a file, refusing an oversized one before reading it into memory."""
    try:
        intake.check_size(path.stat().st_size)
    except StatementRejected as exc:
        exc.file = path.name
        raise
    return read_statements(path.read_bytes(), path.name)


def read_statements(data: bytes, name: str = "") -> Workbook:
    """Every statement in the file, or `StatementRejected` (with `file` set to `name`)."""
    try:
        return _read(data, name)
    except StatementRejected as exc:
        exc.file = name
        raise


def _read(data: bytes, name: str) -> Workbook:
    fmt = intake.sniff(data, name)
    if fmt == "xls":
        intake.inspect_xls(data)
    formulas = intake.inspect_xlsx(data).formulas_without_values if fmt == "xlsx" else {}
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise StatementRejected("encrypted") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise StatementRejected("corrupt") from exc
    statements: list[Statement] = []
    with book:
        try:
            for meta in book.sheets_metadata:
                if (
                    meta.typ != calamine.SheetTypeEnum.WorkSheet
                    or meta.visible != calamine.SheetVisibleEnum.Visible
                ):
                    continue
                found = _read_one(book, meta.name, formulas.get(meta.name))
                if found is not None:
                    statements.append(found)
        except calamine.PasswordError as exc:
            raise StatementRejected("encrypted") from exc
        except calamine.CalamineError as exc:
            raise StatementRejected("corrupt") from exc
    if not statements:
        sheets = "、".join(book.sheet_names) or "无"
        raise StatementRejected(
            "unknown_layout",
            detail=f"没有找到资产负债表、利润表或税费汇总表（工作表：{sheets}）。"
            "请从财务软件导出标准格式的报表（带“项目”“行次”和金额列）。",
        )
    _refuse_duplicates(statements)
    return Workbook(
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=fmt,
        statements=tuple(statements),
    )


def _read_one(
    book: calamine.CalamineWorkbook, name: str, formulas: dict[tuple[int, int], str] | None
) -> Statement | None:
    sheet = book.get_sheet_by_name(name)
    end = sheet.end
    if end is None:
        return None
    rows, cols = end[0] + 1, end[1] + 1
    if rows > MAX_ROWS or cols > MAX_COLS:
        raise StatementRejected("sheet_too_large", sheet=name, rows=str(rows), cols=str(cols))
    grid = sheet.to_python(skip_empty_area=False)
    return read_sheet(name, grid, sheet.merged_cell_ranges or (), formulas)


def _refuse_duplicates(statements: list[Statement]) -> None:
    seen: dict[SheetKind, Statement] = {}
    for s in statements:
        first = seen.setdefault(s.kind, s)
        if first is not s:
            raise StatementRejected(
                "duplicate_statement",
                sheet=first.sheet,
                title=TITLES_ZH[s.kind],
                other=s.sheet,
            )
