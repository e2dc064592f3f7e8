"""Conversation state as plain data: which flow (form) a user is in and the slots filled so far.

Kept here, not in `handlers/`, because `storage` persists it and may import only `domain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class Conversation:
    appid: str
    openid: str
    flow: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    requested_slot: str | None = None
    updated_at: datetime | None = None

    def expired(self, now: datetime, idle: timedelta) -> bool:
        return (
            self.flow is not None and self.updated_at is not None and now - self.updated_at > idle
        )

    def clear(self) -> None:
        self.flow = None
        self.slots = {}
        self.requested_slot = None

    def snapshot(self) -> tuple[str | None, str | None, tuple[tuple[str, Any], ...]]:
        return self.flow, self.requested_slot, tuple(sorted(self.slots.items(), key=str))
