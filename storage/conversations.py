"""Conversation state per (appid, openid)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.conversation import Conversation
from storage.tables.messaging import ConversationRow

_T = ConversationRow.__table__.c
# Read on every message: built once (Core, no ORM objects), bound per call.
_LOAD = select(_T.flow, _T.slots, _T.requested_slot, _T.updated_at).where(
    _T.appid == bindparam("appid"), _T.openid == bindparam("openid")
)


def _conversation(appid: str, openid: str, row: Any) -> Conversation:
    if row is None:
        return Conversation(appid, openid)
    return Conversation(
        appid, openid, row.flow, dict(row.slots or {}), row.requested_slot, row.updated_at
    )


async def load_on(conn: AsyncConnection, appid: str, openid: str) -> Conversation:
    """`SqlConversationStore.load` on a plain connection (no ORM session)."""
    row = (await conn.execute(_LOAD, {"appid": appid, "openid": openid})).first()
    return _conversation(appid, openid, row)


class SqlConversationStore:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def load(self, appid: str, openid: str) -> Conversation:
        row = (await self.s.execute(_LOAD, {"appid": appid, "openid": openid})).first()
        return _conversation(appid, openid, row)
