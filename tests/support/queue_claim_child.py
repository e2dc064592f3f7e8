"""A process that claims rows of a leased queue (the outbox or the invoice uploads, or the
uploads for the QR scout) until none is left, writing "<row id> <pid>" per claim to a shared
file; two of them run side by side in tests/e2e/test_several_processes.py, which checks that no
row was claimed twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.wechat.client import Media
from bot.workers.invoice_scout import QrScout
from domain.clock import SystemClock
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore
from storage.engine import create_engine, session_factory
from storage.leases import lease_holder
from storage.outbox import SqlOutboxQueue
from storage.uow import SqlUnitOfWork

LEASE = timedelta(minutes=5)  # longer than the test: nothing is taken over


class NoDownloads:
    async def download_media(self, media_id: str) -> Media:
        raise AssertionError("only claims here")


class NoQrCodes:
    async def read_qr(self, data: bytes) -> InvoiceReading:
        return InvoiceReading(is_invoice=False)


def claimed_so_far(out: Path) -> int:
    return len(out.read_text().splitlines()) if out.exists() else 0


async def main(url: str, queue: str, out: Path, rows: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    holder = lease_holder(f"p{os.getpid()}", "r1")
    scout = QrScout(sessions, NoDownloads(), NoQrCodes(), BlobStore(out.parent), SystemClock())
    idle = 0
    waited = False
    try:
        # Connect before saying ready: opening the first connection can take longer than the
        # other process needs to drain the queue (seen in CI on PostgreSQL).
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        wait_for_go(out)  # blocking on purpose: nothing else runs in this process yet
        # Stop when every row has been claimed by one of the two, or after ~10 s of finding
        # nothing. An empty claim does not mean an empty queue: both processes pick the same
        # oldest rows and the one that loses the conditional UPDATE gets none this round.
        while claimed_so_far(out) < rows and idle < 200:
            now = datetime.now(UTC)
            if queue == "outbox":
                ids = [
                    c.id for c in await SqlOutboxQueue(sessions).claim_due(now, 2, LEASE, holder)
                ]
            elif queue == "scouts":
                scouted = await scout.claim_next()
                ids = [] if scouted is None else [scouted.id]
            else:
                async with SqlUnitOfWork(sessions) as uow:
                    claimed = await uow.invoices.claim_due(now, 2, LEASE, holder)
                    await uow.commit()
                ids = [u.id for u in claimed]
            if not ids:
                idle += 1
                await asyncio.sleep(0.05)
                continue
            idle = 0
            with out.open("a") as f:
                f.writelines(f"{i} {os.getpid()}\n" for i in ids)
            if not waited:
                # Give the other process its turn once: its first query can take longer than
                # this one needs to drain the queue (asyncpg's first statement inspects types;
                # seen in CI on a loaded host). After that both race freely.
                waited = True
                await wait_for_other(out, rows)
            # A real sender spends time on each batch; without it one process could drain the
            # queue before the other has opened its first connection (seen under load).
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def wait_for_other(out: Path, rows: int) -> None:
    """Until a row claimed by another process is in the file, every row is claimed, or 30 s
    pass (the test then reports that only one process claimed)."""
    me = str(os.getpid())
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            while True:
                claims = claims_in(out)
                if len(claims) >= rows or any(len(c) == 2 and c[1] != me for c in claims):
                    return
                await asyncio.sleep(0.02)


def claims_in(out: Path) -> list[list[str]]:
    return [line.split() for line in out.read_text().splitlines()]


def wait_for_go(out: Path) -> None:
    """Both processes start claiming together (imports and connecting take seconds on a busy
    machine)."""
    Path(f"{out}.ready.{os.getpid()}").touch()
    go = Path(f"{out}.go")
    while not go.exists():
        time.sleep(0.01)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])))
