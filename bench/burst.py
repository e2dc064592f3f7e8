"""`make bench-burst`: the first days of the month. Client contacts each send a run of invoice
photos within one minute while other people keep chatting; the real service (sandbox mode, its
WeChat emulator holding the photos, `INVOICE_WORKERS` reading processes at lower priority).

Photos: half the fixtures as given (e-invoice PNGs with their QR code), half phone-photo-like
with the QR code painted over (OCR alone must read them); each contact's photos are distinct
invoices, different contacts belong to different companies. Meanwhile `--chat-rate` text
messages a second from other users measure the webhook.

Prints one JSON line:
- instant_ack: photos answered "收到" passively (of photos sent), and that answer's p50/p99;
- first_key_fields_s: per sender, first upload to their first key-field notice sent, p50/p99
  (5 of the 30 default senders' first QR photo is only their 3rd or 5th, sent 12 or 24 s after
  their first upload, so this p99 cannot be below 24 s);
- first_key_fields_after_first_qr_photo_s: per sender, from the upload of their first photo
  with a QR code to their first key-field notice, p50/p99;
- key_fields_per_qr_photo_s: per photo with a QR code, upload to its key-field notice, p50/p99;
- all_results_s: from the first upload until the last full result was delivered;
- photos_per_minute: photos read over that time;
- webhook_p99_ms during the burst (the chat load), and its errors;
- peak_rss_mb of the service process and of its reading processes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.webhook import free_port, wait_ready
from bot.sandbox.courier import Courier, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / ".." / "shared" / "fixtures" / "invoices"


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 3)


def photos_for(sender: int, count: int) -> list[tuple[bytes, bool, str]]:
    """(bytes, has QR, file name) for one sender: distinct invoices, alternately as given and
    as a phone photo without its QR code."""
    from bench.invoices import _decode, paint_over_qr, phone_like

    names = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".png", ".jpg"))
    out = []
    for k in range(count):
        name = names[(sender + k) % len(names)]
        data = (FIXTURES / name).read_bytes()
        if k % 2 == 0 and name.endswith(".png"):
            out.append((data, True, name))
            continue
        painted, _ = paint_over_qr(_decode(data))
        seed = int.from_bytes(hashlib.sha256(f"{sender}/{k}".encode()).digest()[:4], "big")
        out.append((phone_like(painted, seed), False, name.rsplit(".", 1)[0] + ".jpg"))
    return out


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


async def bind_contacts(database: str, senders: int) -> list[str]:
    """One company and one bound contact per sender; returns their openids."""
    from domain.actors import Actor
    from domain.binding import create_invite
    from domain.identity import InviteKind
    from storage.engine import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    engine = create_engine(database)
    sessions = session_factory(engine)
    openids = []
    try:
        now = datetime.now(UTC)
        async with SqlUnitOfWork(sessions) as uow:
            firm = await uow.identities.firm_by_appid(SANDBOX_APPID)
            assert firm is not None, "the service creates its firm at start"
            for i in range(senders + 1):
                company = await uow.identities.add_company(firm.id, f"月初测试{i:02d}有限公司")
                contact = await uow.identities.add_contact(company.id, f"客户{i:02d}")
                invite = await create_invite(
                    uow, Actor.system(firm.id), InviteKind.CONTACT, contact.id, now
                )
                openid = f"o_burst_{i:02d}"
                await uow.identities.use_invite(firm.id, invite.code, openid, now)
                await uow.identities.bind_openid(invite, openid)
                openids.append(openid)
            await uow.commit()
    finally:
        await engine.dispose()
    return openids


async def send_photo(
    http: aiohttp.ClientSession, base: str, openid: str, photo: tuple[bytes, bool, str]
) -> tuple[float, bool]:
    data, _, name = photo
    form = aiohttp.FormData()
    form.add_field("openid", openid)
    ctype = "image/png" if name.endswith(".png") else "image/jpeg"
    form.add_field("file", data, filename=name, content_type=ctype)
    started = time.perf_counter()
    async with http.post(base + "/sandbox/api/image", data=form) as r:
        body = await r.json()
    reply = (body.get("reply") or {}).get("text") or ""
    return time.perf_counter() - started, body.get("status") == 200 and "收到" in reply


async def chat_load(
    base: str, courier: Courier, rate: float, stop: asyncio.Event, latencies: list[float]
) -> int:
    """Text messages at `rate` a second from 500 other users; returns errors."""
    errors = 0
    rnd = random.Random(7)
    texts = ["你好", "查一下进度", "这个月的记账费怎么交", "谢谢", "在吗", "我的会计是谁"]
    tasks: set[asyncio.Task[None]] = set()
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(i: int) -> None:
            nonlocal errors
            openid = f"o_chat_{i % 500}"
            xml = text_xml(courier.account, openid, rnd.choice(texts), msg_id=660000000 + i)
            started = time.perf_counter()
            try:
                status, _, _ = await courier.post(http, base + "/wechat", xml, openid)
                if status != 200:
                    errors += 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
            latencies.append(time.perf_counter() - started)

        i = 0
        t0 = time.perf_counter()
        while not stop.is_set():
            i += 1
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    return errors


async def results_from_db(database: str) -> tuple[list[Any], list[Any]]:
    from sqlalchemy import select

    from storage.engine import create_engine, session_factory
    from storage.tables.invoices import InvoiceUploadRow
    from storage.tables.messaging import OutboxRow

    engine = create_engine(database)
    try:
        async with session_factory(engine)() as s:
            uploads = (
                await s.execute(
                    select(
                        InvoiceUploadRow.openid,
                        InvoiceUploadRow.seq,
                        InvoiceUploadRow.status,
                        InvoiceUploadRow.created_at,
                    )
                )
            ).all()
            notices = (
                await s.execute(
                    select(
                        OutboxRow.recipient,
                        OutboxRow.kind,
                        OutboxRow.payload,
                        OutboxRow.sent_at,
                        OutboxRow.status,
                    ).where(OutboxRow.kind.like("invoice_%"))
                )
            ).all()
    finally:
        await engine.dispose()
    return list(uploads), list(notices)


FINAL = {"invoice_read", "invoice_duplicate", "invoice_failed"}


def start_service(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate a fresh database and start `yunkuaiji serve` (blocking, before the loop)."""
    work = Path(tempfile.mkdtemp(prefix="yk-burst-"))
    database = args.database_url or f"sqlite+aiosqlite:///{work}/burst.db"
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database,
        PORT=str(port),
        HOST="127.0.0.1",
        DATA_DIR=str(work / "data"),
        SANDBOX="1",
        INVOICE_WORKERS=str(args.readers),
        PYTHONUNBUFFERED="1",
        # The emulator holds every photo until it is read (WeChat keeps them three days), in
        # the service's process: its store is most of the service's RSS growth in a soak.
        # SANDBOX_MEDIA_ITEMS set by hand caps it (then the service's own memory shows).
        SANDBOX_MEDIA_ITEMS=os.environ.get("SANDBOX_MEDIA_ITEMS", "5000"),
        SANDBOX_MEDIA_MB=os.environ.get("SANDBOX_MEDIA_MB", "2048"),
    )
    exe = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*exe, "migrate"], env=env, check=True, capture_output=True)
    log = (work / "serve.log").open("wb")
    proc = subprocess.Popen([*exe, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    return {"work": work, "database": database, "port": port, "proc": proc, "log": log}


async def main(args: argparse.Namespace, started: dict[str, Any]) -> int:
    work, database, port = started["work"], started["database"], started["port"]
    proc, log = started["proc"], started["log"]
    print(f"photos: preparing {args.senders} x {args.photos} ...", file=sys.stderr, flush=True)
    photos = [photos_for(s, args.photos) for s in range(args.senders)]
    courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
    base = f"http://127.0.0.1:{port}"
    peak = {"service": 0.0, "pool": 0.0}
    sampling = True

    async def sample() -> None:
        while sampling:
            peak["service"] = max(peak["service"], rss_mb(proc.pid))
            peak["pool"] = max(peak["pool"], sum(rss_mb(c) for c in children(proc.pid)))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    try:
        await wait_ready(base + "/healthz", within=180)
        openids = await bind_contacts(database, args.senders)
        warm, senders = openids[-1], openids[: args.senders]
        async with aiohttp.ClientSession() as http:
            # Warm the reading processes (sandbox mode loads models on the first photo).
            await send_photo(http, base, warm, photos_for(99, 1)[0])
            for _ in range(600):
                _, notices = await results_from_db(database)
                if any(n.recipient == warm and n.kind in FINAL and n.sent_at for n in notices):
                    break
                await asyncio.sleep(0.5)
            print("burst: readers warm, sending ...", file=sys.stderr, flush=True)
            stop = asyncio.Event()
            chat_latencies: list[float] = []
            chat = asyncio.create_task(
                chat_load(base, courier, args.chat_rate, stop, chat_latencies)
            )
            burst_start = datetime.now(UTC)
            acks: list[tuple[float, bool]] = []
            spacing = args.minute / args.photos

            async def sender(i: int, openid: str) -> None:
                await asyncio.sleep(i * spacing / len(senders))
                for k, photo in enumerate(photos[i]):
                    t0 = time.perf_counter()
                    acks.append(await send_photo(http, base, openid, photo))
                    if k + 1 < len(photos[i]):
                        await asyncio.sleep(max(0.0, spacing - (time.perf_counter() - t0)))

            await asyncio.gather(*(sender(i, o) for i, o in enumerate(senders)))
            total = args.senders * args.photos
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                _, notices = await results_from_db(database)
                done = [n for n in notices if n.recipient in senders and n.kind in FINAL]
                if len([n for n in done if n.sent_at]) >= total:
                    break
                await asyncio.sleep(1.0)
            stop.set()
            chat_errors = await chat
    finally:
        sampling = False
        await sampler
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    uploads, notices = await results_from_db(database)
    mine = set(senders)
    up = {(u.openid, u.seq): u for u in uploads if u.openid in mine}
    first_upload = {o: min(u.created_at for (oo, _), u in up.items() if oo == o) for o in mine}
    key = [n for n in notices if n.recipient in mine and n.kind == "invoice_key_fields"]
    final = [n for n in notices if n.recipient in mine and n.kind in FINAL and n.sent_at]
    first_key: dict[str, datetime] = {}
    per_photo: list[float] = []
    for n in key:
        if n.sent_at is None:
            continue
        prev = first_key.get(n.recipient)
        first_key[n.recipient] = n.sent_at if prev is None else min(prev, n.sent_at)
        seq = (n.payload.get("facts") or {}).get("seq")
        u = up.get((n.recipient, seq))
        if u is not None:
            per_photo.append((n.sent_at - u.created_at).total_seconds())
    first_key_s = [(first_key[o] - first_upload[o]).total_seconds() for o in first_key]
    qr_seqs = {o: {k + 1 for k, p in enumerate(photos[i]) if p[1]} for i, o in enumerate(senders)}
    first_qr_upload = {
        o: min(u.created_at for (oo, seq), u in up.items() if oo == o and seq in qr_seqs[o])
        for o in mine
        if any(oo == o and seq in qr_seqs[o] for oo, seq in up)
    }
    first_key_after_qr_s = [
        (first_key[o] - first_qr_upload[o]).total_seconds()
        for o in first_key
        if o in first_qr_upload
    ]
    last = max((n.sent_at for n in final), default=None)
    span = (last - burst_start).total_seconds() if last else None
    ack_s = [a for a, _ in acks]
    report = {
        "name": "burst",
        "senders": args.senders,
        "photos_each": args.photos,
        "readers": args.readers,
        "photos_sent": len(acks),
        "instant_ack": sum(ok for _, ok in acks),
        "ack_p50_ms": round((pct(ack_s, 50) or 0) * 1000, 1),
        "ack_p99_ms": round((pct(ack_s, 99) or 0) * 1000, 1),
        "senders_with_key_fields": len(first_key_s),
        "first_key_fields_s": {"p50": pct(first_key_s, 50), "p99": pct(first_key_s, 99)},
        "first_key_fields_after_first_qr_photo_s": {
            "p50": pct(first_key_after_qr_s, 50),
            "p99": pct(first_key_after_qr_s, 99),
        },
        "key_fields_per_qr_photo_s": {"p50": pct(per_photo, 50), "p99": pct(per_photo, 99)},
        "full_results_delivered": len(final),
        "all_results_s": round(span, 1) if span else None,
        "photos_per_minute": round(len(final) / span * 60, 1) if span else None,
        "chat_messages": len(chat_latencies),
        "webhook_p50_ms": round((pct(chat_latencies, 50) or 0) * 1000, 1),
        "webhook_p99_ms": round((pct(chat_latencies, 99) or 0) * 1000, 1),
        "webhook_errors": chat_errors,
        "peak_rss_mb": {k: round(v) for k, v in peak.items()},
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "log": str(work / "serve.log"),
    }
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=30)
    parser.add_argument("--photos", type=int, default=10, help="photos per sender")
    parser.add_argument("--minute", type=float, default=60.0, help="seconds the photos span")
    parser.add_argument("--readers", type=int, default=2, help="INVOICE_WORKERS")
    parser.add_argument("--chat-rate", type=float, default=20.0, help="text messages a second")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up waiting after")
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the service on the way out
    sys.exit(asyncio.run(main(arguments, start_service(arguments))))
