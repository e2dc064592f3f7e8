"""The billing model's rules: money in fen, cycles, periods counted from the contract's
start, trade numbers WeChat Pay accepts; and the domain stays standard library only."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from domain.billing import (
    Bill,
    BillKind,
    BillStatus,
    Contract,
    Cycle,
    Period,
    add_months,
    new_out_refund_no,
    new_out_trade_no,
    parse_yuan,
    valid_out_refund_no,
    valid_out_trade_no,
    yuan,
)

DOMAIN = Path(__file__).resolve().parents[3] / "domain"


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (30000, "¥300.00"),
        (123456789, "¥1,234,567.89"),
        (-150, "-¥1.50"),
    ],
)
def test_yuan_shows_fen_as_money(fen: int, text: str) -> None:
    assert yuan(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("300", 30000),
        ("300.5", 30050),
        ("1,200.00", 120000),
        ("¥88", 8800),
        ("0.01", 1),
    ],
)
def test_amounts_are_read_into_fen_exactly(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.005", "-3", "1e400", "NaN", "0.001"])
def test_amounts_that_are_not_whole_fen_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_periods_are_counted_from_the_contract_start() -> None:
    c = Contract(1, 1, 1, 30000, Cycle.QUARTERLY, date(2025, 11, 1), None, date(2025, 11, 1))
    first = c.period_starting(date(2025, 11, 1))
    assert first == Period(date(2025, 11, 1), date(2026, 1, 31))
    assert c.period_fee_fen == 90000
    assert c.period_after(first) == date(2026, 2, 1)
    ended = Contract(1, 1, 1, 30000, Cycle.MONTHLY, date(2026, 1, 1), date(2026, 1, 20), None)
    assert ended.period_after(ended.period_starting(date(2026, 1, 1))) is None


def test_an_unpaid_bill_is_overdue_after_its_due_day_and_expired_after_its_expiry() -> None:
    now = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
    bill = Bill(
        1, 1, "B1001", 1, BillKind.ONE_OFF, "t", 100, BillStatus.UNPAID, date(2026, 1, 16), now
    )
    assert bill.state(now, date(2026, 1, 16)) == "unpaid"
    assert bill.state(now, date(2026, 1, 17)) == "overdue"
    expiring = Bill(
        1,
        1,
        "B1002",
        1,
        BillKind.ONE_OFF,
        "t",
        100,
        BillStatus.UNPAID,
        date(2026, 2, 1),
        now,
        expires_at=now + timedelta(hours=1),
    )
    assert expiring.state(now + timedelta(hours=1), date(2026, 1, 20)) == "expired"
    paid = Bill(
        1, 1, "B1003", 1, BillKind.ONE_OFF, "t", 100, BillStatus.PAID, date(2026, 1, 1), now
    )
    assert paid.state(now, date(2026, 3, 1)) == "paid"


def test_trade_numbers_are_new_each_time_and_acceptable_to_wechat_pay() -> None:
    numbers = {new_out_trade_no(12, "B100234", 7) for _ in range(100)}
    assert len(numbers) == 100
    assert all(
        valid_out_trade_no(n) and len(n) <= 32 and n.startswith("F12B100234N7") for n in numbers
    )
    refund_no = new_out_refund_no(next(iter(numbers)), 3)
    assert valid_out_refund_no(refund_no) and refund_no.endswith("R3")
    assert not valid_out_trade_no("has space") and not valid_out_trade_no("x" * 33)


def test_the_billing_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain", "__future__"}
    for path in sorted(DOMAIN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
