"""The dispatch policy: how long a request may wait for a claim, how long a claim may go
without progress, and when people may be reminded (working hours, in Asia/Shanghai). Read from
the settings once; `domain.dispatch` and `domain.dispatch_timers` act on it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from domain.clock import local
from domain.errors import Invalid
from domain.identity import Staff
from domain.requests import Urgency


def _parse_hhmm(text: str) -> time:
    hh, _, mm = unicodedata.normalize("NFKC", text).strip().partition(":")
    if not hh.isdigit() or not (mm.isdigit() or not mm) or len(hh) > 2 or len(mm) > 2:
        raise ValueError(text)
    return time(int(hh), int(mm or 0))


@dataclass(frozen=True)
class WorkingHours:
    """When people may be reminded, in Asia/Shanghai: "09:00-18:00" on ISO weekdays 1-5."""

    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    @classmethod
    def parse(cls, hours: str = "09:00-18:00", days: str = "1-5") -> WorkingHours:
        start, _, end = hours.partition("-")
        picked: set[int] = set()
        for part in unicodedata.normalize("NFKC", days).split(","):  # full-width commas too
            part = part.strip()
            if not part:
                continue
            lo, _, hi = part.partition("-")
            picked.update(range(int(lo), int(hi or lo) + 1))
        return cls(_parse_hhmm(start), _parse_hhmm(end), frozenset(picked & set(range(1, 8))))

    @classmethod
    def of_staff(cls, staff: Staff, default: WorkingHours) -> WorkingHours:
        """A staff member's own hours (`staff_text`: "09:00-18:00", optionally followed by
        their own days, "09:00-18:00 1-5,7"); the firm's days when they have none of their
        own, the firm's hours when the text is unreadable."""
        hours, _, days = staff.working_hours.strip().partition(" ")
        try:
            own = cls.parse(hours, days.strip() or "1")
        except ValueError:
            return default
        return cls(own.start, own.end, own.days if days.strip() else default.days)

    @classmethod
    def for_staff(cls, start: str, end: str, days: str) -> WorkingHours:
        """Hours typed for a staff member, checked: both times HH:MM, the start before the end,
        at least one day among ISO weekdays 1-7 ("1-5", "1,3,5", "1-5,7")."""
        try:
            begin, finish = _parse_hhmm(start), _parse_hhmm(end)
        except ValueError:
            raise Invalid("working_hours_invalid") from None
        if not begin < finish:
            raise Invalid("working_hours_reversed")
        picked: set[int] = set()
        for part in unicodedata.normalize("NFKC", days).split(","):
            lo, _, hi = part.strip().partition("-")
            if not lo.strip().isdigit() or (hi and not hi.strip().isdigit()):
                raise Invalid("working_days_invalid")
            first, last = int(lo), int(hi or lo)
            if not 1 <= first <= last <= 7:
                raise Invalid("working_days_invalid")
            picked.update(range(first, last + 1))
        return cls(begin, finish, frozenset(picked))

    def staff_text(self) -> str:
        """How a staff member's hours are stored: "09:00-18:00 1-5"."""
        days = sorted(self.days)
        runs: list[str] = []
        i = 0
        while i < len(days):
            j = i
            while j + 1 < len(days) and days[j + 1] == days[j] + 1:
                j += 1
            runs.append(str(days[i]) if i == j else f"{days[i]}-{days[j]}")
            i = j + 1
        return f"{self.start:%H:%M}-{self.end:%H:%M} {','.join(runs)}"

    def is_open(self, at: datetime) -> bool:
        here = local(at)
        return here.isoweekday() in self.days and self.start <= here.time() < self.end

    def next_open(self, at: datetime) -> datetime:
        """When work next starts at or after `at` (`at` itself when open); within 8 days."""
        if self.is_open(at) or not self.days:
            return at
        here = local(at)
        for ahead in range(8):
            day = (here + timedelta(days=ahead)).date()
            opening = datetime.combine(day, self.start, tzinfo=here.tzinfo)
            if day.isoweekday() in self.days and opening >= here:
                return opening.astimezone(at.tzinfo)
        return at


@dataclass(frozen=True)
class DispatchPolicy:
    claim_timeout_normal: timedelta = timedelta(minutes=30)
    claim_timeout_urgent: timedelta = timedelta(minutes=10)
    first_progress_timeout: timedelta = timedelta(minutes=120)
    hours: WorkingHours = field(default_factory=WorkingHours)

    def claim_timeout(self, urgency: Urgency) -> timedelta:
        return self.claim_timeout_urgent if urgency is Urgency.URGENT else self.claim_timeout_normal

    @classmethod
    def from_settings(cls, settings: Any) -> DispatchPolicy:
        """From any object with the settings' attribute names (missing ones keep defaults)."""
        d = cls()
        if settings is None:
            return d

        def minutes(name: str, default: timedelta) -> timedelta:
            value = getattr(settings, name, None)
            return default if value is None else timedelta(minutes=float(value))

        return cls(
            claim_timeout_normal=minutes("claim_timeout_min", d.claim_timeout_normal),
            claim_timeout_urgent=minutes("claim_timeout_urgent_min", d.claim_timeout_urgent),
            first_progress_timeout=minutes("first_progress_timeout_min", d.first_progress_timeout),
            hours=WorkingHours.parse(
                getattr(settings, "working_hours", "09:00-18:00"),
                getattr(settings, "working_days", "1-5"),
            ),
        )
