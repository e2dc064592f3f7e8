"""The archive's uploaded documents (`domain.archive`): added, listed by company, read by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.archive_files import ArchivedDocument, DocumentKind, FileType
from storage.tables.archive import ArchiveDocumentRow


def _doc(r: ArchiveDocumentRow) -> ArchivedDocument:
    return ArchivedDocument(
        id=r.id,
        firm_id=r.firm_id,
        company_id=r.company_id,
        period=r.period,
        kind=DocumentKind(r.kind),
        name=r.name,
        sha256=r.sha256,
        type=FileType(r.file_type),
        size=r.size,
        uploaded_by=r.uploaded_by,
        uploaded_at=r.uploaded_at,
    )


class SqlArchive:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, doc: ArchivedDocument) -> ArchivedDocument:
        row = ArchiveDocumentRow(
            firm_id=doc.firm_id,
            company_id=doc.company_id,
            period=doc.period,
            kind=doc.kind.value,
            name=doc.name[:120],
            sha256=doc.sha256,
            file_type=doc.type.value,
            size=doc.size,
            uploaded_by=doc.uploaded_by[:50],
            uploaded_at=doc.uploaded_at,
        )
        self.s.add(row)
        await self.s.flush()
        return _doc(row)

    async def documents(self, company_id: int) -> Sequence[ArchivedDocument]:
        rows = await self.s.scalars(
            select(ArchiveDocumentRow)
            .where(ArchiveDocumentRow.company_id == company_id)
            .order_by(ArchiveDocumentRow.period.desc(), ArchiveDocumentRow.id.desc())
        )
        return [_doc(r) for r in rows]

    async def document(self, doc_id: int) -> ArchivedDocument | None:
        row = await self.s.get(ArchiveDocumentRow, doc_id)
        return _doc(row) if row is not None else None
