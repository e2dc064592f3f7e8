"""Replies say when someone will really follow up, and notices promise no buttons that a
template message could not show."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.dispatch_policy import DispatchPolicy, WorkingHours
from domain.requests import Urgency
from handlers.request_form import follow_up_line
from handlers.request_words import when_zh
from tests.unit.conversation.conftest import raise_one
from tests.unit.lifecycle.fakes import Office

# 2026-11-27 is a Friday; 11:00 UTC is 19:00 in Beijing.
FRIDAY_EVENING = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_inside_working_hours_the_claim_timeout_is_promised() -> None:
    line = follow_up_line(DispatchPolicy(), Urgency.NORMAL, TUESDAY_MORNING)
    assert "30分钟内" in line


def test_outside_working_hours_the_next_opening_is_said() -> None:
    line = follow_up_line(DispatchPolicy(), Urgency.URGENT, FRIDAY_EVENING)
    assert "分钟内" not in line and "周一09:00" in line


def test_next_opening_in_beijing_time() -> None:
    hours = WorkingHours.parse("09:00-18:00", "1-5")
    opening = hours.next_open(FRIDAY_EVENING)
    assert when_zh(opening, FRIDAY_EVENING) == "周一09:00"
    assert hours.next_open(TUESDAY_MORNING) == TUESDAY_MORNING


async def test_pushed_requests_promise_no_buttons(o: Office) -> None:
    await raise_one(o)
    for notice in o.uow.outbox.notices:
        assert "下方" not in notice.text and "按钮" not in notice.text
