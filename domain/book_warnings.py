"""Risk warnings on a company's books: crisp rules as data (`book_warnings.json`) plus small
pure functions, evaluated when a month's books arrive. Each warning has a key (the period it is
about); the service keeps one row per (company, rule, key), so a warning fires once.

- quarter_near / quarter_over: a 小规模纳税人's quarter sales reach 80 % of the 30万 VAT
  exemption line, then cross it;
- annual_near / annual_over: the last twelve months' sales reach 80 % of 500万 (一般纳税人
  registration becomes mandatory), then cross it;
- low_tax_burden: a month's VAT burden (VAT payable / revenue) below half the firm's reference
  for the company's industry (一般纳税人, with the month's tax summary);
- zero_filing: three months in a row without revenue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from importlib import resources
from typing import Any

from domain.books import MonthFigures
from domain.filing import TaxpayerKind

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("book_warnings.json").read_text(encoding="utf-8")
)
SMALL_QUARTER_LINE = int(_DATA["small_quarter_line_fen"])
GENERAL_LINE = int(_DATA["general_line_fen"])
NEAR_SHARE = Fraction(str(_DATA["near_share"]))
BURDEN_REFERENCE: Mapping[str, Fraction] = {
    k: Fraction(str(v)) for k, v in _DATA["tax_burden"]["reference"].items()
}
LOW_BURDEN_SHARE = Fraction(str(_DATA["tax_burden"]["low_share"]))
ZERO_MONTHS = int(_DATA["zero_months"])

# 缺票: no purchase invoice received for the period by the checklist's invoices deadline (the
# filing cycle checks it, `domain.filing_service.check_missing_invoices`).
MISSING_INVOICES = "missing_invoices"
RULES = (
    "quarter_near",
    "quarter_over",
    "annual_near",
    "annual_over",
    "low_tax_burden",
    "zero_filing",
)


@dataclass(frozen=True, slots=True)
class Warning:
    rule: str
    key: str  # the period it is about: "2026-Q3", "2026-09"
    facts: Mapping[str, int | str] = field(default_factory=dict)


def _shift(period: str, back: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _quarter_of(period: str) -> tuple[str, tuple[str, ...]]:
    year, month = int(period[:4]), int(period[5:7])
    q = (month - 1) // 3 + 1
    return f"{year:04d}-Q{q}", tuple(f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))


def _line_rule(prefix: str, key: str, sales: int, line: int) -> Warning | None:
    if sales > line:
        return Warning(f"{prefix}_over", key, {"sales": sales, "line": line})
    if sales >= line * NEAR_SHARE:
        return Warning(f"{prefix}_near", key, {"sales": sales, "line": line, "left": line - sales})
    return None


def quarter_rule(
    kind: TaxpayerKind, period: str, months: Mapping[str, MonthFigures]
) -> Warning | None:
    if kind is not TaxpayerKind.SMALL:
        return None
    quarter, in_quarter = _quarter_of(period)
    sales = sum(months[p].month.revenue for p in in_quarter if p in months and p <= period)
    return _line_rule("quarter", quarter, sales, SMALL_QUARTER_LINE)


def annual_rule(
    kind: TaxpayerKind, period: str, months: Mapping[str, MonthFigures]
) -> Warning | None:
    """The last twelve months (as many as are kept) against the 500万 line."""
    if kind is not TaxpayerKind.SMALL:
        return None
    sales = sum(months[p].month.revenue for b in range(12) if (p := _shift(period, b)) in months)
    return _line_rule("annual", period[:4], sales, GENERAL_LINE)


def burden_rule(
    kind: TaxpayerKind, industry: str, period: str, months: Mapping[str, MonthFigures]
) -> Warning | None:
    """一般纳税人 only: a 小规模纳税人's VAT is a flat levy on sales, its burden says nothing."""
    figures = months.get(period)
    if kind is not TaxpayerKind.GENERAL:
        return None
    if figures is None or "vat" not in figures.taxes or figures.month.revenue <= 0:
        return None
    reference = BURDEN_REFERENCE.get(industry, BURDEN_REFERENCE["default"])
    vat = figures.taxes["vat"].payable
    if Fraction(vat, figures.month.revenue) >= reference * LOW_BURDEN_SHARE:
        return None
    return Warning(
        "low_tax_burden",
        period,
        {
            "vat": vat,
            "revenue": figures.month.revenue,
            "burden_bp": vat * 10000 // figures.month.revenue,  # basis points
            "reference_bp": int(reference * 10000),
        },
    )


def zero_rule(period: str, months: Mapping[str, MonthFigures]) -> Warning | None:
    run = [_shift(period, b) for b in range(ZERO_MONTHS)]
    if all(p in months and months[p].month.revenue == 0 for p in run):
        return Warning("zero_filing", period, {"months": ZERO_MONTHS})
    return None


def warnings_for(
    kind: TaxpayerKind, industry: str, period: str, months: Mapping[str, MonthFigures]
) -> list[Warning]:
    """Every rule that fires for `period`, given the kept months (by "YYYY-MM")."""
    fired = [
        quarter_rule(kind, period, months),
        annual_rule(kind, period, months),
        burden_rule(kind, industry, period, months),
        zero_rule(period, months),
    ]
    return [w for w in fired if w is not None]


@dataclass(frozen=True, slots=True)
class KeptWarning:
    """A warning that fired, as kept (listed on the phone pages)."""

    company_id: int
    rule: str
    key: str
    facts: Mapping[str, int | str]
    created_at: datetime
