"""The inbound log: one row per accepted message or event, unique by its dedup key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables.messaging import InboundRow


@dataclass(frozen=True)
class InboundRecord:
    id: int
    dedup_key: str
    openid: str
    status: str
    reply_xml: str | None
    payload: dict[str, Any]
    received_at: datetime


def _record(r: InboundRow) -> InboundRecord:
    return InboundRecord(
        r.id, r.dedup_key, r.openid, r.status, r.reply_xml, dict(r.payload), r.received_at
    )


class SqlInboundLog:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def accept(
        self,
        appid: str,
        openid: str,
        key: str,
        msg_type: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> tuple[int | None, InboundRecord | None]:
        """Insert the message. Returns (new id, None), or (None, the earlier record) when this
        dedup key was seen before."""
        row = InboundRow(
            appid=appid,
            openid=openid,
            dedup_key=key,
            msg_type=msg_type,
            payload=payload,
            received_at=now,
        )
        self.s.add(row)
        try:
            await self.s.flush()
        except IntegrityError:
            await self.s.rollback()
            earlier = await self.s.scalar(
                select(InboundRow).where(InboundRow.appid == appid, InboundRow.dedup_key == key)
            )
            return None, _record(earlier) if earlier is not None else None
        return row.id, None

    async def get(self, appid: str, key: str) -> InboundRecord | None:
        row = await self.s.scalar(
            select(InboundRow).where(InboundRow.appid == appid, InboundRow.dedup_key == key)
        )
        return _record(row) if row is not None else None

    async def finish(self, row_id: int, status: str, reply_xml: str | None, now: datetime) -> None:
        await self.s.execute(
            update(InboundRow)
            .where(InboundRow.id == row_id)
            .values(status=status, reply_xml=reply_xml, answered_at=now)
        )

    async def stale(self, older_than: datetime, limit: int = 100) -> Sequence[InboundRecord]:
        """Messages accepted but never answered (the process died while handling them)."""
        rows = await self.s.scalars(
            select(InboundRow)
            .where(
                # the partial index's own condition, literally, so the planner can use it
                text("status IN ('processing', 'recovering')"),
                InboundRow.status == "processing",
                InboundRow.received_at < older_than,
            )
            .order_by(InboundRow.id)
            .limit(limit)
        )
        return [_record(r) for r in rows]

    async def claim_stale(self, row_id: int, now: datetime) -> bool:
        """Take over a stale message exactly once across workers."""
        result = await self.s.execute(
            update(InboundRow)
            .where(InboundRow.id == row_id, InboundRow.status == "processing")
            .values(status="recovering", answered_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def last_interaction(self, openid: str) -> datetime | None:
        """When the user last wrote or tapped: opens WeChat's 48-hour 客服 window."""
        value: datetime | None = await self.s.scalar(
            select(func.max(InboundRow.received_at)).where(InboundRow.openid == openid)
        )
        if value is not None and value.tzinfo is None:
            from datetime import UTC

            value = value.replace(tzinfo=UTC)
        return value

    async def count(self) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(InboundRow)) or 0)
