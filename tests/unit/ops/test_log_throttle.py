"""Repeated failures are logged once in full, then summarised once a minute with a count."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.runtime.log_throttle import FailureStreak, Throttle, ThrottleFilter, loop_exception_handler


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_passes_the_first_then_one_summary_per_interval() -> None:
    clock = Ticks()
    throttle = Throttle(60.0, clock)
    assert throttle.hit("db") == (True, 0)
    assert [throttle.hit("db") for _ in range(500)] == [None] * 500
    assert throttle.hit("other") == (True, 0)  # keys are independent
    clock.now += 60
    assert throttle.hit("db") == (False, 500)
    assert throttle.hit("db") is None
    clock.now += 59
    assert throttle.hit("db") is None
    clock.now += 1
    assert throttle.hit("db") == (False, 2)
    # Quiet for two intervals with nothing left out: the next one is news again, in full.
    clock.now += 120
    assert throttle.hit("db") == (True, 0)


def test_failure_streak_logs_one_traceback_then_summaries_then_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Ticks()
    logger = logging.getLogger("tests.streak")
    streak = FailureStreak(logger, "outbox-sender: round", 60.0, clock)
    caplog.set_level(logging.INFO, logger="tests.streak")
    for second in range(150):  # two and a half minutes of a round failing every second
        clock.now += 1
        streak.failed(ConnectionRefusedError(f"db down ({second})"))
    assert streak.count == 150
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1 and with_traceback[0].getMessage() == (
        "outbox-sender: round failed"
    )
    summaries = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert summaries == [
        "outbox-sender: round still failing: 61 failures in a row (59 not logged); "
        "latest: ConnectionRefusedError('db down (60)')",
        "outbox-sender: round still failing: 121 failures in a row (59 not logged); "
        "latest: ConnectionRefusedError('db down (120)')",
    ]
    caplog.clear()
    streak.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "outbox-sender: round works again after 150 failures"
    ]
    assert streak.count == 0
    caplog.clear()
    streak.failed(ConnectionRefusedError("down again"))  # a new outage starts in full
    assert [bool(r.exc_info) for r in caplog.records] == [True]


def test_throttle_filter_keeps_one_traceback_of_a_flood(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticks()
    logger = logging.getLogger("tests.flood")
    flt = ThrottleFilter(60.0, clock)
    logger.addFilter(flt)
    caplog.set_level(logging.ERROR, logger="tests.flood")
    try:
        for _ in range(10_000):
            try:
                raise OSError(24, "Too many open files")
            except OSError:
                logger.exception("Error handling request")
        clock.now += 61
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            logger.exception("Error handling request")
        logger.error("something else entirely")
    finally:
        logger.removeFilter(flt)
    messages = [(r.getMessage(), bool(r.exc_info)) for r in caplog.records]
    assert messages == [
        ("Error handling request", True),
        ("Error handling request [repeated; 9999 more like this not logged]", False),
        ("something else entirely", False),
    ]


async def test_loop_exception_handler_reports_accept_errors_once_then_summaries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Ticks()
    loop = asyncio.get_running_loop()
    handler = loop_exception_handler(60.0, clock)
    defaults: list[dict[str, Any]] = []

    def default(context: dict[str, Any]) -> None:
        defaults.append(context)

    loop.default_exception_handler = default  # type: ignore[method-assign]
    try:
        caplog.set_level(logging.ERROR, logger="bot.runtime.log_throttle")
        context = {
            "message": "socket.accept() out of system resource",
            "exception": OSError(24, "Too many open files"),
        }
        for _ in range(5000):
            handler(loop, context)
        clock.now += 60
        handler(loop, context)
    finally:
        del loop.default_exception_handler
    assert defaults == [context]  # the first one, with asyncio's own full report
    assert [r.getMessage() for r in caplog.records] == [
        "socket.accept() out of system resource: OSError(24, 'Too many open files') "
        "[repeated; 4999 more like this not logged]"
    ]
