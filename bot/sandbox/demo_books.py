"""Demo books: two years of plausible monthly statements for a small client company.

`demo_books(company)` is a pure function (a seeded generator, no I/O) that the demo loader can
feed, month by month, to `domain.book_imports.import_statements`. The company is a 小规模纳税人
keeping 小企业会计准则 books: revenue with a season (a quiet Spring Festival, a busy year end) and
some growth, costs and expenses in proportion, VAT at 1% (or 3%) with the surcharges halved, the
income tax of a 小型微利企业 (5% of the year's profit, accrued month by month), and a balance sheet
that follows the months: receivables and payables from this month's trade, depreciation, taxes
owed until paid next month, the year's profit in 未分配利润, and cash as what is left over. Every
month passes the same checks an imported month must pass.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from domain.books import (
    Column,
    LineItem,
    ParsedBooks,
    Standard,
    StatementKind,
    StatementSheet,
)

# A year's shape: January and February carry the Spring Festival, December the year-end rush.
SEASON = (0.78, 0.62, 0.96, 1.0, 1.02, 1.05, 0.97, 0.96, 1.04, 1.08, 1.12, 1.32)

# (key, label, 行次) as 会小企02表 and 会小企01表 print them.
INCOME_LINES = (
    ("revenue", "一、营业收入", 1),
    ("operating_cost", "减：营业成本", 2),
    ("taxes_and_surcharges", "税金及附加", 3),
    ("selling_expenses", "销售费用", 11),
    ("admin_expenses", "管理费用", 14),
    ("finance_costs", "财务费用", 18),
    ("operating_profit", "二、营业利润（亏损以“-”号填列）", 21),
    ("non_operating_income", "加：营业外收入", 22),
    ("non_operating_expenses", "减：营业外支出", 24),
    ("total_profit", "三、利润总额（亏损总额以“-”号填列）", 30),
    ("income_tax", "减：所得税费用", 31),
    ("net_profit", "四、净利润（净亏损以“-”号填列）", 32),
)
BALANCE_LINES = (
    ("cash", "货币资金", 1),
    ("accounts_receivable", "应收账款", 4),
    ("prepayments", "预付账款", 5),
    ("inventory", "存货", 9),
    ("total_current_assets", "流动资产合计", 15),
    ("fixed_assets_cost", "固定资产原价", 18),
    ("accumulated_depreciation", "减：累计折旧", 19),
    ("fixed_assets", "固定资产账面价值", 20),
    ("total_non_current_assets", "非流动资产合计", 29),
    ("total_assets", "资产总计", 30),
    ("short_term_loans", "短期借款", 31),
    ("accounts_payable", "应付账款", 33),
    ("payroll_payable", "应付职工薪酬", 35),
    ("taxes_payable", "应交税费", 36),
    ("total_current_liabilities", "流动负债合计", 41),
    ("total_liabilities", "负债合计", 47),
    ("paid_in_capital", "实收资本（或股本）", 48),
    ("surplus_reserve", "盈余公积", 50),
    ("retained_earnings", "未分配利润", 51),
    ("total_equity", "所有者权益（或股东权益）合计", 52),
    ("total_liabilities_and_equity", "负债和所有者权益（或股东权益）总计", 53),
)
TAX_LINES = (
    ("vat", "增值税"),
    ("surcharges", "附加税费"),
    ("iit", "个人所得税"),
    ("cit", "企业所得税"),
)

PAID_IN_CAPITAL = 50_000_000  # 500,000.00 元
FIXED_ASSETS_COST = 18_000_000
MONTHLY_DEPRECIATION = 150_000
PAYROLL = 2_400_000  # a month's wages, paid the month after
MIN_CASH = 5_000_000  # below this the company borrows


@dataclass(frozen=True, slots=True)
class DemoMonth:
    period: str
    books: ParsedBooks


def _pct(fen: int, rate: float) -> int:
    return round(fen * rate)


def demo_books(
    company: str,
    *,
    first_period: str = "2025-01",
    months: int = 24,
    monthly_revenue: int = 8_000_000,
    vat_rate: float = 0.01,
    seed: int = 7,
) -> list[DemoMonth]:
    """`months` consecutive months of books for `company`, from `first_period` ("YYYY-MM").
    `monthly_revenue` (fen, before VAT) is an average month of the first year; `vat_rate` is
    0.01 or 0.03. The same arguments give the same books."""
    rng = random.Random(seed)
    year, month = int(first_period[:4]), int(first_period[5:7])
    opening = _opening_balance()
    year_start = dict(opening)
    ytd: dict[str, int] = {}
    retained_at_year_start = opening["retained_earnings"]
    owed = {"vat": 0, "surcharges": 0, "iit": 0}  # this month's, paid next month
    cit_quarter = 0  # income tax accrued since the last quarterly payment
    loan = 0
    result = []
    for i in range(months):
        period = f"{year:04d}-{month:02d}"
        if month == 1:
            ytd = {}
            year_start = dict(opening)
            retained_at_year_start = opening["retained_earnings"]
        growth = 1 + 0.08 * (i / 12)
        revenue = round(monthly_revenue * SEASON[month - 1] * growth * rng.uniform(0.93, 1.07))
        vat = _pct(revenue, vat_rate)
        surcharges = _pct(vat, 0.06)  # 12% of VAT, halved for 小规模纳税人
        income = {
            "revenue": revenue,
            "operating_cost": _pct(revenue, rng.uniform(0.57, 0.63)),
            "taxes_and_surcharges": surcharges + _pct(revenue, 0.0003),  # and 印花税
            "selling_expenses": _pct(revenue, rng.uniform(0.035, 0.045)),
            "admin_expenses": 600_000 + PAYROLL // 2 + _pct(revenue, 0.03),
            "finance_costs": rng.randint(3_000, 15_000) - 2_000 + _pct(loan, 0.004),
            "non_operating_income": 500_000 if month == 6 else 0,  # a small grant mid-year
            "non_operating_expenses": rng.choice((0, 0, 0, 20_000)),
        }
        income["operating_profit"] = income["revenue"] - sum(
            income[k]
            for k in (
                "operating_cost",
                "taxes_and_surcharges",
                "selling_expenses",
                "admin_expenses",
                "finance_costs",
            )
        )
        income["total_profit"] = (
            income["operating_profit"]
            + income["non_operating_income"]
            - income["non_operating_expenses"]
        )
        # 小型微利企业: 5% of the year's profit so far, accrued month by month.
        year_profit = ytd.get("total_profit", 0) + income["total_profit"]
        income["income_tax"] = _pct(max(year_profit, 0), 0.05) - _pct(
            max(ytd.get("total_profit", 0), 0), 0.05
        )
        income["net_profit"] = income["total_profit"] - income["income_tax"]
        ytd = {k: ytd.get(k, 0) + v for k, v in income.items()}

        paid = dict(owed)
        paid_cit = cit_quarter if month in (1, 4, 7, 10) else 0  # paid after each quarter
        cit_quarter = cit_quarter - paid_cit + income["income_tax"]
        owed = {"vat": vat, "surcharges": surcharges, "iit": rng.randint(30_000, 60_000)}
        end = {
            "accounts_receivable": _pct(revenue + vat, rng.uniform(0.5, 0.7)),
            "prepayments": rng.randint(2, 6) * 100_000,
            "inventory": _pct(income["operating_cost"], rng.uniform(0.7, 0.9)),
            "fixed_assets_cost": FIXED_ASSETS_COST,
            "accumulated_depreciation": opening["accumulated_depreciation"] + MONTHLY_DEPRECIATION,
            "accounts_payable": _pct(income["operating_cost"], rng.uniform(0.4, 0.6)),
            "payroll_payable": PAYROLL,
            "taxes_payable": sum(owed.values()) + cit_quarter,
            "paid_in_capital": PAID_IN_CAPITAL,
            "surplus_reserve": opening["surplus_reserve"],
            "retained_earnings": retained_at_year_start + ytd["net_profit"],
        }
        end["short_term_loans"] = loan
        end = _close(end)
        if end["cash"] < MIN_CASH:  # borrow in round sums to keep the lights on
            loan += -(-(MIN_CASH - end["cash"]) // 10_000_000) * 10_000_000
            end["short_term_loans"] = loan
            end = _close(end)
        taxes = {k: (owed[k], paid[k]) for k in owed} | {"cit": (income["income_tax"], paid_cit)}
        result.append(
            DemoMonth(period, _books(company, period, income, ytd, end, year_start, taxes))
        )
        opening = end
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return result


def _opening_balance() -> dict[str, int]:
    return _close(
        {
            "accounts_receivable": 4_200_000,
            "prepayments": 300_000,
            "inventory": 3_600_000,
            "fixed_assets_cost": FIXED_ASSETS_COST,
            "accumulated_depreciation": 3_600_000,
            "short_term_loans": 0,
            "accounts_payable": 2_500_000,
            "payroll_payable": PAYROLL,
            "taxes_payable": 260_000,
            "paid_in_capital": PAID_IN_CAPITAL,
            "surplus_reserve": 1_200_000,
            "retained_earnings": 4_800_000,
        }
    )


def _close(b: dict[str, int]) -> dict[str, int]:
    """The totals, and cash as what makes the two sides equal."""
    b = dict(b)
    b["fixed_assets"] = b["fixed_assets_cost"] - b["accumulated_depreciation"]
    b["total_non_current_assets"] = b["fixed_assets"]
    b["total_current_liabilities"] = (
        b["short_term_loans"] + b["accounts_payable"] + b["payroll_payable"] + b["taxes_payable"]
    )
    b["total_liabilities"] = b["total_current_liabilities"]
    b["total_equity"] = b["paid_in_capital"] + b["surplus_reserve"] + b["retained_earnings"]
    b["total_liabilities_and_equity"] = b["total_liabilities"] + b["total_equity"]
    b["total_assets"] = b["total_liabilities_and_equity"]
    non_cash = b["accounts_receivable"] + b["prepayments"] + b["inventory"]
    b["cash"] = b["total_assets"] - b["total_non_current_assets"] - non_cash
    b["total_current_assets"] = b["cash"] + non_cash
    return b


def _books(
    company: str,
    period: str,
    month: dict[str, int],
    ytd: dict[str, int],
    end: dict[str, int],
    begin: dict[str, int],
    taxes: dict[str, tuple[int, int]],
) -> ParsedBooks:
    def sheet(
        kind: StatementKind, name: str, lines: tuple[LineItem, ...], columns: tuple[Column, ...]
    ) -> StatementSheet:
        header = 3 if kind is StatementKind.TAX else 4
        return StatementSheet(
            kind,
            name,
            lines,
            columns,
            standard=None if kind is StatementKind.TAX else Standard.SMALL,
            company=company,
            company_row=header - 1,
            period=period,
            period_row=header - 1,
            header_row=header,
        )

    income = sheet(
        StatementKind.INCOME,
        "利润表",
        tuple(
            LineItem(label, key, 5 + i, line_no, {Column.MONTH: month[key], Column.YTD: ytd[key]})
            for i, (key, label, line_no) in enumerate(INCOME_LINES)
        ),
        (Column.MONTH, Column.YTD),
    )
    balance = sheet(
        StatementKind.BALANCE,
        "资产负债表",
        tuple(
            LineItem(label, key, 5 + i, line_no, {Column.END: end[key], Column.BEGIN: begin[key]})
            for i, (key, label, line_no) in enumerate(BALANCE_LINES)
        ),
        (Column.END, Column.BEGIN),
    )
    tax = sheet(
        StatementKind.TAX,
        "税费汇总",
        tuple(
            LineItem(
                label, key, 4 + i, None, {Column.PAYABLE: taxes[key][0], Column.PAID: taxes[key][1]}
            )
            for i, (key, label) in enumerate(TAX_LINES)
        ),
        (Column.PAYABLE, Column.PAID),
    )
    return ParsedBooks((balance, income, tax))
