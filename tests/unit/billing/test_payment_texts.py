"""The words for money at the edges: cycles as people type them, amounts with 元 and full-width
marks, what a bill is for, and the refusals' words carrying their facts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.billing import Bill, BillKind, BillStatus, Cycle, Period
from domain.errors import Conflict
from handlers.error_texts import error_text
from handlers.payment_texts import (
    CYCLE_NAMES,
    bill_what,
    order_description,
    parse_amount,
    parse_cycle,
    period_label,
)

NOW = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "cycle"),
    [
        ("月", Cycle.MONTHLY),
        ("季度", Cycle.QUARTERLY),
        ("半年", Cycle.HALF_YEARLY),
        ("年付", Cycle.YEARLY),
        ("quarterly", Cycle.QUARTERLY),
    ],
)
def test_cycles_are_read_from_chinese_and_english(word: str, cycle: Cycle) -> None:
    assert parse_cycle(word) is cycle
    assert CYCLE_NAMES[cycle] in ("月", "季", "半年", "年")


def test_an_unknown_cycle_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_cycle("两年")


@pytest.mark.parametrize(("text", "fen"), [("66元", 6600), ("1，200.50", 120050), ("￥88", 8800)])
def test_amounts_are_read_as_people_type_them(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


def test_periods_and_bills_are_worded_for_people() -> None:
    assert period_label(date(2026, 2, 1), date(2026, 2, 28)) == "2026年2月"
    assert period_label(date(2026, 1, 1), date(2026, 3, 31)) == "2026年1月—3月"
    assert period_label(date(2025, 11, 1), date(2026, 1, 31)) == "2025年11月—2026年1月"
    contract = Bill(
        1,
        1,
        "B1001",
        1,
        BillKind.CONTRACT,
        "",
        90000,
        BillStatus.UNPAID,
        date(2026, 1, 16),
        NOW,
        period=Period(date(2026, 1, 1), date(2026, 3, 31)),
    )
    one_off = Bill(
        2,
        1,
        "B1002",
        1,
        BillKind.ONE_OFF,
        "工商变更服务费",
        50000,
        BillStatus.UNPAID,
        date(2026, 1, 16),
        NOW,
    )
    assert bill_what(contract) == "2026年1月—3月代理记账服务费"
    assert order_description(contract) == "2026年1月—3月代理记账服务费（B1001）"
    assert bill_what(one_off) == "工商变更服务费"


def test_refusals_are_worded_with_their_facts() -> None:
    assert error_text(Conflict("bill_paid", number="B1001")) == "账单 B1001 已支付，无需重复付款。"
    assert "¥200.00" in error_text(Conflict("refund_too_much", number="B1", left_fen=20000))
    assert "已退款" in error_text(
        Conflict("bill_not_cancellable", number="B1", status=BillStatus.REFUNDED)
    )
