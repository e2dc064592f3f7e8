"""How long binding codes live and how many wrong ones are tolerated, in one place.

The limits count failed attempts: a well-formed code that matches no usable invite. A person
may get a code wrong a few times; past `max_failures_per_user` within `user_window` they are
locked out until the oldest of those failures leaves the window, and no code of theirs is even
looked up meanwhile (nor counted, so the time they are told holds). Across the whole firm, `max_failures_global` failures within
`global_window` mean someone is guessing with many WeChat accounts: binding pauses for everyone
until the window frees up, and the admins are alerted once per burst.

With the defaults a guesser gets at most 30 tries per 10 minutes (about 4,300 a day) against
codes that live 24 hours (staff: one in 8.5e11) or 72 hours (contacts: one in a million per
live code), and the admins hear about it the first time the pause trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.identity import InviteKind


@dataclass(frozen=True)
class BindingFailure:
    """A well-formed code that bound nothing: who typed it and when (never the code)."""

    openid: str
    at: datetime


@dataclass(frozen=True)
class BindingPolicy:
    staff_code_ttl: timedelta = timedelta(hours=24)
    contact_code_ttl: timedelta = timedelta(hours=72)
    max_failures_per_user: int = 5
    user_window: timedelta = timedelta(hours=1)
    max_failures_global: int = 30
    global_window: timedelta = timedelta(minutes=10)
    # Failures are kept this long for whoever looks into an incident, then forgotten.
    keep_failures: timedelta = timedelta(days=7)

    def code_ttl(self, kind: InviteKind) -> timedelta:
        return self.staff_code_ttl if kind is InviteKind.STAFF else self.contact_code_ttl


def blocked_until(
    failures: Sequence[datetime], limit: int, window: timedelta, now: datetime
) -> datetime | None:
    """When a sliding-window limit lets the next attempt through, or None if it does now.

    `failures` are the times of the failures within the window, in any order. With `n >= limit`
    of them, the count drops below the limit once the `n - limit + 1` oldest have aged out.
    """
    recent = sorted(t for t in failures if t > now - window)
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + window
