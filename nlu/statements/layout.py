"""One sheet's grid -> a statement: find the table header, its blocks, the title facts, the lines.

A statement is a title area (title, form code, 编制单位, the period, 单位：元) above a table whose
header names a label column ("项目", "资产", "负债和所有者权益"), maybe a 行次 column, and amount
columns ("本月金额", "本年累计金额", "期末余额", ...) in whatever order. A balance sheet prints two
such blocks side by side (资产 | 行次 | 期末余额 | 年初余额 || 负债和所有者权益 | 行次 | ...): each
block is read on its own, row by row. Merged cells carry their value over the whole range first,
so a title or header merged across columns or rows reads the same as an unmerged one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from nlu.statements.catalogue import (
    FOOTER_STARTS,
    FORM_CODE,
    GENERAL_ONLY,
    LABEL_HEADERS,
    LABELS,
    LINE_NO_HEADERS,
    SMALL_ONLY,
    column_of,
    kind_of_title,
    normalise,
)
from nlu.statements.errors import StatementRejected
from nlu.statements.money import UNITS, CellValue, NotAnAmount, to_fen
from nlu.statements.types import Column, Line, SheetKind, Statement

Grid = list[list[CellValue]]
Merge = tuple[tuple[int, int], tuple[int, int]]

HEADER_SCAN_ROWS = 40  # a table header further down than this is not a statement's

_COMPANY = re.compile(r"(?:编制单位|纳税人名称|单位名称|企业名称|公司名称|编报单位)\s*[:：]\s*(.*)")
_COMPANY_END = re.compile(
    r"\s{2,}|\t|(?:所属期|所属时期|税款所属|报表期间|会计期间|期间|日期|时间|金额单位|单位\s*[:：]|"
    r"\d{4}\s*年|\d{4}\s*[-/.]\s*\d{1,2})"
)
_MONTH_RANGE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月?\s*(?:-|—|–|~|～|至|到)+\s*(\d{1,2})\s*月"
)
_DATE = re.compile(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})(?:\s*(?:月|-|/|\.)\s*(?:\d{1,2}\s*日?)?)?")
_UNIT = re.compile(r"单位\s*[:：]\s*(万元|千元|元)")
# Dates in a title that are not the statement's period.
_NOT_PERIOD = ("报送", "填报", "打印", "填表", "制表日期", "申报日期", "导出")


@dataclass(frozen=True, slots=True)
class _Block:
    label_col: int
    line_no_col: int | None
    amount_cols: tuple[tuple[int, Column], ...]


def cell_text(value: CellValue) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def fill_merges(grid: Grid, merges: Sequence[Merge]) -> Grid:
    """A copy of `grid` where every cell of a merged range holds the range's value."""
    rows = [list(r) for r in grid]
    for (r0, c0), (r1, c1) in merges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
    return rows


def read_sheet(
    sheet: str,
    grid: Grid,
    merges: Sequence[Merge] = (),
    formulas: Mapping[tuple[int, int], str] | None = None,
) -> Statement | None:
    """The statement on this sheet, or None when it holds none (a cover page, notes).

    Raises `StatementRejected` for a statement that cannot be read faithfully: an amount that is
    not one, or a formula whose result the file does not hold.
    """
    grid = fill_merges(grid, merges)
    found = _find_header(grid)
    if found is None:
        return None
    header_row, data_start, blocks = found
    title_rows = grid[:header_row]
    kind = kind_of_title(sheet) or _title_kind(title_rows)
    if kind is None:
        kind = _kind_from_labels(grid, data_start, blocks)
        if kind is None:
            return None
    if formulas:
        (r, c), formula = min(formulas.items())
        raise StatementRejected(
            "formula_without_value", sheet=sheet, row=r + 1, col=c, formula=formula
        )
    unit = _unit(title_rows)
    lines = _lines(sheet, grid, data_start, blocks, kind, UNITS[unit])
    company, company_row = _company(title_rows)
    period, period_row = _period(title_rows)
    form_code = _form_code(title_rows)
    return Statement(
        kind=kind,
        sheet=sheet,
        standard=_standard(form_code, lines),
        form_code=form_code,
        company=company,
        company_row=company_row,
        period=period,
        period_row=period_row,
        unit=unit,
        columns=tuple(col for _, col in blocks[0].amount_cols),
        lines=tuple(lines),
        header_row=header_row + 1,
    )


def _find_header(grid: Grid) -> tuple[int, int, list[_Block]] | None:
    """(header row, first data row, blocks), 0-based, or None."""
    for r in range(min(len(grid), HEADER_SCAN_ROWS)):
        names = [normalise(cell_text(v)) for v in grid[r]]
        label_cols = [
            c for c, n in enumerate(names) if n in LABEL_HEADERS and (c == 0 or names[c - 1] != n)
        ]
        if not label_cols:
            continue
        blocks = _blocks(names, label_cols)
        data_start = r + 1
        if not any(b.amount_cols for b in blocks) and r + 1 < len(grid):
            # A two-row header: "项目" merged down, the amount headers in the row below.
            below = [normalise(cell_text(v)) for v in grid[r + 1]]
            below += [""] * (len(names) - len(below))
            merged = [
                b if column_of(b) or b in LINE_NO_HEADERS else (n if c < len(names) else "")
                for c, (n, b) in enumerate(zip(names + [""] * len(below), below, strict=False))
            ]
            blocks = _blocks(merged, label_cols)
            data_start = r + 2
        blocks = [b for b in blocks if b.amount_cols]
        if blocks:
            return r, data_start, blocks
    return None


