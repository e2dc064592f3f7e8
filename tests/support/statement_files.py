"""Statement files as the bookkeeping software exports them, written fresh for each test.

One month of books for one company (杭州云帆科技有限公司, September 2026) in every layout the
importer accepts: 小企业会计准则 (会小企01表 / 会小企02表) and 企业会计准则 (会企01表 / 会企02表), as
.xlsx (openpyxl) and .xls (xlwt), the income statement's columns in either order (本月金额 |
本年累计金额, 本年累计金额 | 本期金额, 本期金额 | 上期金额), the balance sheet's two halves side by
side or one under the other, merged title cells, amounts as text with thousands separators or as
numbers, "-" for zero and parentheses for a negative. Then the files that must be refused:
unbalanced, another company's, another month's, formulas without saved results, encrypted,
macro-enabled, a zip bomb, not a spreadsheet at all, an unknown layout, an oversized file.

The figures are fen (`FIGURES`) and every case's expected output is derived from them only in
the tests' own literal numbers, so a wrong reading cannot agree with itself.

    python -m tests.support.statement_files OUT_DIR   # writes every case, for a look in Excel
"""

from __future__ import annotations

import io
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

COMPANY = "杭州云帆科技有限公司"
OTHER_COMPANY = "宁波海风贸易有限公司"

# -- the month's figures, in fen -------------------------------------------------------------
# Income statement: key -> (this month, year to date).
INCOME = {
    "revenue": (12_850_000, 105_632_050),
    "operating_cost": (7_621_030, 64_011_520),
    "taxes_and_surcharges": (38_550, 316_896),
    "selling_expenses": (520_000, 4_830_000),
    "admin_expenses": (1_865_075, 16_021_040),
    "finance_costs": (-1_235, 8_560),
    "interest_expense": (0, 0),
    "investment_income": (0, 0),
    "operating_profit": (2_806_580, 20_444_034),
    "non_operating_income": (0, 200_000),
    "non_operating_expenses": (50_000, 120_000),
    "total_profit": (2_756_580, 20_524_034),
    "income_tax": (137_829, 1_026_202),
    "net_profit": (2_618_751, 19_497_832),
}
# Same month a year earlier (上期金额), for the 本期金额 | 上期金额 layout.
INCOME_PRIOR_YEAR = {
    "revenue": 9_870_000,
    "operating_cost": 6_102_300,
    "taxes_and_surcharges": 29_610,
    "selling_expenses": 410_000,
    "admin_expenses": 1_520_000,
    "finance_costs": 2_310,
    "interest_expense": 0,
    "investment_income": 0,
    "operating_profit": 1_805_780,
    "non_operating_income": 0,
    "non_operating_expenses": 0,
    "total_profit": 1_805_780,
    "income_tax": 90_289,
    "net_profit": 1_715_491,
}
# Balance sheet: key -> (period end, year start).
BALANCE = {
    "cash": (35_678_912, 21_034_500),
    "short_term_investments": (0, 0),
    "notes_receivable": (0, 0),
    "accounts_receivable": (18_254_300, 12_030_000),
    "prepayments": (1_200_000, 800_000),
    "other_receivables": (350_000, 500_000),
    "inventory": (6_420_088, 5_100_000),
    "total_current_assets": (61_903_300, 39_464_500),
    "fixed_assets_cost": (9_600_000, 9_600_000),
    "accumulated_depreciation": (2_560_000, 1_840_000),
    "fixed_assets": (7_040_000, 7_760_000),
    "long_term_prepaid_expenses": (600_000, 900_000),
    "total_non_current_assets": (7_640_000, 8_660_000),
    "total_assets": (69_543_300, 48_124_500),
    "short_term_loans": (10_000_000, 10_000_000),
    "accounts_payable": (9_876_543, 7_200_000),
    "advances_from_customers": (2_000_000, 0),
    "payroll_payable": (3_200_000, 2_900_000),
    "taxes_payable": (1_468_925, 1_024_500),
    "other_payables": (500_000, 1_000_000),
    "total_current_liabilities": (27_045_468, 22_124_500),
    "long_term_loans": (0, 0),
    "total_non_current_liabilities": (0, 0),
    "total_liabilities": (27_045_468, 22_124_500),
    "paid_in_capital": (20_000_000, 20_000_000),
    "capital_reserve": (0, 0),
    "surplus_reserve": (500_000, 500_000),
    "retained_earnings": (21_997_832, 5_500_000),
    "total_equity": (42_497_832, 26_000_000),
    "total_liabilities_and_equity": (69_543_300, 48_124_500),
}
# Tax summary: key -> (payable, paid).
TAXES = {
    "vat": (128_500, 128_500),
    "surcharges": (7_710, 7_710),
    "iit": (45_000, 45_000),
    "cit": (137_829, 0),
}

