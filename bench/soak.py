"""`make soak`: a month-start morning, held. `--contacts` bound client contacts (2 000) each send
a message about every `--every` seconds (120), one in ten a photo, for `--minutes` (30), against
`yunkuaiji serve` in sandbox mode on a fresh SQLite file (or `--database-url`).

Every `--sample` seconds one JSON line: messages sent and their p50/p99 latency in that window,
errors, the service's and the reading processes' RSS, the SQLite WAL file's size, notices waiting
in the outbox and photos waiting to be read. At the end a summary: RSS growth over the second
half (flat memory), the largest WAL (bounded), and whether a queue grew through the second half
(one that only grows is a capacity problem, named as such). Run it once, by hand; not in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.burst import bind_contacts, children, pct, photos_for, rss_mb, start_service
from bench.webhook import wait_ready
from bot.sandbox.courier import Courier, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN

TEXTS = ["你好", "查一下进度", "这个月的记账费怎么交", "谢谢", "在吗", "我的会计是谁",
         "发票怎么开", "我要办营业执照", "好的", "收到"]  # fmt: skip


async def queue_depths(database: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from storage.engine import create_engine, session_factory
    from storage.tables.invoices import InvoiceUploadRow
    from storage.tables.messaging import OutboxRow

    engine = create_engine(database)
    try:
        async with session_factory(engine)() as s:
            outbox = await s.scalar(
                select(func.count()).where(OutboxRow.status.in_(("pending", "sending")))
            )
            photos = await s.scalar(
                select(func.count()).where(InvoiceUploadRow.status.in_(("pending", "working")))
            )
    finally:
        await engine.dispose()
    return int(outbox or 0), int(photos or 0)


def wal_mb(database: str) -> float:
    if not database.startswith("sqlite"):
        return 0.0
    wal = Path(database.split("///", 1)[1] + "-wal")
    return wal.stat().st_size / 2**20 if wal.exists() else 0.0


async def main(args: argparse.Namespace, started: dict[str, Any]) -> int:
    database, port, proc = started["database"], started["port"], started["proc"]
    base = f"http://127.0.0.1:{port}"
    courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
    album = [p for s in range(6) for p in photos_for(s, 4)]  # 24 photos, reused by everyone
    samples: list[dict[str, Any]] = []
    try:
        await wait_ready(base + "/healthz", within=180)
        print(f"soak: binding {args.contacts} contacts ...", file=sys.stderr, flush=True)
        openids = (await bind_contacts(database, args.contacts))[: args.contacts]
        rate = args.contacts / args.every
        print(f"soak: {rate:.1f} messages/s for {args.minutes} min", file=sys.stderr, flush=True)
        rnd = random.Random(11)
        window: list[float] = []
        errors = 0
        sent = 0
        tasks: set[asyncio.Task[None]] = set()
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def one(i: int) -> None:
                nonlocal errors
                openid = openids[rnd.randrange(len(openids))]
                started_at = time.perf_counter()
                try:
                    if rnd.random() < args.photo_share:
                        data, _, name = album[i % len(album)]
                        form = aiohttp.FormData()
                        form.add_field("openid", openid)
                        form.add_field("file", data, filename=name)
                        async with http.post(base + "/sandbox/api/image", data=form) as r:
                            ok = r.status == 200 and (await r.json()).get("status") == 200
                    else:
                        xml = text_xml(
                            courier.account, openid, rnd.choice(TEXTS), msg_id=550000000 + i
                        )
                        status, _, _ = await courier.post(http, base + "/wechat", xml, openid)
                        ok = status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                errors += not ok
                window.append(time.perf_counter() - started_at)

            t0 = time.perf_counter()
            end = t0 + args.minutes * 60
            next_sample = t0 + args.sample
            while time.perf_counter() < end:
                sent += 1
                task = asyncio.create_task(one(sent))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                await asyncio.sleep(max(0.0, t0 + sent / rate - time.perf_counter()))
                if time.perf_counter() >= next_sample:
                    next_sample += args.sample
                    outbox, photos = await queue_depths(database)
                    line = {
                        "t_s": round(time.perf_counter() - t0),
                        "sent": sent,
                        "window_messages": len(window),
                        "p50_ms": round((pct(window, 50) or 0) * 1000, 1),
                        "p99_ms": round((pct(window, 99) or 0) * 1000, 1),
                        "errors": errors,
                        "rss_service_mb": round(rss_mb(proc.pid)),
                        "rss_readers_mb": round(sum(rss_mb(c) for c in children(proc.pid))),
                        "wal_mb": round(wal_mb(database), 1),
                        "outbox_waiting": outbox,
                        "photos_waiting": photos,
                    }
                    window = []
                    samples.append(line)
                    print(json.dumps(line), flush=True)
            await asyncio.gather(*tasks)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except Exception:
            proc.kill()
        started["log"].close()
    half = samples[len(samples) // 2 :] or samples
    summary = {
        "name": "soak",
        "minutes": args.minutes,
        "contacts": args.contacts,
        "messages": sent,
        "errors": errors,
        "rss_service_mb_second_half": [half[0]["rss_service_mb"], half[-1]["rss_service_mb"]],
        "wal_mb_max": max(s["wal_mb"] for s in samples) if samples else None,
        "p99_ms_max_after_first_minute": max(
            (s["p99_ms"] for s in samples if s["t_s"] > 60), default=None
        ),
        "outbox_grew_through_second_half": all(
            b["outbox_waiting"] > a["outbox_waiting"] for a, b in itertools.pairwise(half)
        )
        and len(half) > 2,
        "photos_grew_through_second_half": all(
            b["photos_waiting"] > a["photos_waiting"] for a, b in itertools.pairwise(half)
        )
        and len(half) > 2,
        "log": str(started["work"] / "serve.log"),
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--every", type=float, default=120.0, help="seconds between a contact's")
    parser.add_argument("--photo-share", type=float, default=0.1)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample", type=float, default=30.0)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the service on the way out
    sys.exit(asyncio.run(main(arguments, start_service(arguments))))
