"""Rate-limited logging for failures that repeat: the first one in full, then at most one
summary line a minute with how many were left out.

A database outage makes every polling round fail, and a connection flood makes asyncio report
every refused accept; logged one by one, each with its traceback, they fill the disk (a probe
saw 277 000 tracebacks, 123 MB, in 40 seconds) and bury the one line an operator needs. Three
users share one `Throttle`:

- `FailureStreak`, for a loop that knows when it succeeds again (bot.runtime.polling);
- `ThrottleFilter`, a `logging.Filter` for third-party loggers we cannot change (aiohttp.server);
- `loop_exception_handler`, for the event loop's own reports (accept errors and the like).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

SUMMARY_EVERY_S = 60.0


@dataclass
class _Key:
    last_shown: float
    dropped: int = 0


class Verdict(NamedTuple):
    """An event that may be logged: in `full` (a new kind, or one back after a quiet spell),
    else as a summary of the `dropped` ones since the last shown."""

    full: bool
    dropped: int


class Throttle:
    """Per key: the first event passes, then one per `interval_s`; the rest are counted.

    A key quiet for two intervals with nothing dropped is shown in full again, so a failure
    that comes back an hour later is not reduced to a summary line.
    """

    def __init__(
        self,
        interval_s: float = SUMMARY_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 1000,
    ) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._keys: dict[Hashable, _Key] = {}
        self._max_keys = max_keys

    def hit(self, key: Hashable) -> Verdict | None:
        """None: drop this event (it is counted)."""
        now = self._clock()
        state = self._keys.get(key)
        if state is None or (not state.dropped and now - state.last_shown >= 2 * self.interval_s):
            if state is None and len(self._keys) >= self._max_keys:
                self._keys.clear()  # a flood of distinct keys: start over rather than grow
            self._keys[key] = _Key(now)
            return Verdict(True, 0)
        if now - state.last_shown >= self.interval_s:
            dropped, state.dropped, state.last_shown = state.dropped, 0, now
            return Verdict(False, dropped)
        state.dropped += 1
        return None

    def forget(self, key: Hashable) -> None:
        self._keys.pop(key, None)


class FailureStreak:
    """Logs a run of failures of one activity, and its end.

    The first failure is logged with its traceback; while failures go on, one warning a minute
    says how many more there were and what the latest was; the first success after failures
    logs how many there were in all. `count` (consecutive failures) drives the caller's backoff.
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        interval_s: float = SUMMARY_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self.what = what
        self._throttle = Throttle(interval_s, clock)
        self.count = 0

    def failed(self, exc: BaseException) -> None:
        self.count += 1
        verdict = self._throttle.hit(self.what)
        if verdict is None:
            return
        if self.count == 1:
            self._log.error("%s failed", self.what, exc_info=exc)
        else:
            self._log.warning(
                "%s still failing: %d failures in a row (%d not logged); latest: %r",
                self.what,
                self.count,
                verdict.dropped,
                exc,
            )

    def succeeded(self) -> None:
        if self.count:
            self._log.warning("%s works again after %d failures", self.what, self.count)
            self._throttle.forget(self.what)
        self.count = 0


class ThrottleFilter(logging.Filter):
    """Throttles a logger's records by (logger, message template, exception type).

    A record that passes after a quiet interval carries the count of the ones dropped and no
    traceback (the first record of the kind had it). The count of the last minute of a flood
    that then stops is not reported: that would need a timer, and the first record already said
    what went wrong.
    """

    def __init__(
        self, interval_s: float = SUMMARY_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._throttle = Throttle(interval_s, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        exc_type = record.exc_info[0] if record.exc_info else None
        verdict = self._throttle.hit((record.name, str(record.msg), exc_type))
        if verdict is None:
            return False
        if not verdict.full:
            record.msg = f"{record.msg} [repeated; {verdict.dropped} more like this not logged]"
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def throttle_loggers(*names: str, interval_s: float = SUMMARY_EVERY_S) -> None:
    """Attach a `ThrottleFilter` to each named logger (once)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ThrottleFilter) for f in logger.filters):
            logger.addFilter(ThrottleFilter(interval_s))


def loop_exception_handler(
    interval_s: float = SUMMARY_EVERY_S, clock: Callable[[], float] = time.monotonic
) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An event-loop exception handler that reports each kind of error (by message and
    exception type) in full the first time, then summarises it once a minute."""
    throttle = Throttle(interval_s, clock)

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message") or "unhandled error in the event loop")
        verdict = throttle.hit((message, type(exc)))
        if verdict is None:
            return
        if verdict.full:
            loop.default_exception_handler(context)
        else:
            log.error(
                "%s: %r [repeated; %d more like this not logged]", message, exc, verdict.dropped
            )

    return handle
