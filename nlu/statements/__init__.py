"""Perception for the books: statement spreadsheets (.xlsx, .xls) -> statement lines in fen.

`read_statements(data, name)` returns a `Workbook` of `Statement`s (利润表, 资产负债表, an optional
税费汇总表), each with its title facts (编制单位, period, form code, standard) and its `Line`s, or
raises `StatementRejected(reason)` with the sheet and row and a Chinese `message_zh`. Whether the
books balance and belong to the company and month asked is the domain's question
(`domain.books`); a mapper at the edge (`bot.workers.book_files`) turns a `Workbook` into the
domain's input. Imports no other project package.
"""

from nlu.statements.errors import MESSAGES_ZH, StatementRejected
from nlu.statements.reader import read_statement_file, read_statements
from nlu.statements.types import Column, Line, SheetKind, Statement, Workbook

__all__ = [
    "MESSAGES_ZH",
    "Column",
    "Line",
    "SheetKind",
    "Statement",
    "StatementRejected",
    "Workbook",
    "read_statement_file",
    "read_statements",
]
