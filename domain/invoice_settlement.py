"""Settling an invoice photo once the worker has looked at it: the upload's outcome and the
client's notice, in one transaction, and only while the worker's lease on the upload holds.

The worker (`bot.workers.invoices`) downloads, reads and decides; these use cases record what it
found. The system acts here: no person is behind a lease. Each returns False (or an outcome
saying so) when the lease ran out and another worker has the upload: that worker says what
there is to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.invoice_uploads import InvoiceRecord, InvoiceUpload, UploadStatus
from domain.notices import (
    InvoiceDuplicate,
    InvoiceFailed,
    InvoiceKeyFields,
    InvoiceRead,
    InvoiceShown,
    Notice,
    NoticeKind,
)
from domain.ports import UnitOfWork


def _settled_key(upload: InvoiceUpload) -> str:
    # One result notice per upload, however often it is settled again after a lost lease.
    return f"invoice_upload:{upload.id}"


async def announce_key_fields(
    uow: UnitOfWork,
    upload: InvoiceUpload,
    key_fields: InvoiceKeyFields,
    now: datetime,
    *,
    scouted: bool = False,
) -> bool:
    """The quick word from the QR code (at most once per upload: the reader and the scout
    share its dedup key), while the reader's lease is ours, or, for the QR scout, which holds
    no lease (`scouted`), while the upload is not settled: once the full result is out, a
    late "已读到…" would only confuse."""
    if scouted:
        if not await uow.invoices.hold_unsettled(upload.id):
            return False
    else:
        current = await uow.invoices.get_upload(upload.id)
        if (
            current is None
            or current.status is not UploadStatus.WORKING
            or current.lease_token != upload.lease_token
        ):
            return False
    notice = Notice(
        upload.openid, NoticeKind.INVOICE_KEY_FIELDS, key_fields, f"invoice_qr:{upload.id}"
    )
    await uow.outbox.add(notice, now)
    return True


@dataclass(frozen=True)
class Stored:
    """How storing a reading ended: `stored` (settled as read), or the company's `original`
    with the same key (nothing changed: settle it as a duplicate), or neither (lease lost)."""

    stored: InvoiceRecord | None = None
    original: InvoiceRecord | None = None


async def store_reading(
    uow: UnitOfWork, upload: InvoiceUpload, sha256: str, record: InvoiceRecord, now: datetime
) -> Stored:
    """Keep the invoice read from the photo (unique per company by code + number), settle the
    upload as read and tell the client what was read."""
    repo = uow.invoices
    stored = None
    if await repo.by_key(upload.company_id, record.invoice.key) is None:
        stored = await repo.add_invoice(record, upload.firm_id)
    if stored is None:  # the same invoice from another photo (or a racing worker)
        original = await repo.by_key(upload.company_id, record.invoice.key)
        assert original is not None
        return Stored(original=original)
    if not await repo.settle_upload(
        upload, UploadStatus.READ, now, sha256=sha256, invoice_id=stored.id
    ):
        return Stored()
    read = InvoiceRead(upload.seq, InvoiceShown.of(stored))
    await uow.outbox.add(
        Notice(upload.openid, NoticeKind.INVOICE_READ, read, _settled_key(upload)), now
    )
    return Stored(stored=stored)


async def settle_duplicate(
    uow: UnitOfWork,
    upload: InvoiceUpload,
    sha256: str,
    original: InvoiceRecord,
    same_image: bool,
    now: datetime,
) -> bool:
    """The company has this invoice (or these very bytes) already: not counted twice."""
    if not await uow.invoices.settle_upload(
        upload, UploadStatus.DUPLICATE, now, sha256=sha256, invoice_id=original.id
    ):
        return False
    inv = original.invoice
    facts = InvoiceDuplicate(
        upload.seq, inv.number, inv.uploaded_at, original.uploader_name, same_image
    )
    await uow.outbox.add(
        Notice(upload.openid, NoticeKind.INVOICE_DUPLICATE, facts, _settled_key(upload)), now
    )
    return True


async def settle_failed(
    uow: UnitOfWork,
    upload: InvoiceUpload,
    reason: str,
    detail: str,
    now: datetime,
    sha256: str | None = None,
) -> bool:
    """No invoice from this photo, for `reason` (a reason code); the client hears why."""
    if not await uow.invoices.settle_upload(
        upload, UploadStatus.FAILED, now, sha256=sha256, error=reason, detail=detail
    ):
        return False
    facts = InvoiceFailed(upload.seq, reason, upload.id)
    await uow.outbox.add(
        Notice(upload.openid, NoticeKind.INVOICE_FAILED, facts, _settled_key(upload)), now
    )
    return True


async def retry_later(
    uow: UnitOfWork,
    upload: InvoiceUpload,
    stage: str,
    detail: str,
    at: datetime,
    now: datetime,
) -> bool:
    """Back to pending until `at` (a WeChat hiccup, the reader busy)."""
    return await uow.invoices.settle_upload(
        upload, UploadStatus.PENDING, now, error=stage, detail=detail, next_attempt_at=at
    )
