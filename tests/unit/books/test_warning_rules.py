"""The warning rules at their boundaries (`domain.book_warnings`): the 30万 quarter line for a
小规模纳税人 at 80 % and past 100 %, the twelve months against 500万, the VAT burden against
half the industry's reference, three months of zero revenue; and the filing deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from domain.book_warnings import (
    GENERAL_LINE,
    SMALL_QUARTER_LINE,
    annual_rule,
    burden_rule,
    quarter_rule,
    warnings_for,
    zero_rule,
)
from domain.books import BalanceFigures, IncomeFigures, MonthFigures, TaxFigures
from domain.filing import TaxpayerKind
from domain.tax_calendar import deadline_for_period, filing_deadline, tax_period_on

SMALL, GENERAL = TaxpayerKind.SMALL, TaxpayerKind.GENERAL


def month(revenue: int, vat: int | None = None) -> MonthFigures:
    income = IncomeFigures(revenue, 0, 0, 0, 0, 0)
    taxes = {"vat": TaxFigures(vat)} if vat is not None else {}
    return MonthFigures(income, income, BalanceFigures(0, 0, 0, 0, 0), taxes=taxes)


def quarter(*revenues: int, start: int = 7) -> dict[str, MonthFigures]:
    return {f"2026-{start + i:02d}": month(r) for i, r in enumerate(revenues)}


@pytest.mark.parametrize(
    ("sales", "rule"),
    [
        (SMALL_QUARTER_LINE * 8 // 10 - 1, None),  # one fen under 80 %
        (SMALL_QUARTER_LINE * 8 // 10, "quarter_near"),  # exactly 80 %
        (SMALL_QUARTER_LINE, "quarter_near"),  # on the line: still exempt
        (SMALL_QUARTER_LINE + 1, "quarter_over"),  # one fen over
    ],
)
def test_the_quarter_line_at_its_boundaries(sales: int, rule: str | None) -> None:
    months = quarter(sales - 2_000_000, 1_000_000, 1_000_000)
    fired = quarter_rule(SMALL, "2026-09", months)
    assert (fired.rule if fired else None) == rule
    if fired is not None:
        assert fired.key == "2026-Q3" and fired.facts["sales"] == sales


def test_the_quarter_counts_its_own_months_up_to_the_one_imported() -> None:
    months = {**quarter(10_000_000, 10_000_000, 10_000_000), "2026-06": month(29_000_000)}
    # August: July and August only (September is not part of it yet), June is another quarter.
    fired = quarter_rule(SMALL, "2026-08", months)
    assert fired is None
    assert quarter_rule(GENERAL, "2026-09", quarter(20_000_000, 20_000_000)) is None


def test_the_annual_line_counts_the_last_twelve_months() -> None:
    line = GENERAL_LINE
    per_month = line * 8 // 10 // 12 + 1
    months = {f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}": month(per_month) for m in range(10, 22)}
    fired = annual_rule(SMALL, "2026-09", months)
    assert fired is not None and fired.rule == "annual_near" and fired.key == "2026"
    months["2025-09"] = month(line)  # thirteen months back: not counted
    assert annual_rule(SMALL, "2026-09", months) == fired
    months["2026-09"] = month(line)
    over = annual_rule(SMALL, "2026-09", months)
    assert over is not None and over.rule == "annual_over"


@pytest.mark.parametrize(
    ("vat", "fires"),
    [(19_999, True), (20_000, False), (60_000, False)],  # reference 2 %: half is 1 % = 20,000
)
def test_the_tax_burden_against_half_the_reference(vat: int, fires: bool) -> None:
    months = {"2026-09": month(2_000_000, vat)}
    fired = burden_rule(GENERAL, "default", "2026-09", months)
    assert (fired is not None) is fires
    assert burden_rule(SMALL, "default", "2026-09", months) is None  # a flat levy: no burden
    assert burden_rule(GENERAL, "default", "2026-09", {"2026-09": month(2_000_000)}) is None


def test_three_months_of_zero_revenue_in_a_row() -> None:
    assert zero_rule("2026-09", quarter(0, 0, 0)) is not None
    assert zero_rule("2026-09", quarter(1, 0, 0)) is None
    assert zero_rule("2026-09", quarter(0, 0, start=8)) is None  # only two kept
    assert [w.rule for w in warnings_for(SMALL, "default", "2026-09", quarter(0, 0, 0))] == [
        "zero_filing"
    ]


def test_filing_deadlines_from_the_calendar_and_the_rule() -> None:
    assert filing_deadline(2026, 10) == date(2026, 10, 26)  # 国庆: the published calendar
    assert filing_deadline(2026, 11) == date(2026, 11, 16)  # the 15th is a Sunday
    assert filing_deadline(2028, 1) == date(2028, 1, 17)  # not in the file: the rule (a Saturday)
    assert filing_deadline(2028, 3) == date(2028, 3, 15)
    assert deadline_for_period("2026-12") == date(2027, 1, 15)
    assert tax_period_on(date(2026, 1, 5)) == "2025-12"
