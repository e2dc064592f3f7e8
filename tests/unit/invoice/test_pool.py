"""The process pool: warmed workers, results and refusals across the process boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.invoice.errors import ImageRejected
from nlu.invoice.pool import InvoiceReaderPool

pytestmark = pytest.mark.slow


async def test_pool_reads_and_refuses_off_the_event_loop(invoices_dir: Path) -> None:
    pool = InvoiceReaderPool(workers=1, threads=1)
    await pool.start()
    try:
        data = (invoices_dir / "tianjin_jd_e_invoice.png").read_bytes()
        quick = await pool.read_qr(data)
        assert quick.value("invoice_number") == "33207675"
        with pytest.raises(ImageRejected) as caught:
            await pool.read(b"GIF89a-not-really")
        assert caught.value.reason in {"truncated", "unreadable"}
        rss = await pool.worker_rss()
        assert rss and all(0 < r < 500 * 2**20 for r in rss)
    finally:
        await pool.close()


async def test_reading_never_blocks_the_event_loop(invoices_dir: Path) -> None:
    import asyncio
    import time

    pool = InvoiceReaderPool(workers=1, threads=1)
    await pool.start()
    try:
        gaps: list[float] = []
        reading = asyncio.ensure_future(
            pool.read((invoices_dir / "synthetic_digital_0.png").read_bytes())
        )
        last = time.perf_counter()
        while not reading.done():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        assert (await reading).is_invoice
        assert max(gaps) < 0.25  # the loop kept ticking while OCR ran
    finally:
        await pool.close()
