"""Keeps a claimed batch's leases alive while its work runs.

Leases are short (30 s) so that the work of a process that died is taken over within about
that long, not after minutes; a live worker renews them every 10 s for as long as it is busy.
A worker wedged beyond `max_hold_s` stops renewing, so that another process can take its rows
(whatever the wedged one records later is refused: see storage.leases).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from bot.runtime.log_throttle import Throttle

log = logging.getLogger(__name__)

_throttle = Throttle()


def heartbeat_every(lease_s: float, heartbeat_s: float) -> float:
    """Renew at `heartbeat_s`, but at least three times per lease."""
    return min(heartbeat_s, lease_s / 3)


class LeaseHeartbeat:
    """`async with LeaseHeartbeat(name, renew, every_s):` calls `renew()` every `every_s` until
    the block ends; a renewal in flight is finished, not cancelled (it is a transaction)."""

    def __init__(
        self,
        name: str,
        renew: Callable[[], Awaitable[object]],
        every_s: float,
        max_hold_s: float = 600.0,
    ) -> None:
        self.name = name
        self._renew = renew
        self.every_s = every_s
        self.max_hold_s = max_hold_s
        self.renewals = 0
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LeaseHeartbeat:
        self._task = asyncio.create_task(self._beat(), name=f"{self.name}-heartbeat")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + self.max_hold_s
        while not self._done.is_set():
            try:
                await asyncio.wait_for(self._done.wait(), self.every_s)
                return
            except TimeoutError:
                pass
            if loop.time() > stop_at:
                log.warning(
                    "%s: work still running after %.0f s; no longer renewing its leases",
                    self.name,
                    self.max_hold_s,
                )
                return
            try:
                await self._renew()
                self.renewals += 1
            except Exception as exc:  # the database is down: the lease may lapse, that is all
                if _throttle.hit((self.name, type(exc))) is not None:
                    log.warning("%s: renewing leases failed: %r", self.name, exc)
