"""A background worker's loop: do a round of work now when poked, else every `poll_s`; stop
gracefully, cancelling a round that outlasts the grace period (whatever it held is leased, so
the next start takes it up again).

While rounds keep failing (the database is down, say) the loop backs off, doubling the wait
from `FAILURE_BACKOFF_S` (or `poll_s`, if longer) up to `FAILURE_BACKOFF_CAP_S` and ignoring
pokes meanwhile, and logs the first failure in full, then one summary a minute
(`bot.runtime.log_throttle.FailureStreak`); the first round that works brings the normal pace back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.runtime.log_throttle import FailureStreak

log = logging.getLogger(__name__)

FAILURE_BACKOFF_S = 0.5
FAILURE_BACKOFF_CAP_S = 30.0


def failure_backoff(failures: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after the `failures`-th failed round in a row: doubling, capped."""
    return float(min(cap_s, base_s * 2 ** max(0, failures - 1)))


class LoopPolicy(Protocol):
    @property
    def poll_s(self) -> float: ...
    @property
    def stop_grace_s(self) -> float: ...


class PollingLoop:
    def __init__(
        self,
        name: str,
        round_: Callable[[], Awaitable[bool]],
        policy: Callable[[], LoopPolicy],
        linger: Callable[[], float] = lambda: 0.0,
        *,
        backoff_s: float = FAILURE_BACKOFF_S,
        backoff_cap_s: float = FAILURE_BACKOFF_CAP_S,
    ) -> None:
        """`round_` returns True when more work is due at once. `policy` and `linger` are read
        on every turn, so an owner may swap its policy while running."""
        self.name = name
        self._round = round_
        self._policy = policy
        self._linger = linger
        self._backoff_s = backoff_s
        self._backoff_cap_s = backoff_cap_s
        self.failures = FailureStreak(log, f"{name}: round")
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping

    def poke(self) -> None:
        """Work was queued: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self._policy().stop_grace_s)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def run(self) -> None:
        while not self._stopping:
            # Cleared before the round, so a poke that lands during it is not lost.
            self._wake.clear()
            try:
                more = await self._round()
            except Exception as exc:
                self.failures.failed(exc)
                if not self._stopping:
                    await self._back_off()
                continue
            self.failures.succeeded()
            if self._stopping:
                break
            if more:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self._policy().poll_s)
            except TimeoutError:
                continue
            linger = self._linger()
            if linger > 0 and not self._stopping:
                await asyncio.sleep(linger)  # let notices committed together arrive together

    async def _back_off(self) -> None:
        """Wait before the next try; only `stop()` cuts it short (a poke during an outage
        would just fail again at once)."""
        base = max(self._backoff_s, self._policy().poll_s)
        delay = failure_backoff(self.failures.count, base, self._backoff_cap_s)
        deadline = asyncio.get_running_loop().time() + delay
        while not self._stopping:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), left)
            except TimeoutError:
                return
