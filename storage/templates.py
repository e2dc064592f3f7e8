"""The firm's own wording of notices (`domain.message_templates`), versioned: a save adds a
row with the next version, and the highest version of a kind is the wording in force."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.message_templates import MessageTemplate, SavedTemplate
from domain.notices import NoticeKind
from storage.tables.messaging import MessageTemplateRow


def _saved(row: MessageTemplateRow) -> SavedTemplate:
    template = MessageTemplate(NoticeKind(row.kind), row.text, row.title, row.remark)
    return SavedTemplate(template, row.firm_id, row.version, row.saved_at, row.saved_by)


class SqlTemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def latest(self, firm_id: int) -> Mapping[NoticeKind, SavedTemplate]:
        newest = (
            select(MessageTemplateRow.kind, func.max(MessageTemplateRow.version).label("v"))
            .where(MessageTemplateRow.firm_id == firm_id)
            .group_by(MessageTemplateRow.kind)
            .subquery()
        )
        rows = await self.s.scalars(
            select(MessageTemplateRow)
            .join(
                newest,
                (newest.c.kind == MessageTemplateRow.kind)
                & (newest.c.v == MessageTemplateRow.version),
            )
            .where(MessageTemplateRow.firm_id == firm_id)
        )
        known = {k.value for k in NoticeKind}
        return {NoticeKind(r.kind): _saved(r) for r in rows if r.kind in known}

    async def history(self, firm_id: int, kind: NoticeKind) -> Sequence[SavedTemplate]:
        rows = await self.s.scalars(
            select(MessageTemplateRow)
            .where(MessageTemplateRow.firm_id == firm_id, MessageTemplateRow.kind == kind.value)
            .order_by(MessageTemplateRow.version.desc())
        )
        return [_saved(r) for r in rows]

    async def save(
        self, firm_id: int, template: MessageTemplate, saved_by: int | None, now: datetime
    ) -> SavedTemplate:
        for _ in range(3):
            last = await self.s.scalar(
                select(func.max(MessageTemplateRow.version)).where(
                    MessageTemplateRow.firm_id == firm_id,
                    MessageTemplateRow.kind == template.kind.value,
                )
            )
            row = MessageTemplateRow(
                firm_id=firm_id,
                kind=template.kind.value,
                version=(last or 0) + 1,
                text=template.text,
                title=template.title,
                remark=template.remark,
                saved_by=saved_by,
                saved_at=now,
            )
            try:
                async with self.s.begin_nested():
                    self.s.add(row)
            except IntegrityError:
                continue  # another save took this version: take the next one
            return _saved(row)
        raise RuntimeError(f"could not save a version of {template.kind} for firm {firm_id}")
