"""Reads the invoice photos clients send, off the request path.

The chat handler only records a `pending` upload and says "收到第N张". This worker leases due
uploads (a conditional UPDATE, so several workers or a restarted one never read the same photo
twice; an expired lease is taken over), then for each:

1. downloads it through the WeChat API client (10 MB cap); WeChat hiccups are retried with
   backoff, a dead media id (40007), an oversize file or a file that is not an image end it
   with a clear Chinese notice;
2. sniffs the magic bytes (JPEG/PNG/GIF only) and stores the bytes content-addressed;
3. the very same bytes already stored for this company: a duplicate notice, nothing read;
4. the QR fast path (tens of milliseconds): when the QR code gives the invoice number, an
   invoice this company already has with that code + number is settled as a duplicate at once,
   without OCR; otherwise a short key-fields notice (number, amount, date) is queued so the
   client hears back within moments. No QR, or a QR that fails: on as if there were none;
5. reads it in the warmed process pool (QR first, OCR for the rest; decompression bombs and
   truncated files are refused there), maps perception's reading to domain values
   (`bot.invoice_record`) and runs the checks;
6. settles the upload and, in the same transaction, stores the invoice (unique per company by
   code + number) and queues the result notice in the outbox.

Nothing is lost on a crash: an upload stays `pending` or `working` until settled, and a
`working` one whose lease ran out is read again (its key-fields notice is queued at most once:
the outbox drops a second notice with the same dedup key).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.invoice_record import record_from_reading
from bot.polling import PollingLoop
from bot.wechat_api import WeChatError
from bot.wechat_api.client import Media
from domain.clock import Clock
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload, UploadStatus, yuan
from domain.invoices import dedup_key
from domain.notices import Notice
from handlers.invoice_texts import (
    render_duplicate,
    render_failed,
    render_key_fields,
    render_read,
)
from nlu.invoice.errors import ImageRejected
from nlu.invoice.intake import check_size, sniff
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class InvoiceReader(Protocol):
    """`nlu.invoice.pool.InvoiceReaderPool`, or a stand-in in tests."""

    async def read(self, data: bytes) -> InvoiceReading: ...

    async def read_qr(self, data: bytes) -> InvoiceReading: ...


class MediaSource(Protocol):
    async def download_media(self, media_id: str) -> Media: ...


@dataclass(frozen=True)
class WorkerPolicy:
    batch: int = 4
    concurrency: int = 2
    lease_s: float = 180.0  # longer than a download (10 s) plus a queued read
    poll_s: float = 5.0
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    max_attempts: int = 6
    stop_grace_s: float = 10.0


@dataclass
class WorkerStats:
    read: int = 0
    duplicates: int = 0
    failed: int = 0
    retried: int = 0
    key_fields: int = 0  # key-fields notices queued from the QR fast path
    # How long the QR fast path took (ms), most recent last; bounded for a long-lived worker.
    qr_fast_ms: deque[float] = field(default_factory=lambda: deque(maxlen=256))


def _download_failure(exc: WeChatError) -> str:
    if exc.errcode == 40007:
        return "media_expired"
    if exc.errcode is None and "over" in exc.errmsg:
        return "too_large"
    return "download_failed"


@dataclass
class InvoiceWorker:
    sessions: async_sessionmaker[AsyncSession]
    media: MediaSource
    reader: InvoiceReader | None
    blobs: BlobStore
    clock: Clock
    policy: WorkerPolicy = field(default_factory=WorkerPolicy)
    on_notice: Callable[[], None] | None = None  # pokes the outbox sender
    stats: WorkerStats = field(default_factory=WorkerStats)
    loop: PollingLoop = field(init=False)

    def __post_init__(self) -> None:
        self.loop = PollingLoop("invoice-worker", self._round, lambda: self.policy)

    # -- lifecycle -------------------------------------------------------------------------

    def poke(self) -> None:
        """An upload was queued: look now instead of at the next poll."""
        self.loop.poke()

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        """Mid-read past the grace period: the lease expires and the next start reads again."""
        await self.loop.stop()

    async def _round(self) -> bool:
        return bool(await self.run_once())

    async def run_once(self) -> int:
        """Lease and settle one batch of due uploads; how many were taken."""
        async with SqlUnitOfWork(self.sessions) as uow:
            claimed = await uow.invoices.claim_due(
                self.clock.now(), self.policy.batch, timedelta(seconds=self.policy.lease_s)
            )
            await uow.commit()
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def one(upload: InvoiceUpload) -> None:
            async with gate:
                try:
                    await self.process(upload)
                except Exception:
                    log.exception("upload %s failed unexpectedly", upload.id)
                    await self._retry(upload, "internal", "unexpected error")

        await asyncio.gather(*(one(u) for u in claimed))
        return len(claimed)

    # -- one upload ------------------------------------------------------------------------

    async def process(self, upload: InvoiceUpload) -> None:
        try:
            media = await self.media.download_media(upload.media_id)
        except WeChatError as exc:
            if exc.retryable:
                await self._retry(upload, "download", str(exc))
            else:
                await self._fail(upload, _download_failure(exc), str(exc))
            return
        data = media.content
        try:
            check_size(data)
            sniff(data)
        except ImageRejected as exc:
            await self._fail(upload, exc.reason, exc.detail)
            return
        sha = await asyncio.to_thread(self.blobs.put, data)
        async with SqlUnitOfWork(self.sessions) as uow:
            same = await uow.invoices.by_image(upload.company_id, sha)
        if same is not None:
            await self._duplicate(upload, sha, same, same_image=True)
            return
        if self.reader is None:
            await self._retry(upload, "reader", "OCR is switched off (INVOICE_WORKERS=0)")
            return
        quick = await self._read_qr(upload, data)
        if quick is not None:
            code, number = quick.dedup_parts
            assert number is not None
            async with SqlUnitOfWork(self.sessions) as uow:
                original = await uow.invoices.by_key(upload.company_id, dedup_key(code, number))
            if original is not None:
                await self._duplicate(upload, sha, original, same_image=False)
                return
            await self._announce_key_fields(upload, quick)
        try:
            reading = await self.reader.read(data)
        except ImageRejected as exc:
            await self._fail(upload, exc.reason, exc.detail, sha)
            return
        except Exception as exc:  # the reading process died: the pool restarts it
            log.warning("reading upload %s failed: %r", upload.id, exc)
            await self._retry(upload, "reader", repr(exc), final_reason="reader_failed")
            return
        if not reading.is_invoice:
            await self._fail(upload, "not_invoice", "", sha)
            return
        if not reading.value("invoice_number"):
            await self._fail(upload, "no_number", "", sha)
            return
        await self._store(upload, sha, record_from_reading(reading, upload, sha, self.clock.now()))

    async def _read_qr(self, upload: InvoiceUpload, data: bytes) -> InvoiceReading | None:
        """The QR code's reading when it gives an invoice number, else None (the full read
        then decides everything, as it would without this step)."""
        assert self.reader is not None
        started = time.perf_counter()
        try:
            quick = await self.reader.read_qr(data)
        except Exception as exc:  # a bad image or a dead process: the full read says which
            log.info("QR fast path for upload %s failed: %r", upload.id, exc)
            return None
        finally:
            self.stats.qr_fast_ms.append(round((time.perf_counter() - started) * 1000, 1))
        number = quick.value("invoice_number")
        if not quick.is_invoice or number is None or not str(number).strip():
            return None
        return quick

    async def _announce_key_fields(self, upload: InvoiceUpload, quick: InvoiceReading) -> None:
        """Queue "已读到发票号码…" in its own short transaction, while the lease is ours."""

        def fen(name: str) -> int | None:
            value = quick.value(name)
            return value if isinstance(value, int) else None

        issued = quick.value("issue_date")
        now = self.clock.now()
        async with SqlUnitOfWork(self.sessions) as uow:
            current = await uow.invoices.get_upload(upload.id)
            if (
                current is None
                or current.status is not UploadStatus.WORKING
                or current.lease_until != upload.lease_until
            ):
                return  # another worker has it now; it says what there is to say
            number = str(quick.value("invoice_number"))
            await uow.outbox.add(
                Notice(
                    upload.openid,
                    "invoice_key_fields",
                    render_key_fields(
                        upload.seq,
                        number,
                        issue_date=None if issued is None else str(issued),
                        amount_total_fen=fen("amount_total"),
                        amount_excl_tax_fen=fen("amount_excl_tax"),
                    ),
                    # No template for this kind on purpose: outside the 48-hour window only
                    # the full result (which has one) is worth a template message.
                    dedup_key=f"invoice_qr:{upload.id}",
                ),
                now,
            )
            await uow.commit()
        self.stats.key_fields += 1
        self._notify()

    async def _store(self, upload: InvoiceUpload, sha: str, record: InvoiceRecord) -> None:
        now = self.clock.now()
        async with SqlUnitOfWork(self.sessions) as uow:
            repo = uow.invoices
            stored = None
            if await repo.by_key(upload.company_id, record.invoice.key) is None:
                stored = await repo.add_invoice(record, upload.firm_id)
            if stored is None:  # the same invoice from another photo (or a racing worker)
                original = await repo.by_key(upload.company_id, record.invoice.key)
                assert original is not None
                await uow.rollback()
                await self._duplicate(upload, sha, original, same_image=False)
                return
            if not await repo.settle_upload(
                upload, UploadStatus.READ, now, sha256=sha, invoice_id=stored.id
            ):
                return  # our lease ran out and another worker has it: leave it to them
            total = yuan(stored.invoice.amount_total_fen)
            await uow.outbox.add(
                Notice(
                    upload.openid,
                    "invoice_read",
                    render_read(stored, upload.seq),
                    template_fields={
                        "keyword1": "发票识别结果",
                        "keyword2": f"发票号码 {stored.invoice.number}，价税合计 {total}",
                    },
                    dedup_key=f"invoice_upload:{upload.id}",
                ),
                now,
            )
            await uow.commit()
        self.stats.read += 1
        self._notify()

    async def _duplicate(
        self, upload: InvoiceUpload, sha: str, original: InvoiceRecord, same_image: bool
    ) -> None:
        if await self._settle_and_tell(
            upload,
            UploadStatus.DUPLICATE,
            "invoice_duplicate",
            render_duplicate(original, upload.seq, same_image),
            ("发票重复提醒", f"发票号码 {original.invoice.number}"),
            sha256=sha,
            invoice_id=original.id,
        ):
            self.stats.duplicates += 1
            self._notify()

    async def _fail(
        self, upload: InvoiceUpload, reason: str, detail: str, sha: str | None = None
    ) -> None:
        if await self._settle_and_tell(
            upload,
            UploadStatus.FAILED,
            "invoice_failed",
            render_failed(reason, upload.seq),
            ("发票未能识别", f"第{upload.seq}张"),
            sha256=sha,
            error=reason,
            detail=detail,
        ):
            self.stats.failed += 1
            self._notify()

    async def _settle_and_tell(
        self,
        upload: InvoiceUpload,
        status: UploadStatus,
        kind: str,
        text: str,
        keywords: tuple[str, str],
        **settle: Any,
    ) -> bool:
        """Settle the upload and queue the client's notice in one transaction; False when our
        lease ran out and another worker has the upload."""
        now = self.clock.now()
        async with SqlUnitOfWork(self.sessions) as uow:
            if not await uow.invoices.settle_upload(upload, status, now, **settle):
                return False
            await uow.outbox.add(
                Notice(
                    upload.openid,
                    kind,
                    text,
                    template_fields={"keyword1": keywords[0], "keyword2": keywords[1]},
                    dedup_key=f"invoice_upload:{upload.id}",
                ),
                now,
            )
            await uow.commit()
        return True

    async def _retry(
        self, upload: InvoiceUpload, stage: str, detail: str, final_reason: str = "download_failed"
    ) -> None:
        """Try again later with exponential backoff; after `max_attempts`, give up kindly."""
        if upload.attempts >= self.policy.max_attempts:
            await self._fail(upload, final_reason, f"{stage}: {detail}")
            return
        delay = min(
            self.policy.backoff_cap_s, self.policy.backoff_base_s * 2 ** (upload.attempts - 1)
        )
        now = self.clock.now()
        async with SqlUnitOfWork(self.sessions) as uow:
            if await uow.invoices.settle_upload(
                upload,
                UploadStatus.PENDING,
                now,
                error=stage,
                detail=detail,
                next_attempt_at=now + timedelta(seconds=delay),
            ):
                await uow.commit()
        self.stats.retried += 1

    def _notify(self) -> None:
        if self.on_notice is not None:
            self.on_notice()
