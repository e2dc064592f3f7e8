"""The books repository: a company's months, every imported version, the lines of each.

A new version takes its number by bumping the month row's counter with one UPDATE, which also
holds the month's row until the transaction ends (PostgreSQL) or is the only writer (SQLite), so
two imports of the same month line up as versions n and n+1 instead of both becoming current.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.books import (
    BookMonth,
    Column,
    LineItem,
    MonthFigures,
    NewBookMonth,
    ParsedBooks,
    SourceFile,
    Standard,
    StatementKind,
    StatementSheet,
)
from storage.tables.books import BookLineRow, BookMonthRow, BookVersionRow

_AMOUNT_COLUMNS = {c: f"{c.value}_fen" for c in Column}


def _month(row: BookVersionRow) -> BookMonth:
    return BookMonth(
        id=row.id,
        firm_id=row.firm_id,
        company_id=row.company_id,
        period=row.period,
        version=row.version,
        standard=Standard(row.standard),
        figures=MonthFigures.from_json(row.figures),
        files=tuple(SourceFile(f["name"], f["sha256"], int(f["size"])) for f in _files(row)),
        imported_at=row.imported_at,
        imported_by=row.imported_by,
        replaced_at=row.replaced_at,
    )


def _files(row: BookVersionRow) -> list[dict[str, Any]]:
    return list((row.source or {}).get("files") or [])


def _source(books: ParsedBooks) -> dict[str, Any]:
    return {
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in books.files],
        "statements": [
            {
                "kind": s.kind.value,
                "sheet": s.sheet,
                "file": s.file,
                "columns": [c.value for c in s.columns],
                "standard": s.standard.value if s.standard else None,
                "company": s.company,
                "company_row": s.company_row,
                "period": s.period,
                "period_row": s.period_row,
                "header_row": s.header_row,
            }
            for s in books.statements
        ],
    }


def _line_values(version_id: int, index: int, seq: int, line: LineItem) -> dict[str, Any]:
    values: dict[str, Any] = {
        "version_id": version_id,
        "statement": index,
        "seq": seq,
        "key": line.key,
        "label": line.label[:200],
        "row": line.row,
        "line_no": line.line_no,
    }
    for column, name in _AMOUNT_COLUMNS.items():
        values[name] = line.amounts.get(column)
    return values


def _line(row: BookLineRow) -> LineItem:
    amounts = {
        column: value
        for column, name in _AMOUNT_COLUMNS.items()
        if (value := getattr(row, name)) is not None
    }
    return LineItem(row.label, row.key, row.row, row.line_no, amounts)


class SqlBooksRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _month_id(self, new: NewBookMonth) -> int:
        for _ in range(3):
            found = await self.s.scalar(
                select(BookMonthRow.id).where(
                    BookMonthRow.company_id == new.company_id, BookMonthRow.period == new.period
                )
            )
            if found is not None:
                return found
            try:
                async with self.s.begin_nested():
                    row = BookMonthRow(
                        firm_id=new.firm_id,
                        company_id=new.company_id,
                        period=new.period,
                        version=0,
                        updated_at=new.imported_at,
                    )
                    self.s.add(row)
                    await self.s.flush()
                return row.id
            except IntegrityError:
                continue  # another import started the month first: use theirs
        raise RuntimeError(f"could not open the month {new.period} of company {new.company_id}")

    async def add_version(self, new: NewBookMonth) -> BookMonth:
        month_id = await self._month_id(new)
        bumped = await self.s.execute(
            update(BookMonthRow)
            .where(BookMonthRow.id == month_id)
            .values(version=BookMonthRow.version + 1, updated_at=new.imported_at)
            .returning(BookMonthRow.version)
        )
        version = bumped.scalar_one()
        await self.s.execute(
            update(BookVersionRow)
            .where(BookVersionRow.month_id == month_id, BookVersionRow.replaced_at.is_(None))
            .values(replaced_at=new.imported_at)
        )
        row = BookVersionRow(
            firm_id=new.firm_id,
            company_id=new.company_id,
            month_id=month_id,
            period=new.period,
            version=version,
            standard=new.standard.value,
            figures=new.figures.to_json(),
            source=_source(new.books),
            imported_at=new.imported_at,
            imported_by=new.imported_by[:50],
        )
        self.s.add(row)
        await self.s.flush()
        lines = [
            _line_values(row.id, index, seq, line)
            for index, statement in enumerate(new.books.statements)
            for seq, line in enumerate(statement.lines)
        ]
        if lines:
            await self.s.execute(insert(BookLineRow), lines)
        await self.s.execute(
            update(BookMonthRow)
            .where(BookMonthRow.id == month_id)
            .values(current_version_id=row.id)
        )
        return _month(row)

    async def current(self, company_id: int, period: str) -> BookMonth | None:
        row = await self.s.scalar(
            select(BookVersionRow).where(
                BookVersionRow.company_id == company_id,
                BookVersionRow.period == period,
                BookVersionRow.replaced_at.is_(None),
            )
        )
        return None if row is None else _month(row)

    async def history(self, company_id: int, period: str) -> Sequence[BookMonth]:
        rows = await self.s.scalars(
            select(BookVersionRow)
            .where(BookVersionRow.company_id == company_id, BookVersionRow.period == period)
            .order_by(BookVersionRow.version.desc())
        )
        return [_month(r) for r in rows]

    async def months(self, company_id: int, year: int | None = None) -> Sequence[BookMonth]:
        q = select(BookVersionRow).where(
            BookVersionRow.company_id == company_id, BookVersionRow.replaced_at.is_(None)
        )
        if year is not None:
            q = q.where(BookVersionRow.period.like(f"{year:04d}-%"))
        rows = await self.s.scalars(q.order_by(BookVersionRow.period))
        return [_month(r) for r in rows]

    async def statements(self, month_id: int) -> ParsedBooks:
        version = await self.s.get(BookVersionRow, month_id)
        if version is None:
            return ParsedBooks(())
        rows = await self.s.scalars(
            select(BookLineRow)
            .where(BookLineRow.version_id == month_id)
            .order_by(BookLineRow.statement, BookLineRow.seq)
        )
        by_statement: dict[int, list[LineItem]] = {}
        for r in rows:
            by_statement.setdefault(r.statement, []).append(_line(r))
        sheets = []
        for index, meta in enumerate((version.source or {}).get("statements") or []):
            sheets.append(
                StatementSheet(
                    kind=StatementKind(meta["kind"]),
                    sheet=meta["sheet"],
                    lines=tuple(by_statement.get(index, ())),
                    columns=tuple(Column(c) for c in meta["columns"]),
                    standard=Standard(meta["standard"]) if meta.get("standard") else None,
                    company=meta.get("company"),
                    company_row=meta.get("company_row"),
                    period=meta.get("period"),
                    period_row=meta.get("period_row"),
                    header_row=meta.get("header_row"),
                    file=meta.get("file", ""),
                )
            )
        files = tuple(SourceFile(f["name"], f["sha256"], int(f["size"])) for f in _files(version))
        return ParsedBooks(tuple(sheets), files)
