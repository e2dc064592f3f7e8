"""Each staff member's working hours: typed hours checked (times, order, days), stored as one
short text and read back, and who hears of new work at a given moment (`on_duty`)."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.clock import SHANGHAI
from domain.dispatch import on_duty
from domain.dispatch_policy import WorkingHours
from domain.errors import Invalid
from domain.identity import Staff

FIRM = WorkingHours.parse("09:00-18:00", "1-5")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a Monday
MONDAY_20 = datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI)
SATURDAY_11 = datetime(2026, 12, 5, 11, 0, tzinfo=SHANGHAI)


def staff(n: int, hours: str) -> Staff:
    return Staff(n, 1, f"员工{n}", "", False, True, f"o{n}", hours)


def test_typed_hours_are_checked_and_stored_as_short_text() -> None:
    h = WorkingHours.for_staff("08:30", "17:00", "1-5,7")
    assert h.staff_text() == "08:30-17:00 1-5,7"
    assert WorkingHours.for_staff("９:00", "12:00", "1，3，5").staff_text() == "09:00-12:00 1,3,5"
    assert len(WorkingHours.for_staff("00:00", "23:59", "1,2,3,4,5,6,7").staff_text()) <= 32


@pytest.mark.parametrize(
    ("start", "end", "days", "code"),
    [
        ("25:00", "18:00", "1-5", "working_hours_invalid"),
        ("nine", "18:00", "1-5", "working_hours_invalid"),
        ("09:00", "<b>", "1-5", "working_hours_invalid"),
        ("18:00", "09:00", "1-5", "working_hours_reversed"),
        ("09:00", "09:00", "1-5", "working_hours_reversed"),
        ("09:00", "18:00", "", "working_days_invalid"),
        ("09:00", "18:00", "0-5", "working_days_invalid"),
        ("09:00", "18:00", "5-1", "working_days_invalid"),
        ("09:00", "18:00", "8", "working_days_invalid"),
    ],
)
def test_bad_hours_are_refused(start: str, end: str, days: str, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        WorkingHours.for_staff(start, end, days)
    assert caught.value.code == code


def test_stored_hours_read_back_with_their_own_days_or_the_firms() -> None:
    own = WorkingHours.of_staff(staff(1, "10:00-16:00 6-7"), FIRM)
    assert own.days == frozenset({6, 7}) and own.is_open(SATURDAY_11)
    assert not own.is_open(MONDAY_10)
    hours_only = WorkingHours.of_staff(staff(2, "10:00-16:00"), FIRM)  # older rows
    assert hours_only.days == FIRM.days and hours_only.is_open(MONDAY_10)
    assert WorkingHours.of_staff(staff(3, "garbage"), FIRM) == FIRM


def test_new_work_goes_to_those_at_work_and_to_everyone_when_nobody_is() -> None:
    day = staff(1, "09:00-18:00 1-5")
    evening = staff(2, "18:00-22:00 1-5")
    weekend = staff(3, "09:00-18:00 6-7")
    team = [day, evening, weekend]
    assert on_duty(team, MONDAY_10, FIRM) == [day]
    assert on_duty(team, MONDAY_20, FIRM) == [evening]
    assert on_duty(team, SATURDAY_11, FIRM) == [weekend]
    night = datetime(2026, 12, 1, 3, 0, tzinfo=SHANGHAI)
    assert on_duty(team, night, FIRM) == team  # never pushed to no one
    assert on_duty(team, night, None) == team  # no hours given: everyone, as before
