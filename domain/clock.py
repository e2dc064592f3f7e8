"""Time: aware datetimes everywhere, UTC in storage, Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests and the sandbox can move by hand."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._at += timedelta(**delta)


def local(dt: datetime) -> datetime:
    """For people: the same instant in Asia/Shanghai."""
    return dt.astimezone(SHANGHAI)


def fmt_local(dt: datetime) -> str:
    return local(dt).strftime("%m-%d %H:%M")
