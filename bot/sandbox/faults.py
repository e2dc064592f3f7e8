"""Faults the sandbox emulator can be told to serve: an outage on WeChat's side, on demand.

`-1` (system busy), `45011` (minute quota), an HTTP 500 from the gateway or a call that hangs,
for a number of calls or seconds. Tests switch them on in process; other tools through
`POST /sandbox/api/faults` (`bot.sandbox.web`). The emulator (`bot.sandbox.emulator`) asks
`Faults.take` on each call whether this one should fail.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

FAULT_MODES = {"-1", "45011", "500", "timeout"}


@dataclass
class Fault:
    """One switched-on fault: its mode, and how long it lasts (calls left or a deadline)."""

    mode: str  # "-1" | "45011" | "500" | "timeout"
    remaining: int | None = None  # calls left; None: until `until`
    until: float | None = None  # time.monotonic() deadline; None: until `remaining` runs out
    path_prefix: str = "/cgi-bin/"
    hits: int = 0


@dataclass
class Faults:
    """Make the emulator misbehave for a while (an outage on WeChat's side)."""

    current: Fault | None = None
    timeout_sleep_s: float = 30.0

    def inject(
        self,
        mode: str,
        *,
        calls: int | None = None,
        seconds: float | None = None,
        path_prefix: str = "/cgi-bin/",
    ) -> None:
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}")
        until = time.monotonic() + seconds if seconds is not None else None
        if calls is None and until is None:
            calls = 1
        self.current = Fault(mode, calls, until, path_prefix)

    def clear(self) -> None:
        self.current = None

    def take(self, path: str) -> str | None:
        f = self.current
        if f is None or not path.startswith(f.path_prefix):
            return None
        if f.until is not None and time.monotonic() >= f.until:
            self.current = None
            return None
        if f.remaining is not None:
            if f.remaining <= 0:
                self.current = None
                return None
            f.remaining -= 1
        f.hits += 1
        return f.mode
