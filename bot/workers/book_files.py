"""Statement files -> the domain's `ParsedBooks`, and where their originals are kept.

Perception (`nlu.statements`) reads a file into its own plain types; this module maps them onto
the books' model, field for field, so the domain never imports perception and perception never
imports the domain. The command line uses it today; the chat's file worker and the admin
panel's upload will use the same mapping.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.books import (
    Column,
    LineItem,
    ParsedBooks,
    SourceFile,
    Standard,
    StatementKind,
    StatementSheet,
)
from nlu.statements import Statement, StatementRejected, Workbook, read_statements
from nlu.statements.intake import check_size
from storage.blobs import BOOK_FILES_DIR, book_files

__all__ = [
    "BOOK_FILES_DIR",
    "book_files",
    "books_from_workbooks",
    "read_book_files",
    "statement_sheet",
]


def statement_sheet(statement: Statement, file: str) -> StatementSheet:
    return StatementSheet(
        kind=StatementKind(statement.kind.value),
        sheet=statement.sheet,
        lines=tuple(
            LineItem(
                label=line.label,
                key=line.key,
                row=line.row,
                line_no=line.line_no,
                amounts={Column(c.value): fen for c, fen in line.amounts.items()},
            )
            for line in statement.lines
        ),
        columns=tuple(Column(c.value) for c in statement.columns),
        standard=Standard(statement.standard) if statement.standard else None,
        company=statement.company,
        company_row=statement.company_row,
        period=statement.period,
        period_row=statement.period_row,
        header_row=statement.header_row,
        file=file,
    )


def books_from_workbooks(workbooks: Sequence[Workbook]) -> ParsedBooks:
    """Every statement of every file, in file order, as one month's books."""
    return ParsedBooks(
        statements=tuple(statement_sheet(s, wb.name) for wb in workbooks for s in wb.statements),
        files=tuple(SourceFile(wb.name, wb.sha256, wb.size) for wb in workbooks),
    )


def read_book_files(files: Sequence[tuple[str, bytes]]) -> ParsedBooks:
    """Uploaded files (name, bytes) as one month's books, each checked for size first (the
    panel's upload). Raises `StatementRejected`, naming the file, for one it cannot read."""
    workbooks = []
    for name, data in files:
        try:
            check_size(len(data))
            workbooks.append(read_statements(data, name))
        except StatementRejected as exc:
            exc.file = exc.file or name
            raise
    return books_from_workbooks(workbooks)
