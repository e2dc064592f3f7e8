"""`make bench-outbox`: how fast the outbox reaches WeChat, and how long an event waits.

The real app (sandbox mode) serves its WeChat emulator on loopback; the outbox lives in a fresh
SQLite file (WAL). Users first write to the account through `/wechat` (signed, encrypted XML),
which opens their 48-hour window. Then:

1. burst: N notices committed at once (a broadcast); the sender drains them. Throughput is
   messages delivered per second; the delay is commit-to-delivery per message.
2. steady: notices committed one per transaction at a fixed rate, 50/s by default (domain
   events as they happen), each followed by a poke like the pipeline's; commit-to-delivery
   p50/p99.

Every run checks that the emulator received each message exactly once. A progress bar goes to
stderr, JSON lines with the figures to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from tqdm import tqdm

from bot.app import create_app
from bot.keys import EMULATOR, POLICY, SENDER, SESSIONS
from bot.outbox.sender import OutboxPolicy
from bot.outbox.wiring import learn_api_base
from bot.sandbox.courier import Courier, text_xml
from bot.settings import Settings
from domain.notices import ChatReply, Notice, NoticeKind
from nlu.types import ParseResult
from storage.engine import create_engine
from storage.tables import Base
from storage.uow import SqlUnitOfWork


class QuietNLU:
    """The benchmark measures delivery, not understanding: every text is a greeting."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        return ParseResult(text, "greet", 0.99, (), (("greet", 0.99),))


def bench_notice(openid: str, text: str) -> Notice:
    """A notice the sender delivers as text; its dedup key tells its delivery apart."""
    return Notice(openid, NoticeKind.LATE_REPLY, ChatReply(text), dedup_key=text)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="yk_bench_outbox_"))
    url = f"sqlite+aiosqlite:///{tmp}/bench.db"
    await create_schema(url)
    settings = Settings.from_mapping(
        {"DATABASE_URL": url, "DATA_DIR": str(tmp), "SANDBOX": "1", "SCHEDULER": "0"}
    )
    app = create_app(settings, nlu=QuietNLU())
    app[POLICY] = OutboxPolicy(batch=args.batch, concurrency=args.concurrency)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    learn_api_base(app, base)
    sender, emulator = app[SENDER], app[EMULATOR]
    committed: dict[str | None, float] = {}  # notice dedup key -> perf_counter at commit
    delays: list[float] = []
    target = {"n": 0}
    all_in = asyncio.Event()

    def delivered(claim: Any, channel: str, now: datetime) -> None:
        started = committed.get(claim.notice.dedup_key)
        if started is not None:
            delays.append(time.perf_counter() - started)
            bar.update(1)
            if len(delays) >= target["n"]:
                all_in.set()

    sender.on_delivered = delivered
    users = [f"o_bench_{i:04d}" for i in range(args.users)]
    results: list[dict[str, Any]] = []
    try:
        courier = Courier(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
        async with aiohttp.ClientSession() as http:
            for u in users:  # each user writes once: their 48-hour window opens
                status, _, body = await courier.post(
                    http, base + "/wechat", text_xml(courier.account, u, "你好"), u
                )
                assert status == 200, body

        # 1. burst
        n = args.notices
        bar = tqdm(total=n, desc="burst", unit="msg", file=sys.stderr)
        notices = [bench_notice(users[i % len(users)], f"burst-{i}") for i in range(n)]
        async with SqlUnitOfWork(app[SESSIONS]) as uow:
            for note in notices:
                await uow.outbox.add(note, datetime.now(UTC))
            await uow.commit()
        t0, cpu0 = time.perf_counter(), time.process_time()
        for note in notices:
            committed[note.dedup_key] = t0
        target["n"] = n
        sender.poke()
        await asyncio.wait_for(all_in.wait(), 600)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        bar.close()
        assert emulator.delivered() == n, (emulator.delivered(), n)
        results.append(
            {
                "bench": "outbox_burst",
                "notices": n,
                "users": len(users),
                "batch": args.batch,
                "concurrency": args.concurrency,
                "delivered_per_s": round(n / elapsed, 1),
                # CPU of this one process (app, sender and emulator) per message: what a
                # shared machine's load average does not change.
                "cpu_ms_per_msg": round(cpu / n * 1000, 2),
                "seconds": round(elapsed, 2),
                "delay_p50_ms": round(pct(delays, 0.50) * 1000, 1),
                "delay_p99_ms": round(pct(delays, 0.99) * 1000, 1),
            }
        )

        # 2. steady
        delays.clear()
        all_in.clear()
        m = args.steady
        target["n"] = m
        bar = tqdm(total=m, desc=f"steady {args.rate}/s", unit="msg", file=sys.stderr)
        interval = 1.0 / args.rate
        start = time.perf_counter()
        for i in range(m):
            note = bench_notice(users[i % len(users)], f"steady-{i}")
            async with SqlUnitOfWork(app[SESSIONS]) as uow:
                await uow.outbox.add(note, datetime.now(UTC))
                await uow.commit()
            committed[note.dedup_key] = time.perf_counter()
            sender.poke()
            ahead = start + (i + 1) * interval - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        await asyncio.wait_for(all_in.wait(), 120)
        bar.close()
        assert emulator.delivered() == n + m, (emulator.delivered(), n + m)
        texts = [e["text"] for box in emulator.sent.values() for e in box]
        assert len(texts) == len(set(texts)), "a message was delivered twice"
        results.append(
            {
                "bench": "outbox_steady",
                "notices": m,
                "rate_per_s": args.rate,
                "delay_p50_ms": round(pct(delays, 0.50) * 1000, 1),
                "delay_p99_ms": round(pct(delays, 0.99) * 1000, 1),
                "delay_max_ms": round(max(delays) * 1000, 1),
                "mean_ms": round(statistics.fmean(delays) * 1000, 1),
            }
        )
        results.append(
            {
                "bench": "outbox_check",
                "delivered": emulator.delivered(),
                "expected": n + m,
                "exactly_once": True,
            }
        )
    finally:
        await runner.cleanup()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--notices", type=int, default=2000, help="burst size (default 2000)")
    p.add_argument("--users", type=int, default=200, help="distinct recipients (default 200)")
    p.add_argument("--steady", type=int, default=1000, help="notices in the steady phase")
    p.add_argument("--rate", type=float, default=50.0, help="steady rate, notices per second")
    p.add_argument("--batch", type=int, default=OutboxPolicy.batch)
    p.add_argument("--concurrency", type=int, default=OutboxPolicy.concurrency)
    args = p.parse_args(argv)
    if (args.notices + args.steady) / args.users > 20:
        p.error("WeChat allows 20 客服 messages per user between replies: add --users")
    for line in asyncio.run(run(args)):
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