# Printed lines per standard: (label, 行次, key or None). None lines print as zero.
SMALL_INCOME = [
    ("一、营业收入", 1, "revenue"),
    ("减：营业成本", 2, "operating_cost"),
    ("税金及附加", 3, "taxes_and_surcharges"),
    ("其中：消费税", 4, None),
    ("城市维护建设税", 6, None),
    ("销售费用", 11, "selling_expenses"),
    ("其中：商品维修费", 12, None),
    ("管理费用", 14, "admin_expenses"),
    ("其中：业务招待费", 16, None),
    ("财务费用", 18, "finance_costs"),
    ("其中：利息费用（收入以“-”号填列）", 19, "interest_expense"),
    ("加：投资收益（损失以“-”号填列）", 20, "investment_income"),
    ("二、营业利润（亏损以“-”号填列）", 21, "operating_profit"),
    ("加：营业外收入", 22, "non_operating_income"),
    ("其中：政府补助", 23, None),
    ("减：营业外支出", 24, "non_operating_expenses"),
    ("其中：坏账损失", 25, None),
    ("三、利润总额（亏损总额以“-”号填列）", 30, "total_profit"),
    ("减：所得税费用", 31, "income_tax"),
    ("四、净利润（净亏损以“-”号填列）", 32, "net_profit"),
]
GENERAL_INCOME = [
    ("一、营业收入", 1, "revenue"),
    ("减：营业成本", 2, "operating_cost"),
    ("税金及附加", 3, "taxes_and_surcharges"),
    ("销售费用", 4, "selling_expenses"),
    ("管理费用", 5, "admin_expenses"),
    ("研发费用", 6, None),
    ("财务费用", 7, "finance_costs"),
    ("其中：利息费用", 8, "interest_expense"),
    ("利息收入", 9, None),
    ("加：其他收益", 10, None),
    ("投资收益（损失以“－”号填列）", 11, "investment_income"),
    ("公允价值变动收益（损失以“－”号填列）", 15, None),
    ("信用减值损失（损失以“－”号填列）", 16, None),
    ("资产减值损失（损失以“－”号填列）", 17, None),
    ("资产处置收益（损失以“－”号填列）", 18, None),
    ("二、营业利润（亏损以“－”号填列）", 19, "operating_profit"),
    ("加：营业外收入", 20, "non_operating_income"),
    ("减：营业外支出", 21, "non_operating_expenses"),
    ("三、利润总额（亏损总额以“－”号填列）", 22, "total_profit"),
    ("减：所得税费用", 23, "income_tax"),
    ("四、净利润（净亏损以“－”号填列）", 24, "net_profit"),
    ("（一）持续经营净利润（净亏损以“－”号填列）", 25, None),
]
SMALL_ASSETS = [
    ("流动资产：", None, None),
    ("货币资金", 1, "cash"),
    ("短期投资", 2, "short_term_investments"),
    ("应收票据", 3, "notes_receivable"),
    ("应收账款", 4, "accounts_receivable"),
    ("预付账款", 5, "prepayments"),
    ("应收股利", 6, None),
    ("应收利息", 7, None),
    ("其他应收款", 8, "other_receivables"),
    ("存货", 9, "inventory"),
    ("其他流动资产", 14, None),
    ("流动资产合计", 15, "total_current_assets"),
    ("非流动资产：", None, None),
    ("长期债券投资", 16, None),
    ("长期股权投资", 17, None),
    ("固定资产原价", 18, "fixed_assets_cost"),
    ("减：累计折旧", 19, "accumulated_depreciation"),
    ("固定资产账面价值", 20, "fixed_assets"),
    ("在建工程", 21, None),
    ("无形资产", 25, None),
    ("长期待摊费用", 27, "long_term_prepaid_expenses"),
    ("非流动资产合计", 29, "total_non_current_assets"),
    ("资产总计", 30, "total_assets"),
]
SMALL_CLAIMS = [
    ("流动负债：", None, None),
    ("短期借款", 31, "short_term_loans"),
    ("应付票据", 32, None),
    ("应付账款", 33, "accounts_payable"),
    ("预收账款", 34, "advances_from_customers"),
    ("应付职工薪酬", 35, "payroll_payable"),
    ("应交税费", 36, "taxes_payable"),
    ("应付利息", 37, None),
    ("应付利润", 38, None),
    ("其他应付款", 39, "other_payables"),
    ("流动负债合计", 41, "total_current_liabilities"),
    ("非流动负债：", None, None),
    ("长期借款", 42, "long_term_loans"),
    ("长期应付款", 43, None),
    ("非流动负债合计", 46, "total_non_current_liabilities"),
    ("负债合计", 47, "total_liabilities"),
    ("所有者权益（或股东权益）：", None, None),
    ("实收资本（或股本）", 48, "paid_in_capital"),
    ("资本公积", 49, "capital_reserve"),
    ("盈余公积", 50, "surplus_reserve"),
    ("未分配利润", 51, "retained_earnings"),
    ("所有者权益（或股东权益）合计", 52, "total_equity"),
    ("负债和所有者权益（或股东权益）总计", 53, "total_liabilities_and_equity"),
]
GENERAL_ASSETS = [
    ("流动资产：", None, None),
    ("货币资金", 1, "cash"),
    ("交易性金融资产", 2, None),
    ("应收票据", 4, "notes_receivable"),
    ("应收账款", 5, "accounts_receivable"),
    ("预付款项", 7, "prepayments"),
    ("其他应收款", 8, "other_receivables"),
    ("存货", 9, "inventory"),
    ("合同资产", 10, None),
    ("流动资产合计", 14, "total_current_assets"),
    ("非流动资产：", None, None),
    ("长期股权投资", 17, None),
    ("固定资产", 21, "fixed_assets"),
    ("在建工程", 22, None),
    ("使用权资产", 25, None),
    ("无形资产", 26, None),
    ("长期待摊费用", 29, "long_term_prepaid_expenses"),
    ("递延所得税资产", 30, None),
    ("非流动资产合计", 32, "total_non_current_assets"),
    ("资产总计", 33, "total_assets"),
]
GENERAL_CLAIMS = [
    ("流动负债：", None, None),
    ("短期借款", 34, "short_term_loans"),
    ("交易性金融负债", 35, None),
    ("应付账款", 38, "accounts_payable"),
    ("预收款项", 39, "advances_from_customers"),
    ("合同负债", 40, None),
    ("应付职工薪酬", 41, "payroll_payable"),
    ("应交税费", 42, "taxes_payable"),
    ("其他应付款", 43, "other_payables"),
    ("流动负债合计", 47, "total_current_liabilities"),
    ("非流动负债：", None, None),
    ("长期借款", 48, "long_term_loans"),
    ("租赁负债", 52, None),
    ("非流动负债合计", 58, "total_non_current_liabilities"),
    ("负债合计", 59, "total_liabilities"),
    ("所有者权益（或股东权益）：", None, None),
    ("实收资本（或股本）", 60, "paid_in_capital"),
    ("资本公积", 64, "capital_reserve"),
    ("减：库存股", 65, None),
    ("盈余公积", 68, "surplus_reserve"),
    ("未分配利润", 69, "retained_earnings"),
    ("所有者权益（或股东权益）合计", 70, "total_equity"),
    ("负债和所有者权益（或股东权益）总计", 71, "total_liabilities_and_equity"),
]
TAX_LINES = [
    ("增值税", "vat"),
    ("附加税费", "surcharges"),
    ("个人所得税", "iit"),
    ("企业所得税", "cit"),
]

