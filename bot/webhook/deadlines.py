"""Many timers of one length on one timer handle: the webhook's reply budget.

The webhook arms a budget timer for every message and cancels nearly all of them (the answer
is ready long before). asyncio keeps a cancelled timer in its heap until it is due, so at a few
thousand messages a second every `call_later` pushed into a heap of ~15 000 handles, comparing
TimerHandles in Python: 4 % of a first delivery's CPU. Timers of one length fall due in the
order they were armed, so a queue and one armed handle do the same job; a callback fires at
most `resolution_s` after its deadline, never before. (asyncio has no timer wheel of its own,
and none of the maintained libraries fits the event loop's own clock; hence this.)
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class Deadline:
    """One armed callback; `cancel()` makes sure it never runs."""

    __slots__ = ("callback", "due")

    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self.callback: Callable[[], None] | None = callback

    def cancel(self) -> None:
        self.callback = None


class Deadlines:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, delay_s: float, resolution_s: float = 0.02
    ) -> None:
        self.loop = loop
        self.delay_s = delay_s
        self._resolution_s = resolution_s
        self._queue: deque[Deadline] = deque()
        self._handle: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Deadlines not yet due (cancelled ones included until then)."""
        return len(self._queue)

    def add(self, callback: Callable[[], None]) -> Deadline:
        """`callback` runs `delay_s` from now (up to `resolution_s` later) unless cancelled."""
        deadline = Deadline(self.loop.time() + self.delay_s, callback)
        self._queue.append(deadline)
        if self._handle is None:
            self._arm()
        return deadline

    def _arm(self) -> None:
        due = max(self._queue[0].due, self.loop.time() + self._resolution_s)
        self._handle = self.loop.call_at(due, self._fire)

    def _fire(self) -> None:
        self._handle = None
        now = self.loop.time()
        queue = self._queue
        while queue and queue[0].due <= now:
            callback = queue.popleft().callback
            if callback is not None:
                try:
                    callback()
                except Exception:
                    log.exception("a deadline's callback failed")
        if queue:
            self._arm()
