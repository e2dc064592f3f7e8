"""Every layout real exports use reads to the same figures, to the fen: both standards, .xlsx and
.xls, the income columns in either order (本月金额 | 本年累计金额, 本年累计金额 | 本期金额, 本期金额 |
上期金额), the balance sheet side by side or stacked, merged titles, separators, dashes for zero,
parentheses for negatives, numeric cells and blanks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlu.statements import Column, SheetKind, Statement, Workbook, read_statements
from tests.support.statement_files import LAYOUTS

HEADLINE = (
    "revenue",
    "operating_cost",
    "finance_costs",
    "operating_profit",
    "total_profit",
    "income_tax",
    "net_profit",
)
MONTH = {
    "revenue": 12_850_000,
    "operating_cost": 7_621_030,
    "finance_costs": -1_235,
    "operating_profit": 2_806_580,
    "total_profit": 2_756_580,
    "income_tax": 137_829,
    "net_profit": 2_618_751,
}
YTD = {
    "revenue": 105_632_050,
    "operating_cost": 64_011_520,
    "finance_costs": 8_560,
    "operating_profit": 20_444_034,
    "total_profit": 20_524_034,
    "income_tax": 1_026_202,
    "net_profit": 19_497_832,
}
PRIOR_YEAR = {
    "revenue": 9_870_000,
    "operating_cost": 6_102_300,
    "finance_costs": 2_310,
    "operating_profit": 1_805_780,
    "total_profit": 1_805_780,
    "income_tax": 90_289,
    "net_profit": 1_715_491,
}
BALANCE_KEYS = (
    "cash",
    "accounts_receivable",
    "inventory",
    "total_assets",
    "total_liabilities",
    "retained_earnings",
    "total_equity",
    "total_liabilities_and_equity",
)
END = {
    "cash": 35_678_912,
    "accounts_receivable": 18_254_300,
    "inventory": 6_420_088,
    "total_assets": 69_543_300,
    "total_liabilities": 27_045_468,
    "retained_earnings": 21_997_832,
    "total_equity": 42_497_832,
    "total_liabilities_and_equity": 69_543_300,
}
BEGIN = {
    "cash": 21_034_500,
    "accounts_receivable": 12_030_000,
    "inventory": 5_100_000,
    "total_assets": 48_124_500,
    "total_liabilities": 22_124_500,
    "retained_earnings": 5_500_000,
    "total_equity": 26_000_000,
    "total_liabilities_and_equity": 48_124_500,
}


def read(case_bytes: Callable[[str], bytes], case: str) -> Workbook:
    return read_statements(case_bytes(case), LAYOUTS[case].name)


def one(book: Workbook, kind: SheetKind) -> Statement:
    [found] = [s for s in book.statements if s.kind is kind]
    return found


def figures(statement: Statement, column: Column, keys: tuple[str, ...]) -> dict[str, int]:
    by_key = {line.key: line for line in statement.lines if line.key}
    return {k: by_key[k].amounts[column] for k in keys}


@pytest.mark.parametrize(
    ("case", "standard", "fmt", "columns"),
    [
        ("small_xlsx", "small", "xlsx", (Column.MONTH, Column.YTD)),
        ("small_xls", "small", "xls", (Column.YTD, Column.MONTH)),
        ("general_xlsx", "general", "xlsx", (Column.YTD, Column.MONTH)),
        ("general_xls", "general", "xls", (Column.MONTH, Column.YTD)),
    ],
)
def test_income_statements_read_to_the_fen(
    case_bytes: Callable[[str], bytes],
    case: str,
    standard: str,
    fmt: str,
    columns: tuple[Column, ...],
) -> None:
    book = read(case_bytes, case)
    income = one(book, SheetKind.INCOME)
    assert book.format == fmt
    assert (income.standard, income.columns) == (standard, columns)
    assert (income.company, income.company_row) == ("杭州云帆科技有限公司", 3)
    assert (income.period, income.period_row, income.unit) == ("2026-09", 3, "元")
    assert income.form_code == ("会小企02表" if standard == "small" else "会企02表")
    assert figures(income, Column.MONTH, HEADLINE) == MONTH
    assert figures(income, Column.YTD, HEADLINE) == YTD


@pytest.mark.parametrize(
    ("case", "standard", "columns", "lines"),
    [
        ("small_xlsx", "small", (Column.END, Column.BEGIN), 41),  # two halves side by side
        ("small_xls", "small", (Column.BEGIN, Column.END), 41),
        ("general_xlsx", "general", (Column.END, Column.BEGIN), 33),  # no 行次 column
        ("general_xls", "general", (Column.BEGIN, Column.END), 38),  # one half under the other
    ],
)
def test_balance_sheets_read_to_the_fen(
    case_bytes: Callable[[str], bytes],
    case: str,
    standard: str,
    columns: tuple[Column, ...],
    lines: int,
) -> None:
    balance = one(read(case_bytes, case), SheetKind.BALANCE)
    assert (balance.standard, balance.columns, len(balance.lines)) == (standard, columns, lines)
    assert (balance.company, balance.period, balance.period_row) == (
        "杭州云帆科技有限公司",
        "2026-09",
        3,
    )
    assert figures(balance, Column.END, BALANCE_KEYS) == END
    assert figures(balance, Column.BEGIN, BALANCE_KEYS) == BEGIN


def test_side_by_side_halves_keep_their_own_rows_and_line_numbers(
    case_bytes: Callable[[str], bytes],
) -> None:
    balance = one(read(case_bytes, "small_xlsx"), SheetKind.BALANCE)
    by_key = {line.key: line for line in balance.lines if line.key}
    assert (by_key["cash"].row, by_key["cash"].line_no) == (6, 1)
    assert (by_key["short_term_loans"].row, by_key["short_term_loans"].line_no) == (6, 31)
    assert (by_key["total_assets"].row, by_key["total_assets"].line_no) == (27, 30)
    assert (
        by_key["total_liabilities_and_equity"].row,
        by_key["total_liabilities_and_equity"].line_no,
    ) == (27, 53)
    assert by_key["accumulated_depreciation"].label == "减：累计折旧"
    # A line printed "-" is a zero line, a heading ("流动资产：") is no line at all.
    assert by_key["short_term_investments"].amounts == {Column.END: 0, Column.BEGIN: 0}
    assert not any(line.label == "流动资产：" for line in balance.lines)


def test_the_prior_year_column_reads_as_such(case_bytes: Callable[[str], bytes]) -> None:
    income = one(read(case_bytes, "general_prior_xls"), SheetKind.INCOME)
    assert income.columns == (Column.PRIOR_YEAR, Column.MONTH)
    assert figures(income, Column.MONTH, HEADLINE) == MONTH
    assert figures(income, Column.PRIOR_YEAR, HEADLINE) == PRIOR_YEAR
    january = one(read(case_bytes, "general_prior_january_xlsx"), SheetKind.INCOME)
    assert (january.period, january.columns) == ("2026-01", (Column.MONTH, Column.PRIOR_YEAR))


def test_a_tax_summary_reads_payable_and_paid(case_bytes: Callable[[str], bytes]) -> None:
    taxes = one(read(case_bytes, "small_xlsx"), SheetKind.TAX)
    assert (taxes.sheet, taxes.company, taxes.period, taxes.period_row) == (
        "税费汇总",
        "杭州云帆科技有限公司",
        "2026-09",
        2,
    )
    assert {line.key: dict(line.amounts) for line in taxes.lines} == {
        "vat": {Column.PAYABLE: 128_500, Column.PAID: 128_500},
        "surcharges": {Column.PAYABLE: 7_710, Column.PAID: 7_710},
        "iit": {Column.PAYABLE: 45_000, Column.PAID: 45_000},
        "cit": {Column.PAYABLE: 137_829, Column.PAID: 0},
        "total": {Column.PAYABLE: 319_039, Column.PAID: 181_210},
    }


def test_each_statement_may_come_in_its_own_file(case_bytes: Callable[[str], bytes]) -> None:
    income = read(case_bytes, "two_files_income")
    balance = read(case_bytes, "two_files_balance")
    assert [s.kind for s in income.statements] == [SheetKind.INCOME]
    assert [s.kind for s in balance.statements] == [SheetKind.BALANCE]
    assert (income.name, balance.name, balance.format) == ("利润表.xlsx", "资产负债表.xls", "xls")
    assert len(income.sha256) == 64 and income.size == len(case_bytes("two_files_income"))
