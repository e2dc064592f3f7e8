"""Versioned documents the panel arranges as a whole (`storage.tables.panel.PanelDocumentRow`):
the Official Account menu and the client home page. A save adds the next version; the highest
one is in force; nothing is changed in place, so the history is the rows themselves. Also the
images uploaded for the home page's slides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.panel_documents import HomeImage, SavedDocument
from storage.blobs import sha256_of
from storage.tables.panel import HomeImageRow, PanelDocumentRow


def _saved(row: PanelDocumentRow) -> SavedDocument:
    return SavedDocument(row.kind, row.version, dict(row.body), row.saved_by, row.saved_at)


class SqlPanelDocuments:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def latest(self, firm_id: int, kind: str) -> SavedDocument | None:
        row = await self.s.scalar(
            select(PanelDocumentRow)
            .where(PanelDocumentRow.firm_id == firm_id, PanelDocumentRow.kind == kind)
            .order_by(PanelDocumentRow.version.desc())
            .limit(1)
        )
        return _saved(row) if row else None

    async def version(self, firm_id: int, kind: str, version: int) -> SavedDocument | None:
        row = await self.s.scalar(
            select(PanelDocumentRow).where(
                PanelDocumentRow.firm_id == firm_id,
                PanelDocumentRow.kind == kind,
                PanelDocumentRow.version == version,
            )
        )
        return _saved(row) if row else None

    async def history(self, firm_id: int, kind: str, limit: int) -> Sequence[SavedDocument]:
        rows = await self.s.scalars(
            select(PanelDocumentRow)
            .where(PanelDocumentRow.firm_id == firm_id, PanelDocumentRow.kind == kind)
            .order_by(PanelDocumentRow.version.desc())
            .limit(limit)
        )
        return [_saved(r) for r in rows]

    async def add(
        self, firm_id: int, kind: str, body: Mapping[str, Any], saved_by: str, now: datetime
    ) -> SavedDocument:
        for _ in range(3):
            last = await self.s.scalar(
                select(func.max(PanelDocumentRow.version)).where(
                    PanelDocumentRow.firm_id == firm_id, PanelDocumentRow.kind == kind
                )
            )
            row = PanelDocumentRow(
                firm_id=firm_id,
                kind=kind,
                version=(last or 0) + 1,
                body=dict(body),
                saved_by=saved_by[:50],
                saved_at=now,
            )
            try:
                async with self.s.begin_nested():
                    self.s.add(row)
            except IntegrityError:
                continue  # another save took this version: take the next one
            return _saved(row)
        raise RuntimeError(f"could not save a version of {kind} for firm {firm_id}")

    async def add_image(
        self, firm_id: int, data: bytes, content_type: str, now: datetime
    ) -> HomeImage:
        """Keep an uploaded image (the same bytes twice are kept once)."""
        digest = sha256_of(data)
        where = (HomeImageRow.firm_id == firm_id, HomeImageRow.sha256 == digest)
        found = await self.s.scalar(select(HomeImageRow.id).where(*where))
        if found is None:
            try:
                async with self.s.begin_nested():
                    row = HomeImageRow(
                        firm_id=firm_id,
                        sha256=digest,
                        content_type=content_type,
                        data=data,
                        uploaded_at=now,
                    )
                    self.s.add(row)
                found = row.id
            except IntegrityError:
                found = await self.s.scalar(select(HomeImageRow.id).where(*where))
        assert found is not None
        return HomeImage(found, firm_id, content_type, b"")

    async def image(self, firm_id: int, image_id: int) -> HomeImage | None:
        row = await self.s.scalar(
            select(HomeImageRow).where(HomeImageRow.firm_id == firm_id, HomeImageRow.id == image_id)
        )
        return HomeImage(row.id, row.firm_id, row.content_type, row.data) if row else None
