"""A closed-loop HTTP load generator for WeChat webhooks: N concurrent simulated users, each
posting signed, encrypted XML and waiting for the answer, for a fixed time."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

from bot.sandbox.courier import Courier


@dataclass
class LoadResult:
    name: str
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return (self.sent - self.errors) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def summary(self) -> dict[str, float | int | str]:
        return {
            "name": self.name,
            "sent": self.sent,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else 0,
        }


# A scenario step: (worker index, step number) -> plain XML to send, and a check of the reply.
Step = Callable[[int, int], Awaitable[tuple[str, Callable[[dict[str, str] | None], bool]]]]


async def run_load(
    name: str,
    url: str,
    courier: Courier,
    step: Step,
    concurrency: int = 50,
    seconds: float = 10.0,
    progress: bool = True,
) -> LoadResult:
    result = LoadResult(name)
    deadline = time.monotonic() + seconds
    conn = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)

    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:

        async def worker(w: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                xml, check = await step(w, i)
                i += 1
                req = courier.sign(xml)
                t0 = time.perf_counter()
                try:
                    async with session.post(f"{url}?{urlencode(req.query)}", data=req.body) as r:
                        body = await r.text()
                        ok = r.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok, body = False, ""
                result.latencies.append(time.perf_counter() - t0)
                result.sent += 1
                if ok:
                    try:
                        ok = check(courier.open_reply(body))
                    except Exception:
                        ok = False
                if not ok:
                    result.errors += 1

        async def ticker() -> None:
            start = time.monotonic()
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                done = time.monotonic() - start
                bar = "#" * int(30 * min(1.0, done / seconds))
                print(
                    f"\r  {name:<14} [{bar:<30}] {done:4.0f}s {result.sent:7d} sent "
                    f"{result.errors} errors",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
            print(file=sys.stderr)

        t0 = time.monotonic()
        tasks = [asyncio.create_task(worker(w)) for w in range(concurrency)]
        if progress:
            tasks.append(asyncio.create_task(ticker()))
        await asyncio.gather(*tasks)
        result.seconds = time.monotonic() - t0
    return result
