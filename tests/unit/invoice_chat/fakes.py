"""An in-memory invoice repository and unit of work for handler tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.invoice_uploads import InvoiceRecord, InvoiceUpload, NewUpload, UploadStatus
from tests.support.fakes import FakeUnitOfWork


class FakeInvoices:
    def __init__(self) -> None:
        self.uploads_by_id: dict[int, InvoiceUpload] = {}
        self.invoices: dict[int, InvoiceRecord] = {}
        self._ids = iter(range(1, 1_000_000))

    async def add_upload(self, new: NewUpload) -> InvoiceUpload:
        up = InvoiceUpload(
            next(self._ids), new.firm_id, new.company_id, new.contact_id, new.openid,
            new.uploader_name, new.media_id, new.seq, UploadStatus.PENDING, 0, new.created_at,
        )  # fmt: skip
        self.uploads_by_id[up.id] = up
        return up

    async def upload_by_media(self, firm_id: int, media_id: str) -> InvoiceUpload | None:
        return next((u for u in self.uploads_by_id.values() if u.media_id == media_id), None)

    async def get_upload(self, upload_id: int) -> InvoiceUpload | None:
        return self.uploads_by_id.get(upload_id)

    async def uploads(self, ids: Sequence[int]) -> Sequence[InvoiceUpload]:
        return [self.uploads_by_id[i] for i in sorted(ids) if i in self.uploads_by_id]

    async def count_uploads_since(self, company_id: int, openid: str, since: datetime) -> int:
        return sum(
            1
            for u in self.uploads_by_id.values()
            if u.company_id == company_id and u.openid == openid and u.created_at >= since
        )

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta
    ) -> Sequence[InvoiceUpload]:
        raise NotImplementedError

    async def settle_upload(
        self, upload: InvoiceUpload, status: UploadStatus, now: datetime, **kw: object
    ) -> bool:
        self.uploads_by_id[upload.id] = replace(upload, status=status)
        return True

    async def count_duplicates(self, company_id: int, since: datetime, until: datetime) -> int:
        return sum(
            1
            for u in self.uploads_by_id.values()
            if u.company_id == company_id
            and u.status is UploadStatus.DUPLICATE
            and since <= u.created_at < until
        )

    async def add_invoice(self, record: InvoiceRecord, firm_id: int) -> InvoiceRecord | None:
        if await self.by_key(record.invoice.company_id, record.invoice.key) is not None:
            return None
        stored = replace(record, invoice=replace(record.invoice, id=next(self._ids)))
        self.invoices[stored.invoice.id or 0] = stored
        return stored

    async def get_invoice(self, invoice_id: int) -> InvoiceRecord | None:
        return self.invoices.get(invoice_id)

    async def by_key(self, company_id: int, key: str) -> InvoiceRecord | None:
        return next(
            (r for r in self.invoices.values()
             if r.invoice.company_id == company_id and r.invoice.key == key),
            None,
        )  # fmt: skip

    async def by_image(self, company_id: int, sha256: str) -> InvoiceRecord | None:
        return next(
            (r for r in self.invoices.values()
             if r.invoice.company_id == company_id and r.invoice.image_sha256 == sha256),
            None,
        )  # fmt: skip

    async def by_number(self, company_id: int, number: str) -> Sequence[InvoiceRecord]:
        return [
            r
            for r in self.invoices.values()
            if r.invoice.company_id == company_id and r.invoice.number == number
        ]

    async def latest(self, company_id: int) -> InvoiceRecord | None:
        mine = [r for r in self.invoices.values() if r.invoice.company_id == company_id]
        return max(mine, key=lambda r: (r.invoice.uploaded_at, r.id or 0), default=None)

    async def update_invoice(self, record: InvoiceRecord) -> bool:
        other = await self.by_key(record.invoice.company_id, record.invoice.key)
        if other is not None and other.id != record.id:
            return False
        self.invoices[record.id or 0] = record
        return True

    async def for_period(self, company_id: int, period: str) -> Sequence[InvoiceRecord]:
        return [
            r
            for r in self.invoices.values()
            if r.invoice.company_id == company_id and r.period == period
        ]


class InvoiceUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.invoices = FakeInvoices()