# -- sheets as cells ---------------------------------------------------------------------------

Cell = str | int | float | None


@dataclass
class Sheet:
    """A sheet as cells at 0-based (row, col), merged ranges (r0, c0, r1, c1), and formulas
    (cell -> text, written without a saved result)."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)

    def put(self, row: int, col: int, value: Cell) -> None:
        self.cells[(row, col)] = value

    def find(self, text: str) -> tuple[int, int]:
        return next(at for at, v in self.cells.items() if v == text)


@dataclass(frozen=True)
class Style:
    """How amounts are printed: "text" ("1,234.56", "-" for zero, "(12.35)" for a negative) or
    "number" (numeric cells, blank for zero, a minus sign)."""

    amounts: str = "text"


def amount(fen: int, style: Style) -> Cell:
    if style.amounts == "number":
        return None if fen == 0 else fen / 100
    if fen == 0:
        return "-"
    text = f"{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
    return f"({text})" if fen < 0 else text


def _title(sheet: Sheet, title: str, width: int, form_code: str) -> None:
    sheet.put(0, 0, title)
    sheet.merges.append((0, 0, 0, width - 1))
    sheet.put(1, width - 1, form_code)


def income_sheet(
    standard: str = "small",
    columns: tuple[str, str] = ("本月金额", "本年累计金额"),
    *,
    style: Style = Style(),
    company: str = COMPANY,
    period_text: str = "2026年09月",
    figures: dict[str, tuple[int, int]] | None = None,
    title_in_one_cell: bool = False,
    name: str = "利润表",
) -> Sheet:
    """利润表: title, form code, 编制单位 / period / 单位：元, header 项目 | 行次 | two columns."""
    figures = figures or INCOME
    sheet = Sheet(name)
    _title(sheet, "利润表", 4, "会小企02表" if standard == "small" else "会企02表")
    if title_in_one_cell:
        sheet.put(2, 0, f"编制单位：{company}    所属期：{period_text}    单位：元")
        sheet.merges.append((2, 0, 2, 3))
    else:
        sheet.put(2, 0, f"编制单位：{company}")
        sheet.put(2, 2, period_text)
        sheet.put(2, 3, "单位：元")
    for c, header in enumerate(("项目", "行次", *columns)):
        sheet.put(3, c, header)
    lines = SMALL_INCOME if standard == "small" else GENERAL_INCOME
    for i, (label, line_no, key) in enumerate(lines):
        r = 4 + i
        sheet.put(r, 0, label)
        sheet.put(r, 1, line_no)
        for c, header in enumerate(columns, start=2):
            sheet.put(r, c, amount(_income_value(figures, key, header), style))
    footer = 4 + len(lines) + 1
    sheet.put(footer, 0, "单位负责人：")
    sheet.put(footer, 2, "制表人：")
    return sheet


def _income_value(figures: dict[str, tuple[int, int]], key: str | None, header: str) -> int:
    if key is None:
        return 0
    if header.startswith("上期"):
        return INCOME_PRIOR_YEAR[key]
    month, ytd = figures[key]
    return ytd if "累计" in header else month


def balance_sheet(
    standard: str = "small",
    columns: tuple[str, str] = ("期末余额", "年初余额"),
    *,
    side_by_side: bool = True,
    style: Style = Style(),
    company: str = COMPANY,
    period_text: str = "2026年09月30日",
    figures: dict[str, tuple[int, int]] | None = None,
    with_line_numbers: bool = True,
    name: str = "资产负债表",
) -> Sheet:
    """资产负债表: the halves side by side (资产 | 行次 | 期末余额 | 年初余额 || 负债和所有者权益 |
    行次 | 期末余额 | 年初余额), or one under the other under a single 项目 header."""
    figures = figures or BALANCE
    assets, claims = (
        (SMALL_ASSETS, SMALL_CLAIMS) if standard == "small" else (GENERAL_ASSETS, GENERAL_CLAIMS)
    )
    block = ["行次", *columns] if with_line_numbers else list(columns)
    width = (1 + len(block)) * (2 if side_by_side else 1)
    sheet = Sheet(name)
    _title(sheet, "资产负债表", width, "会小企01表" if standard == "small" else "会企01表")
    sheet.put(2, 0, f"编制单位：{company}")
    sheet.merges.append((2, 0, 2, 1))
    sheet.put(2, 2, period_text)
    sheet.put(2, width - 1, "单位：元")

    def write(r: int, c0: int, line: tuple[str, int | None, str | None]) -> None:
        label, line_no, key = line
        sheet.put(r, c0, label)
        c = c0 + 1
        if with_line_numbers:
            sheet.put(r, c, line_no)
            c += 1
        for header in columns:
            if line_no is None and key is None:
                c += 1
                continue
            end, begin = figures[key] if key else (0, 0)
            sheet.put(r, c, amount(end if header.startswith("期末") else begin, style))
            c += 1

    if side_by_side:
        half = 1 + len(block)
        for c, header in enumerate(["资产", *block, "负债和所有者权益", *block]):
            sheet.put(3, c, header)
        for i in range(max(len(assets), len(claims))):
            if i < len(assets):
                write(4 + i, 0, assets[i])
            if i < len(claims):
                write(4 + i, half, claims[i])
        last = 4 + max(len(assets), len(claims))
    else:
        for c, header in enumerate(["项目", *block]):
            sheet.put(3, c, header)
        for i, line in enumerate([*assets, *claims]):
            write(4 + i, 0, line)
        last = 4 + len(assets) + len(claims)
    sheet.put(last + 1, 0, "单位负责人：")
    return sheet


def tax_sheet(company: str = COMPANY, period_text: str = "2026年09月") -> Sheet:
    sheet = Sheet("税费汇总")
    sheet.put(0, 0, "税费汇总表")
    sheet.merges.append((0, 0, 0, 2))
    sheet.put(1, 0, f"纳税人名称：{company}")
    sheet.put(1, 1, f"所属期：{period_text}")
    sheet.put(1, 2, "单位：元")
    for c, header in enumerate(("税种", "应纳税额", "已缴税额")):
        sheet.put(2, c, header)
    for i, (label, key) in enumerate(TAX_LINES):
        payable, paid = TAXES[key]
        sheet.put(3 + i, 0, label)
        sheet.put(3 + i, 1, amount(payable, Style()))
        sheet.put(3 + i, 2, amount(paid, Style()))
    total = 3 + len(TAX_LINES)
    sheet.put(total, 0, "合计")
    sheet.put(total, 1, amount(sum(p for p, _ in TAXES.values()), Style()))
    sheet.put(total, 2, amount(sum(p for _, p in TAXES.values()), Style()))
    sheet.put(total + 1, 0, "报送日期：2026-10-15")
    return sheet


# -- writers -----------------------------------------------------------------------------------


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(spec.name)
        for (r, c), value in spec.cells.items():
            if value is not None:
                ws.cell(row=r + 1, column=c + 1, value=value)
        for (r, c), text in spec.formulas.items():
            ws.cell(row=r + 1, column=c + 1, value=text)
        for r0, c0, r1, c1 in spec.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(sheets: list[Sheet]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for spec in sheets:
        ws = book.add_sheet(spec.name)
        merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in spec.merges}
        covered = {
            (r, c)
            for r0, c0, r1, c1 in spec.merges
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
        }
        for (r, c), value in spec.cells.items():
            if (r, c) in merged:
                r1, c1 = merged[(r, c)]
                ws.write_merge(r, r1, c, c1, value)
            elif (r, c) not in covered and value is not None:
                ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One file: its name, how to make its bytes, and what it is meant to show."""

    name: str
    make: Callable[[], bytes]
    about: str


