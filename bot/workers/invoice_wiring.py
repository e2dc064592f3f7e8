"""Wiring for invoice photos: the reader pool, the QR lane, the worker and the QR scout, opened
and closed in the app's `cleanup_ctx` (after the outbound one, whose API client and sender the
worker uses)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

from aiohttp import web

from bot.keys import (
    CLOCK,
    PARTS,
    QR_LANE,
    READER,
    SCOUT,
    SCOUT_POLICY,
    SENDER,
    SESSIONS,
    SETTINGS,
    WAKEUPS,
    WECHAT,
    WORKER,
    WORKER_POLICY,
)
from bot.runtime.run_id import RUN_ID
from bot.settings import instance_name
from bot.workers.invoice_scout import QrDecoder, QrScout, ScoutPolicy
from bot.workers.invoices import InvoiceReader, InvoiceWorker, WorkerPolicy
from storage.blobs import BlobStore
from storage.leases import lease_holder, release_predecessors
from storage.tables.invoices import InvoiceUploadRow

log = logging.getLogger(__name__)


def invoice_images(data_dir: Path) -> BlobStore:
    """Where the worker keeps the invoice photos it read, by SHA-256 (the panel previews them)."""
    return BlobStore(Path(data_dir) / "media")


async def invoice_ctx(app: web.Application) -> AsyncIterator[None]:
    """The reader pool and the worker; appended after the outbound ctx (needs its client).

    A pool given under `READER` is used and left open (and a QR decoder under `QR_LANE`:
    without one, a given reader runs without a scout). Otherwise `INVOICE_WORKERS` processes
    are spawned, and the QR lane's one; they are warmed at start in production, and on the
    first photo in sandbox mode so tests and demos don't pay for models they never use. With
    `INVOICE_WORKERS=0` this instance reads nothing and leaves the queue to the others.
    """
    settings = app[SETTINGS]
    if "invoices" not in app.get(PARTS, frozenset({"invoices"})):
        yield  # a process started for another part (`yunkuaiji worker outbox`)
        return
    reader: InvoiceReader | None = app.get(READER)
    lane: QrDecoder | None = app.get(QR_LANE)
    pool = None
    own_lane = None
    warming: asyncio.Task[None] | None = None
    if reader is None and settings.invoice_workers > 0:
        from nlu.invoice.pool import InvoiceReaderPool, QrLane

        pool = InvoiceReaderPool(workers=settings.invoice_workers)
        reader = pool
        if lane is None:
            own_lane = QrLane()
            lane = own_lane
        if not settings.sandbox:
            starting = [pool.start()] + ([own_lane.start()] if own_lane is not None else [])
            warming = asyncio.create_task(_warm(*starting), name="invoice-pool-warm-up")
    if reader is None:
        # No reading here: leave the queue to instances that read (nothing is claimed, so
        # nothing waits on us or fails for want of OCR).
        log.info("invoice reading is off on this instance (INVOICE_WORKERS=0)")
        yield
        return
    sender = app.get(SENDER)
    blobs = invoice_images(settings.data_dir)  # shared by the reader and the scout
    worker = InvoiceWorker(
        sessions=app[SESSIONS],
        media=app[WECHAT],
        reader=reader,
        blobs=blobs,
        clock=app[CLOCK],
        policy=app.get(WORKER_POLICY) or WorkerPolicy(),
        on_notice=sender.poke if sender is not None else None,
        holder=lease_holder(instance_name(settings), RUN_ID),
    )
    await release_predecessors(app[SESSIONS], InvoiceUploadRow, worker.holder, app[CLOCK].now())
    app[WORKER] = worker
    scout = None
    if lane is not None:
        scout = QrScout(
            sessions=app[SESSIONS],
            media=app[WECHAT],
            lane=lane,
            blobs=blobs,
            clock=app[CLOCK],
            policy=app.get(SCOUT_POLICY) or ScoutPolicy(),
            on_notice=sender.poke if sender is not None else None,
        )
        app[SCOUT] = scout
    forgets = [app[WAKEUPS].after_turn(worker.poke)]
    if scout is not None:
        forgets.append(app[WAKEUPS].after_turn(scout.poke))
        scout.start()
    worker.start()
    try:
        yield
    finally:
        for forget in forgets:
            forget()
        await asyncio.gather(worker.stop(), *([scout.stop()] if scout is not None else []))
        if warming is not None and not warming.done():
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
        if pool is not None:
            await pool.close()
        if own_lane is not None:
            await own_lane.close()


async def _warm(*starting: Awaitable[None]) -> None:
    await asyncio.gather(*starting)