def _blocks(names: list[str], label_cols: list[int]) -> list[_Block]:
    blocks = []
    for i, start in enumerate(label_cols):
        end = label_cols[i + 1] if i + 1 < len(label_cols) else len(names)
        line_no_col = None
        amount_cols: list[tuple[int, Column]] = []
        seen: set[Column] = set()
        for c in range(start + 1, end):
            if names[c] in LINE_NO_HEADERS:
                if line_no_col is None:
                    line_no_col = c
                continue
            col = column_of(names[c])
            if col is not None and col not in seen:
                seen.add(col)
                amount_cols.append((c, col))
        blocks.append(_Block(start, line_no_col, tuple(amount_cols)))
    return blocks


def _title_kind(rows: Grid) -> SheetKind | None:
    for row in rows:
        for value in row:
            kind = kind_of_title(cell_text(value))
            if kind is not None:
                return kind
    return None


def _kind_from_labels(grid: Grid, start: int, blocks: list[_Block]) -> SheetKind | None:
    labels = {
        normalise(cell_text(row[b.label_col]))
        for row in grid[start:]
        for b in blocks
        if b.label_col < len(row)
    }
    for kind, key in (
        (SheetKind.BALANCE, "total_assets"),
        (SheetKind.INCOME, "net_profit"),
        (SheetKind.TAX, "vat"),
    ):
        if any(LABELS[kind].get(label) == key for label in labels):
            return kind
    return None


def _is_footer(row: list[CellValue]) -> bool:
    for value in row:
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        if text.startswith(FOOTER_STARTS):
            return True
    return False


def _lines(
    sheet: str, grid: Grid, start: int, blocks: list[_Block], kind: SheetKind, fen_per_unit: int
) -> list[Line]:
    labels = LABELS[kind]
    lines: list[Line] = []
    for r in range(start, len(grid)):
        row = grid[r]
        if _is_footer(row):
            break
        for block in blocks:
            label = cell_text(row[block.label_col]) if block.label_col < len(row) else ""
            if not label:
                continue
            key = labels.get(normalise(label))
            line_no = _line_no(row, block.line_no_col)
            amounts: dict[Column, int] = {}
            printed = False
            for c, col in block.amount_cols:
                value = row[c] if c < len(row) else ""
                try:
                    fen = to_fen(value, fen_per_unit)
                except NotAnAmount:
                    raise StatementRejected(
                        "bad_amount", sheet=sheet, row=r + 1, col=c, value=cell_text(value)
                    ) from None
                printed = printed or fen is not None
                amounts[col] = fen or 0
            if key is None and line_no is None and not printed:
                continue  # a heading such as "流动资产：", or a note
            lines.append(Line(label, key, r + 1, line_no, amounts))
    return lines


def _line_no(row: list[CellValue], col: int | None) -> int | None:
    if col is None or col >= len(row):
        return None
    text = cell_text(row[col])
    return int(text) if text.isdigit() else None


def _company(rows: Grid) -> tuple[str | None, int | None]:
    for r, row in enumerate(rows):
        texts = [cell_text(v) for v in row]
        for i, text in enumerate(texts):
            m = _COMPANY.search(text)
            if m is None:
                continue
            name = _COMPANY_END.split(m.group(1), maxsplit=1)[0].strip()
            if not name:  # "编制单位：" in one cell, the name in the next
                following = next((t for t in texts[i + 1 :] if t and t != text), "")
                if ":" not in following and "：" not in following:  # not another field's label
                    name = _COMPANY_END.split(following, maxsplit=1)[0].strip()
            return (name or None), r + 1
    return None, None


def _period(rows: Grid) -> tuple[str | None, int | None]:
    for r, row in enumerate(rows):
        for value in row:
            if isinstance(value, date):
                return f"{value.year:04d}-{value.month:02d}", r + 1
            text = cell_text(value)
            if not text or any(w in text for w in _NOT_PERIOD):
                continue
            m = _COMPANY.search(text)
            if m:  # the name may hold digits; look only after it
                rest = _COMPANY_END.search(m.group(1))
                text = m.group(1)[rest.start() :] if rest else ""
            found = _period_in(text)
            if found:
                return found, r + 1
    return None, None


def _period_in(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text)
    m = _MONTH_RANGE.search(text)
    if m:
        year, month = int(m.group(1)), int(m.group(3))
    else:
        dates = list(_DATE.finditer(text))
        if not dates:
            return None
        last = dates[-1]  # "2026-09-01 至 2026-09-30": the period's end
        year, month = int(last.group(1)), int(last.group(2))
    if not (1 <= month <= 12 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}"


def _unit(rows: Grid) -> str:
    for row in rows:
        for value in row:
            m = _UNIT.search(unicodedata.normalize("NFKC", cell_text(value)).replace(" ", ""))
            if m:
                return m.group(1)
    return "元"


def _form_code(rows: Grid) -> str | None:
    for row in rows:
        for value in row:
            m = FORM_CODE.search(cell_text(value).replace(" ", ""))
            if m:
                return m.group(0)
    return None


def _standard(form_code: str | None, lines: list[Line]) -> str | None:
    if form_code:
        return "small" if "小" in form_code else "general"
    labels = {normalise(line.label) for line in lines}
    if labels & SMALL_ONLY:
        return "small"
    if labels & GENERAL_ONLY:
        return "general"
    return None
