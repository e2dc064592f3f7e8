"""A polling loop whose rounds keep failing backs off (doubling, capped), logs one traceback
then summaries, and returns to its normal pace after the first round that works."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass

import pytest

from bot.runtime import polling
from bot.runtime.log_throttle import FailureStreak
from bot.runtime.polling import PollingLoop, failure_backoff


@dataclass
class Policy:
    poll_s: float = 0.01
    stop_grace_s: float = 1.0


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    assert [failure_backoff(n, 0.5, 30.0) for n in range(1, 10)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
        30.0,
    ]


async def test_failing_rounds_back_off_log_one_traceback_and_recover(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    calls: list[float] = []
    failing = 7
    recovered = asyncio.Event()

    async def round_() -> bool:
        calls.append(loop.time())
        if len(calls) <= failing:
            raise ConnectionRefusedError("database is down")
        if len(calls) >= failing + 4:
            recovered.set()
        return False

    worker = PollingLoop("test-loop", round_, Policy, backoff_s=0.02, backoff_cap_s=0.08)
    # Summaries every 0.15 s instead of every minute, so the test sees some.
    worker.failures = FailureStreak(polling.log, "test-loop: round", interval_s=0.15)
    caplog.set_level(logging.INFO, logger="bot.runtime.polling")
    worker.start()
    try:
        await asyncio.wait_for(recovered.wait(), 5)
    finally:
        await worker.stop()

    gaps = [b - a for a, b in itertools.pairwise(calls)]
    expected = [0.02, 0.04, 0.08, 0.08, 0.08, 0.08, 0.08]  # after failures 1..7
    for gap, wait in zip(gaps[:failing], expected, strict=True):
        assert wait * 0.9 <= gap < wait + 0.06, (gaps, expected)
    # Back to the normal pace (poll_s = 0.01) once a round worked.
    assert all(gap < 0.05 for gap in gaps[failing : failing + 3]), gaps

    records = [r for r in caplog.records if r.name == "bot.runtime.polling"]
    assert [r.getMessage() for r in records if r.exc_info] == ["test-loop: round failed"]
    summaries = [r.getMessage() for r in records if "still failing" in r.getMessage()]
    assert 1 <= len(summaries) <= 3, summaries
    assert all("ConnectionRefusedError('database is down')" in m for m in summaries)
    assert records[-1].getMessage() == "test-loop: round works again after 7 failures"
    assert len(records) == 2 + len(summaries)


async def test_a_poke_does_not_cut_a_backoff_short_but_stop_does() -> None:
    loop = asyncio.get_running_loop()
    calls: list[float] = []
    failed_once = asyncio.Event()

    async def round_() -> bool:
        calls.append(loop.time())
        failed_once.set()
        raise ConnectionRefusedError("database is down")

    # A 3 s backoff: waiting it out and stopping at once are seconds apart even on a busy host.
    worker = PollingLoop("test-loop", round_, Policy, backoff_s=3, backoff_cap_s=30)
    worker.start()
    await asyncio.wait_for(failed_once.wait(), 5)
    for _ in range(5):
        worker.poke()
        await asyncio.sleep(0.02)
    assert len(calls) == 1  # still waiting out the first backoff
    started = loop.time()
    await worker.stop()
    assert loop.time() - started < 1.5
