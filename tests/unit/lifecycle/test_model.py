"""The request model's pure parts: the status machine, numbers, scores, working hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.complaints import normalise_case_number
from domain.dispatch_policy import DispatchPolicy, WorkingHours
from domain.requests import (
    FINISHED,
    HELD,
    TRANSITIONS,
    UNCLAIMED,
    Status,
    Urgency,
    normalise_number,
    sources,
)
from handlers.rating_words import score_of
from handlers.request_words import STATUS_ZH


def test_only_unclaimed_requests_can_be_claimed() -> None:
    # CLAIMED -> CLAIMED is the timer's reminder step, not a second claim.
    assert sources(Status.CLAIMED) == UNCLAIMED | {Status.CLAIMED}


def test_cancel_only_before_anyone_claims() -> None:
    assert sources(Status.CANCELLED) == UNCLAIMED


def test_cancelled_is_terminal_and_rated_only_loops() -> None:
    assert TRANSITIONS[Status.CANCELLED] == frozenset()
    assert TRANSITIONS[Status.RATED] == {Status.RATED}


def test_completion_only_from_held_and_rating_only_after_completion() -> None:
    assert sources(Status.COMPLETED) == HELD
    assert sources(Status.RATED) == FINISHED


def test_every_status_has_rules_and_a_chinese_name() -> None:
    assert set(TRANSITIONS) == set(Status) == set(STATUS_ZH)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("R1024", "R1024"),
        ("r1024", "R1024"),
        ("R 1024", "R1024"),
        ("1024", "R1024"),
        ("#1024", "R1024"),
        ("C1024", None),
        ("R", None),
        ("abc", None),
    ],
)
def test_request_numbers_are_normalised(raw: str, number: str | None) -> None:
    assert normalise_number(raw) == number


def test_case_numbers_are_normalised() -> None:
    assert normalise_case_number("c1001") == "C1001"
    assert normalise_case_number("R1001") is None


@pytest.mark.parametrize(
    ("raw", "score"),
    [
        ("好评", 5),
        ("中评", 3),
        ("差评", 1),
        ("4", 4),
        ("4分", 4),
        ("四星", 4),
        ("两分", 2),
        ("五星好评", 5),
        ("6", None),
        ("0", None),
        ("还行吧", None),
        ("", None),
    ],
)
def test_scores_from_words_and_digits(raw: str, score: int | None) -> None:
    assert score_of(raw) == score


def test_working_hours_in_shanghai_on_weekdays() -> None:
    hours = WorkingHours.parse("09:00-18:00", "1-5")
    monday_0859_sh = datetime(2026, 11, 23, 0, 59, tzinfo=UTC)
    assert not hours.is_open(monday_0859_sh)
    assert hours.is_open(monday_0859_sh + timedelta(minutes=1))
    assert not hours.is_open(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 18:00 Shanghai
    assert not hours.is_open(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # Saturday 10:00


def test_working_days_accept_lists_and_ranges() -> None:
    assert WorkingHours.parse("08:30-17:30", "1-3,6").days == {1, 2, 3, 6}
    assert WorkingHours.parse("08:30-17:30").start == time(8, 30)


def test_policy_reads_settings_knobs_with_defaults() -> None:
    from bot.settings import Settings, dispatch_policy

    knobs = Settings().with_(
        claim_timeout_min=45,
        claim_timeout_urgent_min=5,
        first_progress_timeout_min=60,
        working_hours="08:00-20:00",
        working_days="1-6",
    )
    policy = dispatch_policy(knobs)
    assert policy.claim_timeout(Urgency.NORMAL) == timedelta(minutes=45)
    assert policy.claim_timeout(Urgency.URGENT) == timedelta(minutes=5)
    assert policy.first_progress_timeout == timedelta(hours=1)
    assert 6 in policy.hours.days
    assert dispatch_policy(Settings()) == DispatchPolicy()


async def test_a_move_outside_the_status_machine_is_a_bug() -> None:
    from domain.moves import move
    from domain.requests import IllegalTransition
    from tests.unit.lifecycle.fakes import NOW, LifecycleUoW

    uow = LifecycleUoW()
    with pytest.raises(IllegalTransition):
        await move(uow, 1, frozenset({Status.CANCELLED}), Status.CLAIMED, NOW)
    with pytest.raises(IllegalTransition):
        await move(uow, 1, frozenset(), Status.CLAIMED, NOW)
    assert not await move(uow, 1, UNCLAIMED, Status.CLAIMED, NOW)