def _book(
    fmt: str, *sheets: Sheet
) -> Callable[[], bytes]:  # the sheets are built now, the bytes on demand
    listed = list(sheets)
    return (lambda: xlsx_bytes(listed)) if fmt == "xlsx" else (lambda: xls_bytes(listed))


def _edit(sheet: Sheet, label: str, col_offset: int, value: Cell) -> Sheet:
    r, c = sheet.find(label)
    edited = replace(sheet, cells=dict(sheet.cells))
    edited.put(r, c + col_offset, value)
    return edited


LAYOUTS: dict[str, Case] = {
    "small_xlsx": Case(
        "small.xlsx",
        _book("xlsx", balance_sheet("small"), income_sheet("small"), tax_sheet()),
        "小企业会计准则, .xlsx: side-by-side balance sheet, 本月金额 | 本年累计金额, amounts as "
        "text with thousands separators, '-' for zero, (12.35) for a negative, a tax summary",
    ),
    "small_xls": Case(
        "small.xls",
        _book(
            "xls",
            income_sheet("small", ("本年累计金额", "本月金额"), style=Style("number")),
            balance_sheet("small", ("年初余额", "期末余额"), style=Style("number")),
        ),
        "小企业会计准则, .xls: columns in the other order, numeric cells, blanks for zero",
    ),
    "general_xlsx": Case(
        "general.xlsx",
        _book(
            "xlsx",
            income_sheet("general", ("本年累计金额", "本期金额"), title_in_one_cell=True),
            balance_sheet("general", with_line_numbers=False),
        ),
        "企业会计准则, .xlsx: 本年累计金额 | 本期金额, the title facts in one merged cell, "
        "a balance sheet without 行次",
    ),
    "general_xls": Case(
        "general.xls",
        _book(
            "xls",
            balance_sheet("general", ("年初余额", "期末余额"), side_by_side=False),
            income_sheet("general", ("本期金额", "本年累计金额"), style=Style("number")),
        ),
        "企业会计准则, .xls: the balance sheet's halves one under the other, 年初余额 first",
    ),
    "general_prior_xls": Case(
        "general_prior.xls",
        _book(
            "xls",
            income_sheet("general", ("上期金额", "本期金额"), style=Style("number")),
            balance_sheet("general"),
        ),
        "企业会计准则, .xls: 上期金额 | 本期金额 (no year-to-date column)",
    ),
    "general_prior_january_xlsx": Case(
        "general_prior_january.xlsx",
        _book(
            "xlsx",
            income_sheet("general", ("本期金额", "上期金额"), period_text="2026年01月"),
            balance_sheet("general", period_text="2026年01月31日"),
        ),
        "企业会计准则, .xlsx, January: 本期金额 | 上期金额, the year to date is the month",
    ),
    "two_files_income": Case(
        "利润表.xlsx",
        _book("xlsx", income_sheet("small")),
        "the income statement alone (exported as its own file)",
    ),
    "two_files_balance": Case(
        "资产负债表.xls",
        _book("xls", balance_sheet("small")),
        "the balance sheet alone (exported as its own file)",
    ),
}


