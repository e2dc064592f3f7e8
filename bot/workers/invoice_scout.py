"""The QR scout: key fields from an invoice's QR code within seconds of the upload, however
many photos are waiting for their full read.

The full reader (`bot.workers.invoices`) reads a few photos at a time and each full read takes
seconds, so in a month-start burst a photo's own turn (and its QR fast path) comes minutes after
it was sent. The scout runs beside it, in the same process, and looks only at photos nobody has
touched yet (pending, never attempted, not scouted):

1. picks the next one fairly: each company's oldest unscouted photo is a candidate, and the
   company served longest ago goes first (round-robin by company, oldest first), so one
   client's fifty photos do not hold up another client's one;
2. claims it by a conditional UPDATE on `scouted_at IS NULL` (rowcount 1: ours), so two
   scouts, in one process or in two, never both take a photo; it holds no lease;
3. downloads it once, checks size and magic bytes, stores the bytes (content-addressed) and
   records their SHA-256 on the upload: the full read takes them from the blob store instead of
   downloading again;
4. decodes only the QR code in the QR lane (`nlu.invoice.pool.QrLane`: one process of its
   own, no OCR models, nicer than the web process but ahead of the OCR readers; not a thread,
   because zxing and image decoding hold the GIL long enough to stall the webhook);
5. when the QR code gives an invoice number that is new for the company, queues the key-fields
   notice through `invoice_settlement.announce_key_fields` (it shares its dedup key with the
   full reader's, so the client hears it once; it is not queued once the upload is settled).

The scout never settles or fails an upload: a download that fails, a file that is no image, a
photo without a QR code or a duplicate is left to the full read, which decides and words
everything as it would without the scout. A crash between claim and notice loses nothing: the
full read still reads the QR code and says it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.metrics import INVOICE_READ_SECONDS
from bot.runtime.polling import PollingLoop
from bot.workers.invoice_record import key_fields_from_qr
from bot.workers.invoices import MediaSource
from domain import invoice_settlement as settlement
from domain.clock import Clock
from domain.invoice_uploads import InvoiceUpload
from domain.invoices import dedup_key
from nlu.invoice.errors import ImageRejected
from nlu.invoice.intake import check_size, sniff
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class QrDecoder(Protocol):
    """`nlu.invoice.pool.QrLane`, or a stand-in in tests."""

    async def read_qr(self, data: bytes) -> InvoiceReading: ...


@dataclass(frozen=True)
class ScoutPolicy:
    # Photos scouted at once: a download overlaps the previous photo's decoding (the QR lane
    # decodes one at a time). With 2, `make bench-burst` (5 photos a second) got every QR
    # photo's key fields out in 0.13 s (p99) on 2 cores shared with other work; with many
    # more runnable processes than cores (load 8-10) the lane, at nice 5, fell behind (tens of
    # seconds) with 2 and with 4 alike: there the limit is CPU, not overlap.
    concurrency: int = 2
    # Uploads are poked at once in the web process; `yunkuaiji worker invoices` on its own
    # finds them by polling, so the poll is short (one small indexed query).
    poll_s: float = 0.5
    stop_grace_s: float = 5.0
    # Companies considered per pick (their oldest unscouted photos): more than ever wait at once.
    heads: int = 500


@dataclass
class ScoutStats:
    scouted: int = 0  # photos claimed; each ends in one of the counts below
    announced: int = 0  # key-fields notices queued
    no_qr: int = 0  # scouted, no invoice number in a QR code
    left: int = 0  # download failed, not an image, duplicate, or the decoder failed
    late: int = 0  # the full read settled it first: nothing to add
    # QR decoding time in the lane (ms), most recent last; bounded for a long-lived worker.
    qr_ms: deque[float] = field(default_factory=lambda: deque(maxlen=256))


@dataclass
class QrScout:
    sessions: async_sessionmaker[AsyncSession]
    media: MediaSource
    lane: QrDecoder
    blobs: BlobStore
    clock: Clock
    policy: ScoutPolicy = field(default_factory=ScoutPolicy)
    on_notice: Callable[[], None] | None = None  # pokes the outbox sender
    stats: ScoutStats = field(default_factory=ScoutStats)
    # company id -> the pick at which it was last served (only companies with photos waiting).
    _served: dict[int, int] = field(default_factory=dict, init=False)
    _picks: int = field(default=0, init=False)
    _picking: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    loops: list[PollingLoop] = field(init=False)

    def __post_init__(self) -> None:
        self.loops = [
            PollingLoop(f"invoice-scout-{i}", self._round, lambda: self.policy)
            for i in range(max(1, self.policy.concurrency))
        ]

    # -- lifecycle -------------------------------------------------------------------------

    def poke(self) -> None:
        """An upload was queued: look now instead of at the next poll. One loop looks (every
        webhook turn pokes, and most turns queue no photo); it wakes the others when it finds
        one, so a backlog is worked on by all of them."""
        self.loops[0].poke()

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    async def stop(self) -> None:
        """A photo being scouted past the grace period is left as it is: the full read
        downloads and reads it as if it had never been scouted."""
        await asyncio.gather(*(loop.stop() for loop in self.loops))

    async def _round(self) -> bool:
        return bool(await self.run_once())

    async def run_once(self) -> int:
        """Claim and scout the next photo; 1 if there was one, else 0."""
        upload = await self.claim_next()
        if upload is None:
            return 0
        for loop in self.loops:
            loop.poke()  # more may be waiting: the idle loops look too
        try:
            await self.scout(upload)
        except Exception:  # the database went away, say: the full read still sees to it
            log.exception("scouting upload %s failed; the full read will see to it", upload.id)
            self.stats.left += 1
        return 1

    # -- picking ---------------------------------------------------------------------------

    async def claim_next(self) -> InvoiceUpload | None:
        """The least recently served company's oldest unscouted photo, claimed for us; None
        when none is left (or others claimed every candidate meanwhile)."""
        async with self._picking, SqlUnitOfWork(self.sessions) as uow:
            heads = await uow.invoices.unscouted_heads(self.policy.heads)
            waiting = {company for _, company in heads}
            # Forget companies with nothing waiting: the memory stays as small as the queue,
            # and a company that sends again after a pause is not behind anyone.
            self._served = {c: n for c, n in self._served.items() if c in waiting}
            for upload_id, company in sorted(
                heads, key=lambda head: (self._served.get(head[1], -1), head[0])
            ):
                upload = await uow.invoices.claim_scout(upload_id, self.clock.now())
                if upload is None:
                    continue  # another scout took it, or the full reader did
                await uow.commit()
                self._picks += 1
                self._served[company] = self._picks
                self.stats.scouted += 1
                return upload
        return None

    # -- one photo -------------------------------------------------------------------------

    async def scout(self, upload: InvoiceUpload) -> None:
        try:
            media = await self.media.download_media(upload.media_id)
        except Exception as exc:  # WeChat's error or the network's: the full read retries
            log.info("scout: upload %s not downloaded (%r); left to the full read", upload.id, exc)
            self.stats.left += 1
            return
        data = media.content
        try:
            check_size(data)
            sniff(data)
        except ImageRejected:
            self.stats.left += 1  # the full read refuses it, with the reason
            return
        sha = await asyncio.to_thread(self.blobs.put, data)
        async with SqlUnitOfWork(self.sessions) as uow:
            await uow.invoices.keep_blob(upload.id, sha)
            same = await uow.invoices.by_image(upload.company_id, sha)
            await uow.commit()
        if same is not None:
            self.stats.left += 1  # these very bytes again: the full read says it is a duplicate
            return
        quick = await self._read_qr(upload, data)
        key_fields = None if quick is None else key_fields_from_qr(upload.seq, quick)
        if quick is None or key_fields is None:
            self.stats.no_qr += 1
            return
        code, number = quick.dedup_parts
        assert number is not None
        async with SqlUnitOfWork(self.sessions) as uow:
            if await uow.invoices.by_key(upload.company_id, dedup_key(code, number)) is not None:
                self.stats.left += 1  # an invoice the company has: the full read settles it
                return
            now = self.clock.now()
            if not await settlement.announce_key_fields(uow, upload, key_fields, now, scouted=True):
                self.stats.late += 1  # settled meanwhile: its result says more than this
                return
            await uow.commit()
        self.stats.announced += 1
        if self.on_notice is not None:
            self.on_notice()

    async def _read_qr(self, upload: InvoiceUpload, data: bytes) -> InvoiceReading | None:
        started = time.perf_counter()
        try:
            return await self.lane.read_qr(data)
        except Exception as exc:  # a bad image or a dead lane process: the full read decides
            log.info("scout: QR of upload %s not read: %r", upload.id, exc)
            return None
        finally:
            elapsed = time.perf_counter() - started
            self.stats.qr_ms.append(round(elapsed * 1000, 1))
            INVOICE_READ_SECONDS.labels("scout_qr").observe(elapsed)
