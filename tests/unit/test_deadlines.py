"""The webhook's budget timers: one handle for many deadlines of one length."""

from __future__ import annotations

import asyncio

from bot.webhook.deadlines import Deadlines


async def test_callbacks_fire_in_order_never_early_and_cancelled_ones_never() -> None:
    loop = asyncio.get_running_loop()
    timers = Deadlines(loop, 0.05, resolution_s=0.01)
    fired: list[tuple[str, float]] = []
    armed: dict[str, float] = {}

    def note(name: str) -> None:
        fired.append((name, loop.time()))

    for name in ("a", "b", "c", "d"):
        armed[name] = loop.time()
        deadline = timers.add(lambda name=name: note(name))
        if name == "b":
            deadline.cancel()
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.12)
    assert [name for name, _ in fired] == ["a", "c", "d"]
    for name, at in fired:
        assert at - armed[name] >= 0.05 - 1e-3  # never before its deadline
        assert at - armed[name] < 0.05 + 0.04  # at most about one resolution late
    assert len(timers) == 0


async def test_a_failing_callback_does_not_stop_the_others() -> None:
    timers = Deadlines(asyncio.get_running_loop(), 0.01, resolution_s=0.005)
    fired: list[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    timers.add(boom)
    timers.add(lambda: fired.append(1))
    await asyncio.sleep(0.05)
    assert fired == [1]
