"""What strangers are told about the firm, remembered for a short while.

The number to call (without a configured `FIRM_PHONE`, the first active admin's phone) and the
services on offer (the firm's active catalogue) each take a read of the database. Strangers ask
most of the questions on a busy morning, and those reads were the only thing their turns needed
the database for: remembering the answers for `TTL_S` seconds (per firm, per process) saves a
session and a query on each of those turns. A change reaches strangers within `TTL_S`, like
identities in the webhook's memory, or at once when a turn in this process changed business
data (the webhook forgets both then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

TTL_S = 30.0
V = TypeVar("V")


class FirmMemory(Generic[V]):
    """firm id -> (valid until, value), in this process."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._kept: dict[int, tuple[float, V]] = {}

    def get(self, firm_id: int) -> V | None:
        hit = self._kept.get(firm_id)
        if hit is None or hit[0] <= self._clock():
            return None
        return hit[1]

    def keep(self, firm_id: int, value: V) -> None:
        self._kept[firm_id] = (self._clock() + self._ttl_s, value)

    def forget(self) -> None:
        self._kept.clear()


class PhoneMemory(FirmMemory[str]):
    """The number strangers are given to call."""


class ServicesMemory(FirmMemory[tuple[str, ...]]):
    """The request types on offer, in display order."""