def _unbalanced() -> bytes:
    balance = _edit(balance_sheet("small"), "资产总计", 2, "695,533.00")
    return xlsx_bytes([balance, income_sheet("small")])


def _net_profit_off() -> bytes:
    income = _edit(income_sheet("small"), "四、净利润（净亏损以“-”号填列）", 2, "26,187.52")
    return xlsx_bytes([balance_sheet("small"), income])


def _with_formula() -> bytes:
    balance = balance_sheet("small")
    r, c = balance.find("资产总计")
    balance.cells.pop((r, c + 2))
    balance.formulas[(r, c + 2)] = "=C16+C26"
    return xlsx_bytes([balance, income_sheet("small")])


def _bad_amount() -> bytes:
    return xlsx_bytes([balance_sheet("small"), _edit(income_sheet("small"), "管理费用", 2, "待定")])


def _encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(xlsx_bytes([balance_sheet("small"), income_sheet("small")]))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("123456", out)
    return out.getvalue()


def _ole_edited(data: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    """An .xls with its Workbook stream edited in place (same length), through olefile."""
    import olefile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xls"
        path.write_bytes(data)
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            stream = ole.openstream("Workbook").read()
            ole.write_stream("Workbook", edit(stream))
        return path.read_bytes()


def _encrypted_xls() -> bytes:
    """A password-protected .xls: an RC4 FILEPASS record right after the first BOF, in place of
    the records xlwt writes there (INTERFACEHDR, MMS, INTERFACEEND, WRITEACCESS)."""

    def encrypt(stream: bytes) -> bytes:
        bof_end = 4 + struct.unpack_from("<H", stream, 2)[0]
        span = 6 + 6 + 4 + 116
        body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))
        filepass = struct.pack("<HH", 0x2F, len(body)) + body
        rest = span - len(filepass) - 4
        filler = struct.pack("<HH", 0x5C, rest) + b" " * rest
        return stream[:bof_end] + filepass + filler + stream[bof_end + span :]

    return _ole_edited(xls_bytes([balance_sheet("small"), income_sheet("small")]), encrypt)


