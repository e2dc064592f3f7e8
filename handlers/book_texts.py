"""The words for the books' refusals: one place for every edge that tells a person why a month's
books were not kept (the command line today, the chat next; the admin panel words its own).

The domain refuses with a code and facts (`domain.books.Problem`, `BooksRefused`, and
`DomainError("bad_period", text=...)`); the names of statements, columns, lines and standards
come from `domain.statement_names`. `book_text` turns any of them into one Chinese sentence that
names the statement, the sheet and the row at fault. `handlers.error_texts` takes these words
for the same codes, so the chat says the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.books import BooksRefused, Column, Problem, Standard, StatementKind, period_parts, yuan
from domain.errors import DomainError
from domain.statement_names import COLUMN_NAMES, LINE_NAMES, STANDARD_NAMES, TITLES

FALLBACK = "报表没能导入，请检查文件后重试。"

Words = Callable[[Mapping[str, Any]], str]


def period_zh(period: str) -> str:
    """ "2026-09" -> "2026年9月"."""
    year, month = period_parts(period)
    return f"{year}年{month}月"


def _title(f: Mapping[str, Any], key: str = "statement") -> str:
    return TITLES[StatementKind(f[key])]


def _column(f: Mapping[str, Any]) -> str:
    return COLUMN_NAMES[Column(f["column"])]


def _where(f: Mapping[str, Any]) -> str:
    """ "资产负债表（工作表“资产负债表”第18行）", or without the row when none is known."""
    row = f.get("row")
    return f"{_title(f)}（工作表“{f['sheet']}”" + (f"第{row}行）" if row is not None else "）")


def _at(words: Words) -> Words:
    """Words that follow the place of the problem."""
    return lambda f: f"{_where(f)}：{words(f)}"


def _unbalanced(f: Mapping[str, Any]) -> str:
    column, claims = _column(f), yuan(f["claims"])
    if "assets" in f:
        return (
            f"不平衡：{column}的资产总计 {yuan(f['assets'])} 元，"
            f"负债和所有者权益总计 {claims} 元，相差 {yuan(f['assets'] - f['claims'])} 元。"
        )
    debts, equity = f["liabilities"], f["equity"]
    return (
        f"{column}的负债合计 {yuan(debts)} 元 + 所有者权益合计 {yuan(equity)} 元"
        f" = {yuan(debts + equity)} 元，与负债和所有者权益总计 {claims} 元不符。"
    )


def _net_profit(f: Mapping[str, Any]) -> str:
    net, total, tax = f["net_profit"], f["total_profit"], f["income_tax"]
    return (
        f"{_column(f)}的净利润 {yuan(net)} 元，但利润总额 {yuan(total)} 元"
        f" − 所得税费用 {yuan(tax)} 元 = {yuan(total - tax)} 元，"
        f"相差 {yuan(net - total + tax)} 元。"
    )


def _missing_ytd(f: Mapping[str, Any]) -> str:
    title, ytd, period = _title(f), COLUMN_NAMES[Column.YTD], f["period"]
    months = "、".join(f"{period_parts(p)[1]}月" for p in f["missing"])
    return (
        f"{title}（工作表“{f['sheet']}”）没有“{ytd}”列，而{period[:4]}年{months}的账还没有导入，"
        f"算不出{period_zh(period)}的本年累计。请导出带“{ytd}”的{title}，或先导入前几个月的账。"
    )


TEXTS: dict[str, Words] = {
    # what was asked
    "bad_period": lambda f: f"月份“{f['text']}”的格式不对，请写成 YYYY-MM，例如 2026-09。",
    "company_not_in_firm": lambda _f: "没有找到这家公司。",
    "unknown_client": lambda f: (
        f"没有名为“{f['name']}”的客户公司，请先用 yunkuaiji client add 添加。"
    ),
    # which statements came
    "missing_statement": lambda f: f"没有找到{_title(f)}，请把{_title(f)}一起导入。",
    "duplicate_statement": lambda f: (
        f"有两张{_title(f)}（{f['first_file']}的“{f['first_sheet']}”和"
        f"{f['file']}的“{f['sheet']}”），请只导入一张。"
    ),
    "unknown_standard": lambda _f: (
        "看不出报表适用哪个会计准则：标题处没有“会小企01表”“会企01表”这样的表号，"
        "也没有只属于某一准则的项目。请导出财务软件的标准报表。"
    ),
    "mixed_standards": _at(
        lambda f: (
            f"按{STANDARD_NAMES[Standard(f['standard'])]}编制，而{_title(f, 'first_statement')}按"
            f"{STANDARD_NAMES[Standard(f['first_standard'])]}编制，请导出同一准则的报表。"
        )
    ),
    "missing_column": _at(lambda f: f"表头里没有“{_column(f)}”列。"),
    "missing_line": _at(
        lambda f: (
            "缺少"
            + "、".join(f"“{LINE_NAMES[k]}”" for k in f["lines"])
            + "这一行，无法识别为标准报表。"
        )
    ),
    # whose books, which month
    "wrong_company": _at(
        lambda f: f"编制单位是“{f['company']}”，不是“{f['expected']}”，请检查是否选错了公司或文件。"
    ),
    "no_period": lambda _f: "报表标题里找不到所属期，请指明要导入的月份（例如 2026-09）。",
    "wrong_period": _at(
        lambda f: (
            f"所属期是{period_zh(f['period'])}，不是要导入的{period_zh(f['expected'])}，请检查文件。"
        )
    ),
    "mixed_periods": _at(
        lambda f: (
            f"所属期是{period_zh(f['period'])}，与其他报表的{period_zh(f['expected'])}不一致。"
        )
    ),
    # do they add up
    "unbalanced": _at(_unbalanced),
    "net_profit_mismatch": _at(_net_profit),
    "missing_ytd": _missing_ytd,
}


def words(code: str, facts: Mapping[str, Any]) -> str:
    """The words for a books code and its facts (the place among them: sheet, row, file)."""
    found = TEXTS.get(code)
    return found(facts) if found is not None else FALLBACK


def book_text(refusal: Problem | DomainError) -> str:
    """One problem, or a refused import (its first problem), or a books error, in Chinese."""
    if isinstance(refusal, BooksRefused):
        refusal = refusal.problems[0]
    if isinstance(refusal, Problem):
        facts = {**refusal.facts, "sheet": refusal.sheet, "row": refusal.row, "file": refusal.file}
        return words(refusal.code, facts)
    return words(refusal.code, refusal.facts)
