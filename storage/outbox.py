"""The outbox repository: notices are queued in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notices import Notice
from storage.tables.messaging import OutboxRow


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, notice: Notice, now: datetime) -> None:
        if notice.dedup_key is not None:
            seen = await self.s.scalar(
                select(OutboxRow.id).where(OutboxRow.dedup_key == notice.dedup_key)
            )
            if seen is not None:
                return
        self.s.add(
            OutboxRow(
                recipient=notice.recipient,
                kind=notice.kind,
                payload=notice.to_json(),
                dedup_key=notice.dedup_key,
                next_attempt_at=now,
                created_at=now,
            )
        )
