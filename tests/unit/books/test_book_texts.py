"""The books' refusals are codes and facts; `handlers.book_texts` words every one of them, with
the names of statements, columns and lines from the data file the domain keeps them in."""

from __future__ import annotations

import ast
from pathlib import Path

from domain.books import (
    BALANCE_FIGURES,
    INCOME_FIGURES,
    TAX_FIGURES,
    BooksRefused,
    Column,
    Problem,
    Standard,
    StatementKind,
)
from domain.statement_names import COLUMN_NAMES, LINE_NAMES, STANDARD_NAMES, TITLES
from handlers.book_texts import FALLBACK, TEXTS, book_text
from handlers.error_texts import error_text

DOMAIN = Path(__file__).resolve().parents[3] / "domain"


def problem_codes() -> set[str]:
    """The codes of the problems the books' checks and imports construct."""
    codes: set[str] = set()
    for name in ("books.py", "book_imports.py"):
        tree = ast.parse((DOMAIN / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"Problem", "_problem"}
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    codes.add(first.value)
                elif isinstance(first, ast.Name):  # wrong_period / mixed_periods, chosen
                    codes |= {"wrong_period", "mixed_periods"}
    return codes


def test_every_problem_code_has_words() -> None:
    codes = problem_codes()
    assert {"unbalanced", "missing_ytd", "no_period", "wrong_period"} <= codes
    assert codes - set(TEXTS) == set()


def test_the_data_file_names_every_standard_statement_column_and_line() -> None:
    assert set(STANDARD_NAMES) == set(Standard)
    assert set(TITLES) == set(StatementKind)
    assert set(COLUMN_NAMES) == set(Column)
    keys = {*INCOME_FIGURES, *BALANCE_FIGURES, *TAX_FIGURES, "total_liabilities_and_equity"}
    assert keys <= set(LINE_NAMES)
    assert TITLES[StatementKind.BALANCE] == "资产负债表"


def test_a_refusal_is_worded_alike_for_the_command_line_and_the_chat() -> None:
    first = Problem("missing_column", {"statement": "income", "column": "month"}, "利润表", 4, "a")
    refused = BooksRefused([first, Problem("no_period")])
    assert refused.code == "missing_column"
    assert refused.facts["sheet"] == "利润表" and refused.facts["row"] == 4
    text = "利润表（工作表“利润表”第4行）：表头里没有“本月金额”列。"
    assert book_text(refused) == book_text(first) == error_text(refused) == text
    assert book_text(Problem("something_new")) == FALLBACK
