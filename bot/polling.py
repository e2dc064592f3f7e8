"""A background worker's loop: do a round of work now when poked, else every `poll_s`; stop
gracefully, cancelling a round that outlasts the grace period (whatever it held is leased, so
the next start takes it up again)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)


class LoopPolicy(Protocol):
    poll_s: float
    stop_grace_s: float


class PollingLoop:
    def __init__(
        self,
        name: str,
        round_: Callable[[], Awaitable[bool]],
        policy: Callable[[], LoopPolicy],
        linger: Callable[[], float] = lambda: 0.0,
    ) -> None:
        """`round_` returns True when more work is due at once. `policy` and `linger` are read
        on every turn, so an owner may swap its policy while running."""
        self.name = name
        self._round = round_
        self._policy = policy
        self._linger = linger
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
            except Exception:
                log.exception("%s: round failed; trying again shortly", self.name)
                more = False
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
