"""Wiring for invoice photos: the reader pool and the worker, opened and closed in the app's
`cleanup_ctx` (after the outbound one, whose API client and sender the worker uses)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.appkeys import CLOCK, PIPELINE, SERVICES, SESSIONS, SETTINGS
from bot.invoice_worker import InvoiceReader, InvoiceWorker, WorkerPolicy
from storage.blobs import BlobStore

log = logging.getLogger(__name__)

WORKER = web.AppKey("invoice_worker", InvoiceWorker)
# Tests set these before the app starts: a shared warmed pool (or a stand-in), a fast policy.
READER: web.AppKey[InvoiceReader] = web.AppKey("invoice_reader")
WORKER_POLICY = web.AppKey("invoice_worker_policy", WorkerPolicy)


async def invoice_ctx(app: web.Application) -> AsyncIterator[None]:
    """The reader pool and the worker; appended after the outbound ctx (needs its client).

    A pool given under `READER` is used and left open. Otherwise `INVOICE_WORKERS` processes
    are spawned; they are warmed at start in production, and on the first photo in sandbox
    mode so tests and demos don't pay for models they never use. With `INVOICE_WORKERS=0` this
    instance reads nothing and leaves the queue to the others.
    """
    from bot.outbound import SENDER, WECHAT

    settings = app[SETTINGS]
    reader: InvoiceReader | None = app.get(READER)
    pool = None
    warming: asyncio.Task[None] | None = None
    if reader is None and settings.invoice_workers > 0:
        from nlu.invoice.pool import InvoiceReaderPool

        pool = InvoiceReaderPool(workers=settings.invoice_workers)
        reader = pool
        if not settings.sandbox:
            warming = asyncio.create_task(pool.start(), name="invoice-pool-warm-up")
    if reader is None:
        # No reading here: leave the queue to instances that read (nothing is claimed, so
        # nothing waits on us or fails for want of OCR).
        log.info("invoice reading is off on this instance (INVOICE_WORKERS=0)")
        yield
        return
    sender = app.get(SENDER)
    worker = InvoiceWorker(
        sessions=app[SESSIONS],
        media=app[WECHAT],
        reader=reader,
        blobs=BlobStore(Path(settings.data_dir) / "media"),
        clock=app[CLOCK],
        policy=app.get(WORKER_POLICY) or WorkerPolicy(),
        on_notice=sender.poke if sender is not None else None,
    )
    app[WORKER] = worker
    app[SERVICES]["invoice_worker"] = worker
    pipeline = app[PIPELINE]
    previous = pipeline.on_late

    def poke_after_turn() -> None:
        if previous is not None:
            previous()
        worker.poke()

    pipeline.on_late = poke_after_turn
    worker.start()
    try:
        yield
    finally:
        pipeline.on_late = previous
        await worker.stop()
        if warming is not None and not warming.done():
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
        if pool is not None:
            await pool.close()
