"""A process that keeps trying to run one job under its job lease for a while (two of them run
side by side in tests/e2e/test_several_processes.py). Each run appends its start and end, with
this process's id, to a shared file; the test checks that no two runs overlapped."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from bot.workers.job_guard import JobGuard
from domain.clock import SystemClock
from storage.engine import create_engine, session_factory
from storage.leases import lease_holder


async def main(url: str, out: Path, seconds: float, run_s: float) -> None:
    engine = create_engine(url)
    guard = JobGuard(session_factory(engine), SystemClock(), lease_holder(f"p{os.getpid()}", "r1"))
    ran = skipped = 0

    async def work() -> None:
        with out.open("a") as f:
            f.write(f"start {os.getpid()} {time.time():.6f}\n")
        await asyncio.sleep(run_s)
        with out.open("a") as f:
            f.write(f"end {os.getpid()} {time.time():.6f}\n")

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await guard.run("probe", work):
            ran += 1
        else:
            skipped += 1
        await asyncio.sleep(0.005)
    await engine.dispose()
    print(f"ran {ran} skipped {skipped}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])))