def _other_ole_document() -> bytes:
    """An OLE file without a Workbook stream, as a Word or PowerPoint file is."""
    data = xls_bytes([income_sheet("small")])
    return data.replace("Workbook".encode("utf-16-le"), "Contents".encode("utf-16-le"))


def _macro_enabled() -> bytes:
    """A real .xlsm's shape: a VBA project and the macro-enabled content type."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([balance_sheet("small"), income_sheet()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, data)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """An .xlsx whose one sheet inflates to 200 MB of spaces (about 200 kB on disk)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([balance_sheet("small"), income_sheet()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                bomb = zipfile.ZipInfo(info.filename)
                bomb.compress_type = zipfile.ZIP_DEFLATED
                with target.open(bomb, "w") as sink:
                    head = source.read(info)
                    sink.write(head[: head.index(b"<sheetData>")])
                    block = b" " * (1 << 20)
                    for _ in range(200):
                        sink.write(block)
                    sink.write(head[head.index(b"<sheetData>") :])
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def _many_small_bombs() -> bytes:
    """Eighty entries of 900 kB each: none beyond the ratio cap alone, 72 MB together."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([balance_sheet("small"), income_sheet()])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        filler = b"<x/>" * (900 * 256)
        for i in range(80):
            target.writestr(f"xl/media/filler{i}.xml", filler)
    return out.getvalue()


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _unknown_layout() -> bytes:
    sheet = Sheet("Sheet1")
    for c, header in enumerate(("姓名", "部门", "工资")):
        sheet.put(0, c, header)
    sheet.put(1, 0, "张三")
    sheet.put(1, 1, "财务部")
    sheet.put(1, 2, 8000)
    return xlsx_bytes([sheet])


def _html_xls() -> bytes:
    return (
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>资产负债表</td></tr>"
        "</table></body></html>"
    ).encode()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + zlib.compress(b"\0" * 100)


FAILURES: dict[str, Case] = {
    "unbalanced": Case(
        "unbalanced.xlsx", _unbalanced, "资产总计 100.00 above 负债和所有者权益总计"
    ),
    "net_profit_off": Case("net_profit.xlsx", _net_profit_off, "净利润 ≠ 利润总额 − 所得税费用"),
    "wrong_company": Case(
        "wrong_company.xlsx",
        _book("xlsx", balance_sheet(company=OTHER_COMPANY), income_sheet(company=OTHER_COMPANY)),
        "another company's books",
    ),
    "wrong_period": Case(
        "wrong_period.xls",
        _book(
            "xls",
            balance_sheet(period_text="2026年08月31日"),
            income_sheet(period_text="2026年08月"),
        ),
        "August's books when September was asked",
    ),
    "formula": Case("formula.xlsx", _with_formula, "资产总计 as a formula with no saved value"),
    "bad_amount": Case("bad_amount.xlsx", _bad_amount, "“待定” in an amount column"),
    "encrypted": Case("encrypted.xlsx", _encrypted, "password-protected (an encrypted package)"),
    "encrypted_xls": Case("encrypted.xls", _encrypted_xls, "a password-protected .xls (FILEPASS)"),
    "ole_document": Case("report.xls", _other_ole_document, "a Word document renamed .xls"),
    "macro": Case("macro.xlsm", _macro_enabled, "a macro-enabled workbook"),
    "truncated": Case(
        "truncated.xlsx",
        lambda: xlsx_bytes([balance_sheet("small"), income_sheet("small")])[:4000],
        "an upload cut short",
    ),
    "zip_bomb": Case("bomb.xlsx", _zip_bomb, "a zip bomb named .xlsx"),
    "zip_bomb_spread": Case("bomb2.xlsx", _many_small_bombs, "a bomb spread over many entries"),
    "text": Case("notes.xlsx", lambda: "这不是表格\n".encode(), "plain text named .xlsx"),
    "png": Case("photo.xls", _png, "a picture named .xls"),
    "docx": Case("report.xlsx", _docx_like, "a Word document renamed .xlsx"),
    "html": Case("export.xls", _html_xls, "an HTML table saved as .xls"),
    "unknown_layout": Case("salaries.xlsx", _unknown_layout, "a spreadsheet but no statement"),
    "empty": Case("empty.xlsx", lambda: b"", "an empty file"),
}


def write_case(case: Case, folder: Path) -> Path:
    path = folder / case.name
    path.write_bytes(case.make())
    return path


def write_oversized(folder: Path, size: int = 50 * 1024 * 1024) -> Path:
    """A 50 MB file (sparse: it costs no disk) that starts like an .xlsx."""
    path = folder / "huge.xlsx"
    with path.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(size)
    return path


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "statement-fixtures")
    folder.mkdir(parents=True, exist_ok=True)
    for case in [*LAYOUTS.values(), *FAILURES.values()]:
        print(write_case(case, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
