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
        # Readers yield the CPU to the web process: a burst of photos leaves the webhook fast.
        assert await pool.worker_niceness() == 10
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
        started = last = time.perf_counter()
        while not reading.done():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        took = time.perf_counter() - started
        assert (await reading).is_invoice
        # The loop kept ticking while OCR ran: a read on the loop would be one gap as long as the
        # whole read. Relative to the read's own duration, so a loaded machine's scheduling
        # hiccups (a 0.3 s gap seen at load 10 on 2 cores) do not make it fail.
        assert len(gaps) >= 3
        assert max(gaps) < max(0.25, took / 2)
    finally:
        await pool.close()


async def test_the_qr_lane_reads_qr_codes_without_loading_the_ocr_models(
    invoices_dir: Path,
) -> None:
    from bench.invoices import _decode, paint_over_qr, phone_like
    from nlu.invoice.pool import QrLane

    lane = QrLane()
    await lane.start()
    try:
        data = (invoices_dir / "tianjin_jd_e_invoice.png").read_bytes()
        quick = await lane.read_qr(data)
        assert quick.is_invoice and quick.value("invoice_number") == "33207675"
        assert quick.fields["invoice_number"].source == "qr" and not quick.ocr_done
        # The same invoice photographed with its QR code covered: no key fields, no error.
        painted, _ = paint_over_qr(_decode(data))
        assert not (await lane.read_qr(phone_like(painted, 3))).is_invoice
        with pytest.raises(ImageRejected):
            await lane.read_qr(b"GIF89a-not-really")
        assert not await lane.ocr_models_loaded()
        (rss,) = await lane.worker_rss()
        assert 0 < rss < 250 * 2**20
        # Behind the web process, ahead of the OCR readers (niceness 10).
        assert await lane.worker_niceness() == 5
    finally:
        await lane.close()
