"""The rules a month's books must satisfy, as pure functions: each problem says what is wrong,
on which sheet and row, as a code and facts that `handlers.book_texts` words in terms a
bookkeeper recognises."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.books import (
    BalanceFigures,
    Column,
    IncomeFigures,
    MonthFigures,
    Standard,
    TaxFigures,
    check_books,
    figures_of,
    parse_period,
    same_company,
    yuan,
)
from domain.errors import DomainError
from handlers.book_texts import book_text
from tests.support.books import (
    balance_statement,
    changed,
    income_statement,
    month_books,
    tax_statement,
    without,
)

COMPANY = "杭州云帆科技有限公司"


def codes(problems: list) -> list[tuple[str, str | None, int | None]]:  # type: ignore[type-arg]
    return [(p.code, p.sheet, p.row) for p in problems]


def test_books_that_add_up_for_the_right_company_and_month_pass() -> None:
    assert check_books(month_books(), COMPANY, "2026-09") == []
    assert check_books(month_books(), COMPANY, None) == []  # the month the files print


def test_assets_that_do_not_equal_liabilities_and_equity_are_refused() -> None:
    balance = changed(balance_statement(), "total_assets", Column.END, 69_553_300)
    [problem] = check_books(month_books(balance, income_statement()), COMPANY, "2026-09")
    assert (problem.code, problem.sheet, problem.row) == ("unbalanced", "资产负债表", 18)
    assert book_text(problem) == (
        "资产负债表（工作表“资产负债表”第18行）：不平衡：期末余额的资产总计 695,533.00 元，"
        "负债和所有者权益总计 695,433.00 元，相差 100.00 元。"
    )


def test_the_year_start_column_must_balance_too() -> None:
    balance = changed(balance_statement(), "total_liabilities_and_equity", Column.BEGIN, 1)
    [problem] = check_books(month_books(balance, income_statement()), COMPANY, "2026-09")
    assert problem.code == "unbalanced" and "年初余额的资产总计 481,245.00 元" in book_text(problem)


def test_liabilities_plus_equity_must_make_the_total() -> None:
    balance = changed(balance_statement(), "total_equity", Column.END, 42_497_833)
    [problem] = check_books(month_books(balance, income_statement()), COMPANY, "2026-09")
    assert (problem.code, problem.row) == ("unbalanced", 34)
    assert book_text(problem).endswith(
        "期末余额的负债合计 270,454.68 元 + 所有者权益合计 424,978.33 元 = 695,433.01 元，"
        "与负债和所有者权益总计 695,433.00 元不符。"
    )


@pytest.mark.parametrize(
    ("column", "name"), [(Column.MONTH, "本月金额"), (Column.YTD, "本年累计金额")]
)
def test_net_profit_must_be_total_profit_less_income_tax(column: Column, name: str) -> None:
    income = changed(income_statement(), "net_profit", column, 1)
    [problem] = check_books(month_books(balance_statement(), income), COMPANY, "2026-09")
    assert (problem.code, problem.sheet, problem.row) == ("net_profit_mismatch", "利润表", 18)
    assert book_text(problem).startswith(f"利润表（工作表“利润表”第18行）：{name}的净利润 0.01 元")


def test_another_companys_books_are_refused_naming_the_printed_name() -> None:
    books = month_books(
        balance_statement(company="宁波海风贸易有限公司"), income_statement(company=None)
    )
    [problem] = check_books(books, COMPANY, "2026-09")
    assert (problem.code, problem.sheet, problem.row) == ("wrong_company", "资产负债表", 3)
    assert book_text(problem) == (
        "资产负债表（工作表“资产负债表”第3行）：编制单位是“宁波海风贸易有限公司”，"
        "不是“杭州云帆科技有限公司”，请检查是否选错了公司或文件。"
    )


def test_company_names_match_across_spaces_and_full_width_forms() -> None:
    assert same_company("杭州云帆科技（滨江）有限公司", "杭州云帆科技(滨江)有限公司 ")
    assert same_company("ABC 贸易有限公司", "ａｂｃ贸易有限公司")
    assert not same_company("杭州云帆科技有限公司", "杭州云帆科技股份有限公司")


def test_another_months_books_are_refused() -> None:
    books = month_books(balance_statement(period="2026-08"), income_statement(period="2026-08"))
    problems = check_books(books, COMPANY, "2026-09")
    assert codes(problems) == [("wrong_period", "资产负债表", 3), ("wrong_period", "利润表", 3)]
    assert book_text(problems[0]) == (
        "资产负债表（工作表“资产负债表”第3行）：所属期是2026年8月，不是要导入的2026年9月，请检查文件。"
    )


def test_statements_of_different_months_are_refused_when_no_month_was_asked() -> None:
    books = month_books(balance_statement(period="2026-08"), income_statement())
    assert codes(check_books(books, COMPANY, None)) == [("mixed_periods", "利润表", 3)]


def test_a_month_must_be_known_from_the_files_or_asked() -> None:
    books = month_books(balance_statement(period=None), income_statement(period=None))
    [problem] = check_books(books, COMPANY, None)
    assert problem.code == "no_period"
    assert check_books(books, COMPANY, "2026-09") == []


def test_both_statements_are_needed_and_each_once() -> None:
    [missing] = check_books(month_books(income_statement()), COMPANY, "2026-09")
    assert (missing.code, book_text(missing)) == (
        "missing_statement",
        "没有找到资产负债表，请把资产负债表一起导入。",
    )
    twice = month_books(balance_statement(), income_statement(), income_statement())
    assert [p.code for p in check_books(twice, COMPANY, "2026-09")] == ["duplicate_statement"]


def test_lines_the_figures_come_from_must_be_there() -> None:
    income = without(without(income_statement(), "operating_cost"), "income_tax")
    [problem] = check_books(month_books(balance_statement(), income), COMPANY, "2026-09")
    assert problem.code == "missing_line"
    assert book_text(problem) == (
        "利润表（工作表“利润表”）：缺少“营业成本”、“所得税费用”这一行，无法识别为标准报表。"
    )


def test_an_income_statement_needs_this_months_column() -> None:
    income = replace(income_statement(), columns=(Column.YTD,))
    [problem] = check_books(month_books(balance_statement(), income), COMPANY, "2026-09")
    assert (problem.code, problem.row) == ("missing_column", 4)
    assert book_text(problem) == "利润表（工作表“利润表”第4行）：表头里没有“本月金额”列。"


def test_statements_of_two_standards_or_of_none_are_refused() -> None:
    mixed = month_books(balance_statement(standard=Standard.GENERAL), income_statement())
    [problem] = check_books(mixed, COMPANY, "2026-09")
    assert problem.code == "mixed_standards"
    assert "按小企业会计准则编制，而资产负债表按企业会计准则编制" in book_text(problem)
    unknown = month_books(balance_statement(standard=None), income_statement(standard=None))
    assert [p.code for p in check_books(unknown, COMPANY, "2026-09")] == ["unknown_standard"]


def test_the_headline_figures_of_a_month() -> None:
    books = month_books(balance_statement(), income_statement(), tax_statement())
    assert figures_of(books) == MonthFigures(
        month=IncomeFigures(12_850_000, 7_621_030, 2_806_580, 2_756_580, 137_829, 2_618_751),
        ytd=IncomeFigures(105_632_050, 64_011_520, 20_444_034, 20_524_034, 1_026_202, 19_497_832),
        balance=BalanceFigures(35_678_912, 18_254_300, 69_543_300, 27_045_468, 42_497_832),
        balance_begin=BalanceFigures(21_034_500, 12_030_000, 48_124_500, 22_124_500, 26_000_000),
        taxes={
            "vat": TaxFigures(128_500, 128_500),
            "surcharges": TaxFigures(7_710, 7_710),
            "iit": TaxFigures(45_000, 45_000),
            "cit": TaxFigures(137_829, 0),
        },
    )


def test_without_a_year_to_date_column_the_year_is_summed_from_its_months() -> None:
    books = month_books(balance_statement(), income_statement(ytd=False))
    earlier = IncomeFigures(100, 60, 40, 40, 2, 38)
    figures = figures_of(books, [earlier, earlier])
    assert figures.ytd_derived
    assert figures.ytd == IncomeFigures(
        12_850_200, 7_621_150, 2_806_660, 2_756_660, 137_833, 2_618_827
    )


def test_figures_survive_their_json_form() -> None:
    figures = figures_of(month_books(balance_statement(), income_statement(), tax_statement()))
    assert MonthFigures.from_json(figures.to_json()) == figures


def test_periods_and_yuan() -> None:
    assert parse_period(" 2026-09 ") == "2026-09"
    with pytest.raises(DomainError) as bad:
        parse_period("2026-9")
    assert (bad.value.code, dict(bad.value.facts)) == ("bad_period", {"text": "2026-9"})
    assert book_text(bad.value) == "月份“2026-9”的格式不对，请写成 YYYY-MM，例如 2026-09。"
    assert (yuan(123_456_789), yuan(-1_235), yuan(5)) == ("1,234,567.89", "-12.35", "0.05")
