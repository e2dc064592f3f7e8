"""The invoice repository: uploads as a leased work queue, and invoices per client company.

A worker takes an upload with one conditional UPDATE (pending and due, or working with an
expired lease), so two workers, or a worker and its restarted self, never both read it; it
settles the upload only while it still holds that lease. Invoices are unique per company by
dedup key in the schema, so a duplicate that slips past the read check still cannot be counted
twice (`add_invoice` then returns None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.invoice_checks import CheckResult
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload, NewUpload, UploadStatus
from domain.invoices import Invoice, InvoiceKind
from storage.leases import new_lease_token
from storage.tables.invoices import InvoiceRow, InvoiceUploadRow


def _upload(row: InvoiceUploadRow) -> InvoiceUpload:
    return InvoiceUpload(
        id=row.id,
        firm_id=row.firm_id,
        company_id=row.company_id,
        contact_id=row.contact_id,
        openid=row.openid,
        uploader_name=row.uploader_name,
        media_id=row.media_id,
        seq=row.seq,
        status=UploadStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        lease_until=row.lease_until,
        lease_token=row.lease_token,
        sha256=row.sha256,
        invoice_id=row.invoice_id,
        error=row.error,
        scouted_at=row.scouted_at,
        blob_sha256=row.blob_sha256,
    )


def _record(row: InvoiceRow) -> InvoiceRecord:
    reading = row.reading or {}
    record = InvoiceRecord(
        invoice=Invoice(
            company_id=row.company_id,
            number=row.number,
            code=row.code,
            kind=InvoiceKind(row.kind),
            invoice_type=row.invoice_type,
            issue_date=row.issue_date,
            amount_excl_tax_fen=row.amount_excl_tax_fen,
            tax_fen=row.tax_fen,
            amount_total_fen=row.amount_total_fen,
            buyer_name=row.buyer_name,
            buyer_tax_id=row.buyer_tax_id,
            seller_name=row.seller_name,
            seller_tax_id=row.seller_tax_id,
            check_code=row.check_code,
            image_sha256=row.image_sha256,
            uploaded_by=row.uploaded_by,
            uploaded_at=row.uploaded_at,
            id=row.id,
        ),
        uploader_name=row.uploader_name,
        sources=dict(reading.get("sources") or {}),
        confidence=dict(reading.get("confidence") or {}),
        capital_amount_fen=row.capital_amount_fen,
        qr_vs_ocr={k: (str(v[0]), str(v[1])) for k, v in (reading.get("qr_vs_ocr") or {}).items()},
        checks=tuple(
            CheckResult(c["name"], bool(c["ok"]), dict(c.get("facts") or {}))
            for c in reading.get("checks") or ()
        ),
        upload_id=row.upload_id,
        corrected_at=row.corrected_at,
    )
    if any("facts" not in c for c in reading.get("checks") or ()):
        # Stored before checks carried facts (they carried their wording): check again, as of
        # when they were checked, so the edge can word them.
        return record.rechecked(row.corrected_at or row.uploaded_at)
    return record


def _reading_json(record: InvoiceRecord) -> dict[str, Any]:
    return {
        "sources": dict(record.sources),
        "confidence": {k: round(float(v), 4) for k, v in record.confidence.items()},
        "qr_vs_ocr": {k: list(v) for k, v in record.qr_vs_ocr.items()},
        "checks": [{"name": c.name, "ok": c.ok, "facts": dict(c.facts)} for c in record.checks],
    }


def _columns(record: InvoiceRecord) -> dict[str, Any]:
    inv = record.invoice
    return {
        "dedup_key": inv.key,
        "number": inv.number,
        "code": inv.code,
        "kind": inv.kind.value,
        "invoice_type": inv.invoice_type,
        "issue_date": inv.issue_date,
        "period": record.period,
        "amount_excl_tax_fen": inv.amount_excl_tax_fen,
        "tax_fen": inv.tax_fen,
        "amount_total_fen": inv.amount_total_fen,
        "capital_amount_fen": record.capital_amount_fen,
        "buyer_name": inv.buyer_name,
        "buyer_tax_id": inv.buyer_tax_id,
        "seller_name": inv.seller_name,
        "seller_tax_id": inv.seller_tax_id,
        "check_code": inv.check_code,
        "corrected_at": record.corrected_at,
        "reading": _reading_json(record),
    }


def _due(now: datetime) -> Any:
    return or_(
        and_(
            InvoiceUploadRow.status == UploadStatus.PENDING.value,
            InvoiceUploadRow.next_attempt_at <= now,
        ),
        and_(
            InvoiceUploadRow.status == UploadStatus.WORKING.value,
            InvoiceUploadRow.lease_until < now,
        ),
    )


def _unsettled() -> Any:
    return InvoiceUploadRow.status.in_([UploadStatus.PENDING.value, UploadStatus.WORKING.value])


def _scoutable() -> Any:
    return and_(
        InvoiceUploadRow.status == UploadStatus.PENDING.value,
        InvoiceUploadRow.attempts == 0,
        InvoiceUploadRow.scouted_at.is_(None),
    )


class SqlInvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # -- uploads -------------------------------------------------------------------------

    async def add_upload(self, new: NewUpload) -> InvoiceUpload:
        row = InvoiceUploadRow(
            firm_id=new.firm_id,
            company_id=new.company_id,
            contact_id=new.contact_id,
            openid=new.openid,
            uploader_name=new.uploader_name,
            media_id=new.media_id,
            seq=new.seq,
            status=UploadStatus.PENDING.value,
            attempts=0,
            next_attempt_at=new.created_at,
            created_at=new.created_at,
            updated_at=new.created_at,
            detail="",
        )
        self.s.add(row)
        await self.s.flush()
        return _upload(row)

    async def upload_by_media(self, firm_id: int, media_id: str) -> InvoiceUpload | None:
        row = await self.s.scalar(
            select(InvoiceUploadRow).where(
                InvoiceUploadRow.firm_id == firm_id, InvoiceUploadRow.media_id == media_id
            )
        )
        return _upload(row) if row is not None else None

    async def get_upload(self, upload_id: int) -> InvoiceUpload | None:
        row = await self.s.scalar(
            select(InvoiceUploadRow)
            .where(InvoiceUploadRow.id == upload_id)
            .execution_options(populate_existing=True)
        )
        return _upload(row) if row is not None else None

    async def uploads(self, ids: Sequence[int]) -> Sequence[InvoiceUpload]:
        if not ids:
            return []
        rows = await self.s.scalars(
            select(InvoiceUploadRow)
            .where(InvoiceUploadRow.id.in_(list(ids)))
            .order_by(InvoiceUploadRow.id)
            .execution_options(populate_existing=True)
        )
        return [_upload(r) for r in rows]

    async def count_uploads_since(self, company_id: int, openid: str, since: datetime) -> int:
        value = await self.s.scalar(
            select(func.count()).where(
                InvoiceUploadRow.company_id == company_id,
                InvoiceUploadRow.openid == openid,
                InvoiceUploadRow.created_at >= since,
            )
        )
        return int(value or 0)

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta, holder: str = ""
    ) -> Sequence[InvoiceUpload]:
        """Lease up to `limit` due uploads, fairly: round-robin by company (each company's
        oldest due photo first, then each one's second, ...), so one client's fifty photos do
        not hold up another's one. Each is won by a conditional UPDATE; the batch shares one
        lease token starting with `holder` (see storage.leases)."""
        until = now + lease
        token = new_lease_token(holder)
        turn = (
            func.row_number()
            .over(partition_by=InvoiceUploadRow.company_id, order_by=InvoiceUploadRow.id)
            .label("turn")
        )
        due = select(InvoiceUploadRow.id, turn).where(_due(now)).subquery()
        candidates = (
            await self.s.scalars(select(due.c.id).order_by(due.c.turn, due.c.id).limit(limit))
        ).all()
        claimed: list[InvoiceUpload] = []
        for upload_id in candidates:
            won = await self.s.execute(
                update(InvoiceUploadRow)
                .where(InvoiceUploadRow.id == upload_id, _due(now))
                .values(
                    status=UploadStatus.WORKING.value,
                    lease_until=until,
                    lease_token=token,
                    attempts=InvoiceUploadRow.attempts + 1,
                    updated_at=now,
                )
            )
            if not won.rowcount:  # type: ignore[attr-defined]
                continue  # another worker took it between our select and update
            upload = await self.get_upload(upload_id)
            if upload is not None:
                claimed.append(upload)
        return claimed

    async def settle_upload(
        self,
        upload: InvoiceUpload,
        status: UploadStatus,
        now: datetime,
        *,
        sha256: str | None = None,
        invoice_id: int | None = None,
        error: str | None = None,
        detail: str = "",
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Record how the work ended, only while `upload`'s lease is still ours (its token:
        heartbeats move `lease_until`). `pending` with `next_attempt_at` schedules a retry."""
        values: dict[str, Any] = {
            "status": status.value,
            "lease_until": None,
            "lease_token": None,
            "updated_at": now,
            "error": error,
            "detail": detail[:2000],
        }
        if sha256 is not None:
            values["sha256"] = sha256
        if invoice_id is not None:
            values["invoice_id"] = invoice_id
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        result = await self.s.execute(
            update(InvoiceUploadRow)
            .where(
                InvoiceUploadRow.id == upload.id,
                InvoiceUploadRow.status == UploadStatus.WORKING.value,
                InvoiceUploadRow.lease_token == upload.lease_token,
            )
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew_leases(self, token: str, until: datetime) -> int:
        """The heartbeat: push on the lease of the uploads still held under `token`; how many."""
        result = await self.s.execute(
            update(InvoiceUploadRow)
            .where(
                InvoiceUploadRow.lease_token == token,
                InvoiceUploadRow.status == UploadStatus.WORKING.value,
            )
            .values(lease_until=until)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def duplicate_counts(
        self, company_id: int, invoice_ids: Sequence[int]
    ) -> Mapping[int, int]:
        if not invoice_ids:
            return {}
        rows = await self.s.execute(
            select(InvoiceUploadRow.invoice_id, func.count())
            .where(
                InvoiceUploadRow.company_id == company_id,
                InvoiceUploadRow.status == UploadStatus.DUPLICATE.value,
                InvoiceUploadRow.invoice_id.in_(list(invoice_ids)),
            )
            .group_by(InvoiceUploadRow.invoice_id)
        )
        return {int(i): int(n) for i, n in rows if i is not None}

    # -- the QR scout ---------------------------------------------------------------------

    async def unscouted_heads(self, limit: int) -> Sequence[tuple[int, int]]:
        """Each company's oldest upload that no scout has taken and no reader has tried yet
        (pending, no attempt), oldest first: the scout turns these round-robin by company."""
        head = func.min(InvoiceUploadRow.id).label("head")
        rows = await self.s.execute(
            select(head, InvoiceUploadRow.company_id)
            .where(_scoutable())
            .group_by(InvoiceUploadRow.company_id)
            .order_by(head)
            .limit(limit)
        )
        return [(int(r.head), int(r.company_id)) for r in rows]

    async def claim_scout(self, upload_id: int, now: datetime) -> InvoiceUpload | None:
        """Ours when this UPDATE changes the row: `scouted_at` is set once, by one scout (two
        processes racing on SQLite or PostgreSQL get rowcount 1 and 0). An upload the full
        reader has taken meanwhile is left to it."""
        won = await self.s.execute(
            update(InvoiceUploadRow)
            .where(InvoiceUploadRow.id == upload_id, _scoutable())
            .values(scouted_at=now)
        )
        if not won.rowcount:  # type: ignore[attr-defined]
            return None
        return await self.get_upload(upload_id)

    async def keep_blob(self, upload_id: int, sha256: str) -> bool:
        result = await self.s.execute(
            update(InvoiceUploadRow)
            .where(InvoiceUploadRow.id == upload_id, _unsettled())
            .values(blob_sha256=sha256)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def hold_unsettled(self, upload_id: int) -> bool:
        """A no-op UPDATE guarded by "not settled": it takes the row's write lock (PostgreSQL;
        SQLite locks the database), so a reader settling the upload waits for this transaction,
        and one that settled first makes it match nothing."""
        result = await self.s.execute(
            update(InvoiceUploadRow)
            .where(InvoiceUploadRow.id == upload_id, _unsettled())
            .values(scouted_at=InvoiceUploadRow.scouted_at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_duplicates(self, company_id: int, since: datetime, until: datetime) -> int:
        value = await self.s.scalar(
            select(func.count()).where(
                InvoiceUploadRow.company_id == company_id,
                InvoiceUploadRow.status == UploadStatus.DUPLICATE.value,
                InvoiceUploadRow.created_at >= since,
                InvoiceUploadRow.created_at < until,
            )
        )
        return int(value or 0)

    # -- invoices ------------------------------------------------------------------------

    async def add_invoice(self, record: InvoiceRecord, firm_id: int) -> InvoiceRecord | None:
        """Store a new invoice; None when the company already has one with this key."""
        inv = record.invoice
        row = InvoiceRow(
            firm_id=firm_id,
            company_id=inv.company_id,
            upload_id=record.upload_id,
            image_sha256=inv.image_sha256,
            uploaded_by=inv.uploaded_by,
            uploader_name=record.uploader_name,
            uploaded_at=inv.uploaded_at,
            **_columns(record),
        )
        try:
            async with self.s.begin_nested():
                self.s.add(row)
        except IntegrityError:
            return None
        return _record(row)

    async def get_invoice(self, invoice_id: int) -> InvoiceRecord | None:
        row = await self.s.get(InvoiceRow, invoice_id, populate_existing=True)
        return _record(row) if row is not None else None

    async def by_key(self, company_id: int, key: str) -> InvoiceRecord | None:
        row = await self.s.scalar(
            select(InvoiceRow).where(
                InvoiceRow.company_id == company_id, InvoiceRow.dedup_key == key
            )
        )
        return _record(row) if row is not None else None

    async def by_image(self, company_id: int, sha256: str) -> InvoiceRecord | None:
        row = await self.s.scalar(
            select(InvoiceRow)
            .where(InvoiceRow.company_id == company_id, InvoiceRow.image_sha256 == sha256)
            .order_by(InvoiceRow.id)
            .limit(1)
        )
        return _record(row) if row is not None else None

    async def by_number(self, company_id: int, number: str) -> Sequence[InvoiceRecord]:
        rows = await self.s.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.company_id == company_id, InvoiceRow.number == number)
            .order_by(InvoiceRow.id.desc())
        )
        return [_record(r) for r in rows]

    async def latest(self, company_id: int) -> InvoiceRecord | None:
        row = await self.s.scalar(
            select(InvoiceRow)
            .where(InvoiceRow.company_id == company_id)
            .order_by(InvoiceRow.uploaded_at.desc(), InvoiceRow.id.desc())
            .limit(1)
        )
        return _record(row) if row is not None else None

    async def update_invoice(self, record: InvoiceRecord) -> bool:
        """Save a corrected invoice; False if its new key is taken by another invoice."""
        assert record.id is not None
        try:
            async with self.s.begin_nested():
                result = await self.s.execute(
                    update(InvoiceRow).where(InvoiceRow.id == record.id).values(**_columns(record))
                )
        except IntegrityError:
            return False
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def for_period(self, company_id: int, period: str) -> Sequence[InvoiceRecord]:
        rows = await self.s.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.company_id == company_id, InvoiceRow.period == period)
            .order_by(InvoiceRow.issue_date, InvoiceRow.id)
        )
        return [_record(r) for r in rows]
