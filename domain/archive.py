"""The archive's uploaded documents: staff keep filing receipts and other files for a company
and month (the files checked by `domain.archive_files`, the bytes in the blob store); whoever may
read the company's books lists and downloads them, and every upload and download is recorded in
the audit log."""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.actors import Actor
from domain.archive_files import ArchivedDocument, CheckedFile, DocumentKind
from domain.audit import entry
from domain.book_access import readable_company
from domain.errors import Forbidden, Invalid, NotFound
from domain.panel_ports import PanelUnitOfWork
from domain.ports import UnitOfWork

_PERIOD = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


def period_of(raw: str, today: date) -> str:
    """A month "YYYY-MM" that has begun; `Invalid("archive_bad_period")` otherwise."""
    m = _PERIOD.fullmatch(raw.strip())
    if m is None or (int(m.group(1)), int(m.group(2))) > (today.year, today.month):
        raise Invalid("archive_bad_period", period=raw[:10])
    return m.group(0)


async def upload(
    uow: PanelUnitOfWork,
    actor: Actor,
    company_id: int,
    period: str,
    kind: DocumentKind,
    name: str,
    sha256: str,
    checked: CheckedFile,
    now: datetime,
) -> ArchivedDocument:
    """Keep a checked file (already in the blob store) in the company's archive for `period`.
    Only staff who keep the company (or admins)."""
    if not actor.is_staff:
        raise Forbidden("archive_for_staff")
    company = await readable_company(uow, actor, company_id)
    doc = ArchivedDocument(
        id=0,
        firm_id=company.firm_id,
        company_id=company.id,
        period=period,
        kind=kind,
        name=name.strip()[:120] or f"{period}-{kind.value}.{checked.type.value}",
        sha256=sha256,
        type=checked.type,
        size=checked.size,
        uploaded_by=actor.name,
        uploaded_at=now,
    )
    kept = await uow.archive.add(doc)
    after = {"company_id": company.id, "period": period, "kind": kind.value, "name": kept.name}
    await uow.audit.add(entry(actor, "archive_upload", f"document:{kept.id}", now, after=after))
    return kept


async def documents(
    uow: UnitOfWork,
    actor: Actor,
    company_id: int | None = None,
    year: int | None = None,
    kind: DocumentKind | None = None,
) -> list[ArchivedDocument]:
    """The company's documents (of `year` and `kind` when given), newest month first."""
    company = await readable_company(uow, actor, company_id)
    return [
        d
        for d in await uow.archive.documents(company.id)
        if (year is None or d.period.startswith(f"{year:04d}-"))
        and (kind is None or d.kind is kind)
    ]


async def download(
    uow: PanelUnitOfWork, actor: Actor, doc_id: int, company_id: int | None, now: datetime
) -> ArchivedDocument:
    """A document of a company the actor may read, the download recorded; another company's
    document reads as missing."""
    company = await readable_company(uow, actor, company_id)
    doc = await uow.archive.document(doc_id)
    if doc is None or doc.company_id != company.id:
        raise NotFound("archive_document_not_found", id=doc_id)
    after = {"company_id": company.id, "period": doc.period, "name": doc.name}
    await uow.audit.add(entry(actor, "archive_download", f"document:{doc.id}", now, after=after))
    return doc
