"""How the sandbox's stand-in for WeChat knows its users.

Real WeChat knows when a user last wrote, tapped or followed because it delivered those messages
itself. In the sandbox every user message reaches the app through `/wechat` (posted by the chat
simulator, tests or the benchmark, all via `Courier`), and the app logs each accepted one in
`inbound_messages`. The emulator reads that log, which is exactly the set of messages "WeChat"
delivered, to decide the 48-hour window (45015), the reply-count limit (45047), unknown users
(40003) and unsubscribed users (43004).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables.messaging import InboundRow


@dataclass(frozen=True)
class UserState:
    known: bool  # ever interacted with this account
    subscribed: bool
    last_interaction: datetime | None  # opens the 48-hour 客服 window


class InboundLogUsers:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, openid: str) -> UserState:
        # The latest accepted message or event says it all: an unsubscribed user cannot write,
        # so anything after an unsubscribe is a new subscribe.
        async with self._sessions() as s:
            row = (
                await s.execute(
                    select(InboundRow.received_at, InboundRow.msg_type, InboundRow.payload)
                    .where(InboundRow.openid == openid)
                    .order_by(InboundRow.id.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return UserState(False, False, None)
        at, msg_type, payload = row
        if msg_type == "event" and str(payload.get("Event", "")).lower() == "unsubscribe":
            return UserState(True, False, None)
        return UserState(True, True, at)
