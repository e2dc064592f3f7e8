"""A warmed pool of invoice-reading processes for the async app: OCR never runs on the loop.

Each worker loads the models once (in its initializer) and reads one image at a time with a
capped number of threads, so `workers * threads` stays within the cores. `read_qr` is the fast
path for the "got it" answer with key fields; `read` is the full reading.

`QrLane` is a separate single process that only decodes QR codes (no OCR models): the QR scout
(`bot.workers.invoice_scout`) reads every new photo's QR code there, so key fields do not wait
behind full reads queued in the pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from nlu.invoice.reading import InvoiceReading

log = logging.getLogger(__name__)

_reader = None  # the worker's InvoiceReader, set by the initializer
# Reading processes run this much nicer than the process that starts them (see _init_worker).
DEFAULT_NICENESS = 10
# The QR lane sits between the two: behind the webhook (nice 0), ahead of OCR (nice 10 and
# SCHED_IDLE where the kernel allows it: the lane then always goes first), so a QR code is
# decoded within a second however many full reads are queued.
QR_LANE_NICENESS = 5


class ReaderUnavailable(RuntimeError):
    """The reading process died (e.g. out of memory); the pool has been restarted."""


def _idle_priority() -> None:
    """SCHED_IDLE on Linux: run only when nothing else of normal priority wants the core.
    Nice 10 alone still gave an OCR process about a tenth of a busy core, taken in slices long
    enough to add tens of milliseconds to a webhook answer during a photo burst."""
    setter = getattr(os, "sched_setscheduler", None)
    policy = getattr(os, "SCHED_IDLE", None)
    if setter is None or policy is None:
        return
    try:
        setter(0, policy, os.sched_param(0))
    except OSError as exc:  # not permitted in some containers: nice alone then
        log.warning("OCR reader stays at its nice level: SCHED_IDLE refused (%s)", exc)


def _init_worker(threads: int, niceness: int = 0) -> None:
    global _reader
    if niceness:
        # Below the web process: OCR takes whatever CPU the webhook leaves, so a burst of
        # photos does not push the answers to messages past their budget.
        os.nice(niceness)
        _idle_priority()
    import cv2

    cv2.setNumThreads(1)
    from nlu.invoice.reader import InvoiceReader

    _reader = InvoiceReader(threads=threads)
    _reader.warm_up()


def _trim_heap() -> None:
    """Hand freed image buffers back to the OS so a worker's RSS follows its working set."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _read(data: bytes) -> InvoiceReading:
    assert _reader is not None
    try:
        return _reader.read(data)
    finally:
        _trim_heap()


def _read_qr(data: bytes) -> InvoiceReading:
    assert _reader is not None
    return _reader.read_qr(data)


def _init_qr_lane(niceness: int) -> None:
    if niceness:
        os.nice(niceness)
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    from nlu.invoice.reader import read_qr

    # The first decode pays for imports and zxing's set-up; pay it now, on a blank page.
    ok, blank = cv2.imencode(".png", np.full((64, 64), 255, dtype=np.uint8))
    if ok:
        read_qr(blank.tobytes())


def _lane_read_qr(data: bytes) -> InvoiceReading:
    from nlu.invoice.reader import read_qr

    try:
        return read_qr(data)
    finally:
        _trim_heap()


def _ocr_models_loaded() -> bool:
    return any(m.startswith(("rapidocr_onnxruntime", "onnxruntime")) for m in sys.modules)


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _niceness() -> int:
    return os.nice(0)


def _ready() -> int:
    return os.getpid()


class _Processes:
    """Spawned, warmed worker processes behind `run_in_executor`; a dead one is replaced."""

    def __init__(self, workers: int, niceness: int) -> None:
        self.workers = max(1, workers)
        self.niceness = niceness
        self._executor: ProcessPoolExecutor | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        raise NotImplementedError

    def _spawn(
        self, initializer: Callable[..., None], initargs: tuple[object, ...]
    ) -> ProcessPoolExecutor:
        # spawn, not fork: the app's event loop and sockets must not leak into workers.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=initializer,
            initargs=initargs,
        )

    async def start(self) -> None:
        """Spawn every worker and wait until it is warmed."""
        if self._executor is None:
            self._executor = self._new_executor()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, _ready) for _ in range(self.workers))
        )

    async def _run(self, func: Callable[[bytes], InvoiceReading], data: bytes) -> InvoiceReading:
        if self._executor is None:
            await self.start()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, func, data)
        except BrokenProcessPool as exc:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            raise ReaderUnavailable("invoice reader process died") from exc

    async def worker_rss(self) -> list[int]:
        """Resident memory of the workers, in bytes (one sample per worker slot)."""
        if self._executor is None:
            return []
        loop = asyncio.get_running_loop()
        return list(
            await asyncio.gather(
                *(loop.run_in_executor(self._executor, _rss_bytes) for _ in range(self.workers))
            )
        )

    async def worker_niceness(self) -> int:
        """How much nicer than the app a worker process runs (0 when not started)."""
        if self._executor is None:
            return 0
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _niceness) - os.nice(0)

    async def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)


class InvoiceReaderPool(_Processes):
    """`await start()`, then `await read(data)` / `await read_qr(data)`, then `await close()`."""

    def __init__(
        self, workers: int = 1, threads: int | None = None, niceness: int = DEFAULT_NICENESS
    ) -> None:
        super().__init__(workers, niceness)
        cores = os.cpu_count() or 2
        self.threads = threads or max(1, cores // self.workers)

    def _new_executor(self) -> ProcessPoolExecutor:
        return self._spawn(_init_worker, (self.threads, self.niceness))

    async def start(self) -> None:
        """Spawn every worker and wait until its models are loaded and warmed."""
        await super().start()

    async def read(self, data: bytes) -> InvoiceReading:
        """Full reading (QR + OCR). Raises `ImageRejected` for bytes that are not a usable image."""
        return await self._run(_read, data)

    async def read_qr(self, data: bytes) -> InvoiceReading:
        """QR only: key fields within ~100 ms when the QR code is readable."""
        return await self._run(_read_qr, data)


class QrLane(_Processes):
    """One process that decodes QR codes and nothing else (`await read_qr(data)`).

    A process, not a thread of the app: zxing-cpp and the image decoding hold the GIL for much
    of their 20-200 ms per photo (measured on 2 busy cores: ten decodes in a thread of an
    asyncio app pushed its loop's p99 tick from ~12 ms to ~40 ms, the worst from ~40 to ~100
    ms), which the webhook's answers would pay for. It loads no OCR models (about 100 MB
    resident against a reader's 175) and runs nicer than the app but ahead of the OCR readers
    (`QR_LANE_NICENESS`)."""

    def __init__(self, niceness: int = QR_LANE_NICENESS) -> None:
        super().__init__(1, niceness)

    def _new_executor(self) -> ProcessPoolExecutor:
        return self._spawn(_init_qr_lane, (self.niceness,))

    async def read_qr(self, data: bytes) -> InvoiceReading:
        """The QR code's fields, or a reading with `is_invoice` False when there is none.
        Raises `ImageRejected` for bytes that are not a usable image."""
        return await self._run(_lane_read_qr, data)

    async def ocr_models_loaded(self) -> bool:
        """Whether the lane's process has imported the OCR runtime (it should not)."""
        if self._executor is None:
            await self.start()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _ocr_models_loaded)
