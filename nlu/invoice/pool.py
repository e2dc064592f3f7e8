"""A warmed pool of invoice-reading processes for the async app: OCR never runs on the loop.

Each worker loads the models once (in its initializer) and reads one image at a time with a
capped number of threads, so `workers * threads` stays within the cores. `read_qr` is the fast
path for the "got it" answer with key fields; `read` is the full reading.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from nlu.invoice.reading import InvoiceReading

_reader = None  # the worker's InvoiceReader, set by the initializer


class ReaderUnavailable(RuntimeError):
    """The reading process died (e.g. out of memory); the pool has been restarted."""


def _init_worker(threads: int) -> None:
    global _reader
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


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _ready() -> int:
    return os.getpid()


class InvoiceReaderPool:
    """`await start()`, then `await read(data)` / `await read_qr(data)`, then `await close()`."""

    def __init__(self, workers: int = 1, threads: int | None = None) -> None:
        self.workers = max(1, workers)
        cores = os.cpu_count() or 2
        self.threads = threads or max(1, cores // self.workers)
        self._executor: ProcessPoolExecutor | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the app's event loop and sockets must not leak into workers.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.threads,),
        )

    async def start(self) -> None:
        """Spawn every worker and wait until its models are loaded and warmed."""
        if self._executor is None:
            self._executor = self._new_executor()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, _ready) for _ in range(self.workers))
        )

    async def _run(self, func, data: bytes) -> InvoiceReading:  # type: ignore[no-untyped-def]
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

    async def read(self, data: bytes) -> InvoiceReading:
        """Full reading (QR + OCR). Raises `ImageRejected` for bytes that are not a usable image."""
        return await self._run(_read, data)

    async def read_qr(self, data: bytes) -> InvoiceReading:
        """QR only: key fields within ~100 ms when the QR code is readable."""
        return await self._run(_read_qr, data)

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

    async def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
