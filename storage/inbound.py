"""The inbound log: one row per accepted message or event, unique by its dedup key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, text, update
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

    async def demote_to_late(self, appid: str, key: str, now: datetime) -> bool:
        """An answer stored as the passive reply that never reached the wire (the database
        stalled past WeChat's 5 seconds): from now on it travels through the outbox, and a
        late retry must not get it passively a second time."""
        result = await self.s.execute(
            update(InboundRow)
            .where(
                InboundRow.appid == appid,
                InboundRow.dedup_key == key,
                InboundRow.status == "answered",
            )
            .values(status="late", reply_xml=None, answered_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def stale(
        self, older_than: datetime, limit: int = 100, owner: str | None = None
    ) -> Sequence[InboundRecord]:
        """Messages accepted but never answered (the process died while handling them):
        anyone's older than `older_than`, and `owner`'s own whatever their age."""
        old = InboundRow.received_at < older_than
        rows = await self.s.scalars(
            select(InboundRow)
            .where(
                # the partial index's own condition, literally, so the planner can use it
                text("status IN ('processing', 'recovering')"),
                InboundRow.status == "processing",
                old if owner is None else (old | (InboundRow.owner == owner)),
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

    async def clear_old_payloads(
        self, before: datetime, after_id: int, limit: int
    ) -> tuple[int, int | None]:
        """Retention: empty the payload and stored reply of up to `limit` handled messages
        received before `before`, among ids above `after_id`. The row, its dedup key and its
        times stay (WeChat's retries are still recognised; the 48-hour window still known).
        A message still being handled keeps its payload: crash recovery needs it.

        Returns (rows cleared, the last id looked at; None when there is nothing further).
        Each row is cleared by a conditional UPDATE, so two processes running this at once
        only repeat each other's reads; a row already cleared is never written again."""
        clearable = (
            InboundRow.received_at < before,
            InboundRow.status.not_in(("processing", "recovering")),
            or_(InboundRow.reply_xml.is_not(None), cast(InboundRow.payload, Text) != "{}"),
        )
        ids = (
            await self.s.scalars(
                select(InboundRow.id)
                .where(InboundRow.id > after_id, *clearable)
                .order_by(InboundRow.id)
                .limit(limit)
            )
        ).all()
        if not ids:
            return 0, None
        result = await self.s.execute(
            update(InboundRow)
            .where(InboundRow.id.in_(ids), *clearable)
            .values(payload={}, reply_xml=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount), ids[-1]  # type: ignore[attr-defined]
