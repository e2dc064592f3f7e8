"""Conversation state per (appid, openid)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversation import Conversation
from storage.tables.messaging import ConversationRow


class SqlConversationStore:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def load(self, appid: str, openid: str) -> Conversation:
        row = await self.s.scalar(
            select(ConversationRow).where(
                ConversationRow.appid == appid, ConversationRow.openid == openid
            )
        )
        if row is None:
            return Conversation(appid, openid)
        return Conversation(
            appid, openid, row.flow, dict(row.slots or {}), row.requested_slot, row.updated_at
        )

    async def save(self, conv: Conversation, now: datetime) -> None:
        row = await self.s.get(ConversationRow, (conv.appid, conv.openid))
        if row is None:
            if conv.flow is None and not conv.slots:
                return  # nothing worth a row
            row = ConversationRow(appid=conv.appid, openid=conv.openid, slots={}, updated_at=now)
            self.s.add(row)
        row.flow = conv.flow
        row.slots = dict(conv.slots)
        row.requested_slot = conv.requested_slot
        row.updated_at = now
        conv.updated_at = now
