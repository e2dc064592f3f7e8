"""What perception reads from a statement file: sheets, their title facts and their lines.

Plain values and no business rules: whether the books balance, or belong to the company and
month that were asked, is the domain's to decide (`domain.books`). Amounts are integer fen,
already scaled by the sheet's unit (元, 千元 or 万元); rows are 1-based, as Excel shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class SheetKind(StrEnum):
    INCOME = "income"  # 利润表 (损益表)
    BALANCE = "balance"  # 资产负债表
    TAX = "tax"  # 税费汇总 (增值税, 附加税, 个人所得税, 企业所得税: payable and paid)


class Column(StrEnum):
    """What an amount column holds, whatever its printed header."""

    MONTH = "month"  # 本月金额, 本期金额, 本月数
    YTD = "ytd"  # 本年累计金额, 本年累计数
    PRIOR_YEAR = "prior_year"  # 上期金额, 上年同期
    END = "end"  # 期末余额
    BEGIN = "begin"  # 年初余额 (上年年末余额, 期初余额)
    PAYABLE = "payable"  # 应纳税额, 应缴税额
    PAID = "paid"  # 已缴税额, 已纳税额


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line of a statement: its label, 行次 and amounts by column."""

    label: str  # as printed, stripped of indentation
    key: str | None  # the catalogue's name for it ("revenue", "total_assets"), None if unknown
    row: int  # 1-based row in the sheet
    line_no: int | None  # 行次, when the sheet has that column
    amounts: Mapping[Column, int] = field(default_factory=dict)  # fen


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement found on one sheet."""

    kind: SheetKind
    sheet: str
    standard: str | None  # "small" (小企业会计准则) | "general" (企业会计准则) | None: unknown
    form_code: str | None  # "会小企01表", "会企02表", ... as printed
    company: str | None  # 编制单位, as printed
    company_row: int | None
    period: str | None  # "YYYY-MM" from the title (the period's last month)
    period_row: int | None
    unit: str  # "元", "千元" or "万元"
    columns: tuple[Column, ...]  # the amount columns found, in sheet order (first block)
    lines: tuple[Line, ...]
    header_row: int


@dataclass(frozen=True, slots=True)
class Workbook:
    """Every statement read from one file, with the file's identity."""

    name: str
    sha256: str
    size: int
    format: str  # "xlsx" | "xls"
    statements: tuple[Statement, ...]
