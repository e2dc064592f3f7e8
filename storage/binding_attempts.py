"""Failed binding attempts in the database, so the limits on guessing hold across restarts and
across worker processes: one row per failure in `binding_failures`, and the firm's current
burst (which decides whether the admins are alerted) as a lease row in the `kv` table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.binding_policy import BindingFailure
from storage.tables.identity import BindingFailureRow
from storage.tables.messaging import KeyValueRow


def burst_key(firm_id: int) -> str:
    return f"binding_burst:{firm_id}"


class SqlBindingAttempts:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_failure(
        self, firm_id: int, failure: BindingFailure, forget_before: datetime
    ) -> None:
        await self.s.execute(
            delete(BindingFailureRow).where(
                BindingFailureRow.firm_id == firm_id, BindingFailureRow.at < forget_before
            )
        )
        self.s.add(BindingFailureRow(firm_id=firm_id, openid=failure.openid, at=failure.at))
        await self.s.flush()

    async def failures_since(
        self, firm_id: int, since: datetime, openid: str | None = None
    ) -> Sequence[BindingFailure]:
        q = select(BindingFailureRow.openid, BindingFailureRow.at).where(
            BindingFailureRow.firm_id == firm_id, BindingFailureRow.at > since
        )
        if openid is not None:
            q = q.where(BindingFailureRow.openid == openid)
        rows = await self.s.execute(q.order_by(BindingFailureRow.at, BindingFailureRow.id))
        return [BindingFailure(o, at) for o, at in rows]

    async def note_burst(self, firm_id: int, now: datetime, until: datetime) -> bool:
        key = burst_key(firm_id)
        # Going on already: extend it. Each UPDATE re-checks its condition on the row it
        # locks, so of two processes racing over an expired row only one restarts it.
        going_on = await self.s.execute(
            update(KeyValueRow)
            .where(KeyValueRow.key == key, KeyValueRow.expires_at >= now)
            .values(expires_at=until)
        )
        if going_on.rowcount:  # type: ignore[attr-defined]
            return False
        restarted = await self.s.execute(
            update(KeyValueRow)
            .where(
                KeyValueRow.key == key,
                or_(KeyValueRow.expires_at.is_(None), KeyValueRow.expires_at < now),
            )
            .values(value=now.isoformat(), expires_at=until)
        )
        if restarted.rowcount:  # type: ignore[attr-defined]
            return True
        try:
            async with self.s.begin_nested():
                self.s.add(KeyValueRow(key=key, value=now.isoformat(), expires_at=until))
        except IntegrityError:
            return False  # another process started it a moment ago
        return True
