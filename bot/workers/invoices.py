"""Reads the invoice photos clients send, off the request path.

The chat handler only records a `pending` upload and says "收到第N张". This worker leases due
uploads (a conditional UPDATE, so several workers or a restarted one never read the same photo
twice; an expired lease is taken over), then for each:

1. downloads it through the WeChat API client (10 MB cap); WeChat hiccups are retried with
   backoff, a dead media id (40007), an oversize file or a file that is not an image end it
   with a clear notice. A photo the QR scout (`bot.workers.invoice_scout`) has already
   downloaded is taken from the blob store instead;
2. sniffs the magic bytes (JPEG/PNG/GIF only) and stores the bytes content-addressed;
3. the very same bytes already stored for this company: a duplicate notice, nothing read;
4. the QR fast path (tens of milliseconds): when the QR code gives the invoice number, an
   invoice this company already has with that code + number is settled as a duplicate at once,
   without OCR; otherwise a short key-fields notice (number, amount, date) is queued (the QR
   scout usually said it long before: the outbox keeps one). No QR, or a QR that fails: on as
   if there were none;
5. reads it in the warmed process pool (QR first, OCR for the rest; decompression bombs and
   truncated files are refused there), maps perception's reading to domain values
   (`bot.workers.invoice_record`) and runs the checks;
6. settles the upload and, in the same transaction, stores the invoice (unique per company by
   code + number) and queues the result notice in the outbox (`domain.invoice_settlement`: the
   worker decides, the domain records; the outbox words the notice when it sends it).

Nothing is lost on a crash: an upload stays `pending` or `working` until settled, and a
`working` one whose lease ran out is read again (its key-fields notice is queued at most once:
the outbox drops a second notice with the same dedup key). Leases are short (30 s) and renewed
every 10 s while the batch is worked on, so a dead process's photos are taken over within
about 30 s; only the lease token's holder may settle an upload.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.lease_heartbeat import LeaseHeartbeat, heartbeat_every
from bot.runtime.metrics import INVOICE_READ_SECONDS, timed
from bot.runtime.polling import PollingLoop
from bot.runtime.run_id import RUN_ID
from bot.wechat import WeChatError
from bot.wechat.client import Media
from bot.workers.invoice_record import key_fields_from_qr, record_from_reading
from domain import invoice_settlement as settlement
from domain.clock import Clock
from domain.invoice_uploads import InvoiceRecord, InvoiceUpload
from domain.invoices import dedup_key
from domain.notices import InvoiceKeyFields
from nlu.invoice.errors import ImageRejected
from nlu.invoice.intake import check_size, sniff
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore, sha256_of
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
    # As many as are read at once: a photo that arrives while a batch is read waits for that
    # batch (round-robin by company) before its QR code is looked at, so batches stay short.
    batch: int = 2
    concurrency: int = 2
    # Short, and renewed every `heartbeat_s` while the batch is worked on (a download, a queued
    # read): a dead process's uploads are taken over after at most this long.
    lease_s: float = 30.0
    heartbeat_s: float = 10.0
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
    downloads: int = 0  # photos fetched from WeChat
    reused_blobs: int = 0  # photos the QR scout had downloaded and stored already
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
    holder: str = RUN_ID  # lease tokens start with it (storage.leases.lease_holder)
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
        lease = timedelta(seconds=self.policy.lease_s)
        async with SqlUnitOfWork(self.sessions) as uow:
            claimed = await uow.invoices.claim_due(
                self.clock.now(), self.policy.batch, lease, holder=self.holder
            )
            await uow.commit()
        if not claimed:
            return 0
        token = claimed[0].lease_token
        assert token is not None
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def renew() -> None:
            async with SqlUnitOfWork(self.sessions) as uow:
                await uow.invoices.renew_leases(token, self.clock.now() + lease)
                await uow.commit()

        async def one(upload: InvoiceUpload) -> None:
            async with gate:
                try:
                    await self.process(upload)
                except Exception:
                    log.exception("upload %s failed unexpectedly", upload.id)
                    await self._retry(upload, "internal", "unexpected error")

        every = heartbeat_every(self.policy.lease_s, self.policy.heartbeat_s)
        async with LeaseHeartbeat("invoice-worker", renew, every):
            await asyncio.gather(*(one(u) for u in claimed))
        return len(claimed)

    # -- one upload ------------------------------------------------------------------------

    async def process(self, upload: InvoiceUpload) -> None:
        data = await self._scouted_bytes(upload)
        if data is None:
            try:
                media = await self.media.download_media(upload.media_id)
            except WeChatError as exc:
                if exc.retryable:
                    await self._retry(upload, "download", str(exc))
                else:
                    await self._fail(upload, _download_failure(exc), str(exc))
                return
            data = media.content
            self.stats.downloads += 1
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
        key_fields = None if quick is None else key_fields_from_qr(upload.seq, quick)
        if quick is not None and key_fields is not None:
            code, number = quick.dedup_parts
            assert number is not None
            async with SqlUnitOfWork(self.sessions) as uow:
                original = await uow.invoices.by_key(upload.company_id, dedup_key(code, number))
            if original is not None:
                await self._duplicate(upload, sha, original, same_image=False)
                return
            # The QR scout may have said this already: the outbox keeps one notice per upload.
            await self._announce_key_fields(upload, key_fields)
        try:
            with timed(INVOICE_READ_SECONDS, "full"):
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

    async def _scouted_bytes(self, upload: InvoiceUpload) -> bytes | None:
        """The photo as the QR scout stored it, or None (not scouted, or the blob is missing
        or does not match its name: then it is downloaded as if never scouted)."""
        sha = upload.blob_sha256
        if sha is None:
            return None

        def load() -> bytes | None:
            try:
                data = self.blobs.get(sha)
            except (OSError, ValueError):
                return None
            return data if sha256_of(data) == sha else None

        data = await asyncio.to_thread(load)
        if data is None:
            log.warning("upload %s: its stored photo %s is gone; downloading again", upload.id, sha)
        else:
            self.stats.reused_blobs += 1
        return data

    async def _read_qr(self, upload: InvoiceUpload, data: bytes) -> InvoiceReading | None:
        """The QR code's reading, or None when the decoder failed (the full read then decides
        everything, as it would without this step)."""
        assert self.reader is not None
        started = time.perf_counter()
        try:
            quick = await self.reader.read_qr(data)
        except Exception as exc:  # a bad image or a dead process: the full read says which
            log.info("QR fast path for upload %s failed: %r", upload.id, exc)
            return None
        finally:
            elapsed = time.perf_counter() - started
            self.stats.qr_fast_ms.append(round(elapsed * 1000, 1))
            INVOICE_READ_SECONDS.labels("qr").observe(elapsed)
        return quick

    async def _announce_key_fields(
        self, upload: InvoiceUpload, key_fields: InvoiceKeyFields
    ) -> None:
        """Queue "已读到发票号码…" in its own short transaction, while the lease is ours."""
        async with SqlUnitOfWork(self.sessions) as uow:
            if not await settlement.announce_key_fields(uow, upload, key_fields, self.clock.now()):
                return  # another worker has it now; it says what there is to say
            await uow.commit()
        self.stats.key_fields += 1
        self._notify()

    async def _store(self, upload: InvoiceUpload, sha: str, record: InvoiceRecord) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            outcome = await settlement.store_reading(uow, upload, sha, record, self.clock.now())
            if outcome.original is not None:
                await uow.rollback()
                await self._duplicate(upload, sha, outcome.original, same_image=False)
                return
            if outcome.stored is None:
                return  # our lease ran out and another worker has it: leave it to them
            await uow.commit()
        self.stats.read += 1
        self._notify()

    async def _duplicate(
        self, upload: InvoiceUpload, sha: str, original: InvoiceRecord, same_image: bool
    ) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            now = self.clock.now()
            if not await settlement.settle_duplicate(uow, upload, sha, original, same_image, now):
                return
            await uow.commit()
        self.stats.duplicates += 1
        self._notify()

    async def _fail(
        self, upload: InvoiceUpload, reason: str, detail: str, sha: str | None = None
    ) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            now = self.clock.now()
            if not await settlement.settle_failed(uow, upload, reason, detail, now, sha):
                return
            await uow.commit()
        self.stats.failed += 1
        self._notify()

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
            at = now + timedelta(seconds=delay)
            if await settlement.retry_later(uow, upload, stage, detail, at, now):
                await uow.commit()
        self.stats.retried += 1

    def _notify(self) -> None:
        if self.on_notice is not None:
            self.on_notice()
