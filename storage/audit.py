"""The audit log (`domain.audit`): added to, paged through, never changed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import AuditEntry, NewAuditEntry
from storage.tables.panel import AuditRow


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, entry: NewAuditEntry) -> None:
        await self.s.execute(
            insert(AuditRow).values(
                firm_id=entry.firm_id,
                at=entry.at,
                staff_id=entry.staff_id,
                actor=entry.actor[:50],
                action=entry.action,
                target=entry.target[:100],
                before=dict(entry.before) if entry.before is not None else None,
                after=dict(entry.after) if entry.after is not None else None,
            )
        )

    async def page(
        self, firm_id: int, action: str | None, page: int, per_page: int
    ) -> tuple[Sequence[AuditEntry], int]:
        where = [AuditRow.firm_id == firm_id]
        if action:
            where.append(AuditRow.action == action)
        total = await self.s.scalar(select(func.count()).select_from(AuditRow).where(*where))
        rows = await self.s.scalars(
            select(AuditRow)
            .where(*where)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        items = [
            AuditEntry(
                r.id, r.firm_id, r.at, r.staff_id, r.actor, r.action, r.target, r.before, r.after
            )
            for r in rows
        ]
        return items, int(total or 0)
