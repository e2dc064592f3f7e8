"""`make bench-pay`: WeChat Pay notification handling on one core.

`yunkuaiji serve` (sandbox, SQLite, scheduler off) runs pinned to one CPU, verifying with a
self-made platform key pair and APIv3 key as a configured merchant would. Bills and payment
attempts are seeded in its database first; notifications are signed and sealed ahead of time
(by this process, on another CPU when there is one), so what is measured is the server: read,
verify the RSA signature, check the time, decrypt, check against the order, one transaction
with the conditional UPDATEs and the notices, answer 204.

Three loads, each closed-loop with `--concurrency` senders:

1. first: every attempt's notification once (each pays a bill);
2. repeats: the same notifications again (WeChat Pay repeats itself: answered, nothing changes);
3. bursts: fresh attempts, each notification sent three times at once.

Prints JSON lines (throughput, p50/p99, the server's CPU per notification) and checks that
every bill was paid exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import update

from bot.settings import SANDBOX_APPID
from bot.wechat.pay_protocol import ApiV3Cipher, private_pem, public_pem, signature_headers
from domain.billing import BillKind, Channel, NewBill, NewOrder
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.tables.identity import ContactRow
from storage.uow import SqlUnitOfWork

APIV3_KEY = "BenchOnlyApiV3Key0123456789abcde"
KEY_ID = "PUB_KEY_ID_0119000001092026BENCH00001"
MCHID = "1900000109"
PAYER = "o_bench_payer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


@contextlib.contextmanager
def server(env: dict[str, str], cpu: int | None, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=pin,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_ready(url: str, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


async def seed(url: str, count: int) -> list[dict[str, Any]]:
    """A firm, a company with a bound contact, `count` one-off bills with one attempt each;
    returns what each attempt's notification will carry."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    resources = []
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            ids = uow.identities
            firm = await ids.firm_by_appid(SANDBOX_APPID) or await ids.add_firm(
                "基准测试代账公司", SANDBOX_APPID
            )
            company = await ids.add_company(firm.id, "基准测试客户公司")
            contact = await ids.add_contact(company.id, "付款人")
            # Bound, so each payment queues its notice as it would for a real client.
            await uow.session.execute(
                update(ContactRow).where(ContactRow.id == contact.id).values(openid=PAYER)
            )
            await uow.commit()
        for start in range(0, count, 500):
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                for i in range(start, min(count, start + 500)):
                    bill = await uow.billing.add_bill(
                        NewBill(
                            firm_id=firm.id,
                            number=f"B{100000 + i}",
                            company_id=company.id,
                            kind=BillKind.ONE_OFF,
                            title="代理记账服务费",  # a one-off bill's title, staff's words
                            amount_fen=30000 + i,
                            due_on=now.date(),
                            created_at=now,
                        )
                    )
                    assert bill is not None
                    no = f"F{firm.id}B{100000 + i}N1BENCH"
                    await uow.billing.add_order(
                        NewOrder(
                            firm_id=firm.id,
                            bill_id=bill.id,
                            out_trade_no=no,
                            channel=Channel.JSAPI,
                            appid=SANDBOX_APPID,
                            mchid=MCHID,
                            amount_fen=bill.amount_fen,
                            payer_openid=PAYER,
                            created_at=now,
                            expires_at=now + timedelta(hours=2),
                            next_query_at=now + timedelta(hours=1),
                        )
                    )
                    resources.append(
                        {
                            "appid": SANDBOX_APPID,
                            "mchid": MCHID,
                            "out_trade_no": no,
                            "transaction_id": f"42000000002026{i:014d}",
                            "trade_type": "JSAPI",
                            "trade_state": "SUCCESS",
                            "trade_state_desc": "支付成功",
                            "bank_type": "OTHERS",
                            "attach": "",
                            "success_time": now.isoformat(timespec="seconds"),
                            "payer": {"openid": PAYER},
                            "amount": {
                                "total": bill.amount_fen,
                                "payer_total": bill.amount_fen,
                                "currency": "CNY",
                                "payer_currency": "CNY",
                            },
                        }
                    )
                await uow.commit()
    finally:
        await engine.dispose()
    return resources


def sign_all(resources: list[dict[str, Any]], key: Any) -> list[tuple[dict[str, str], bytes]]:
    cipher = ApiV3Cipher(APIV3_KEY)
    signed = []
    for i, resource in enumerate(resources):
        sealed = cipher.encrypt(json.dumps(resource).encode(), associated_data="transaction")
        body = json.dumps(
            {
                "id": f"EV-BENCH-{i}",
                "create_time": resource["success_time"],
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {**sealed, "original_type": "transaction"},
            }
        ).encode()
        # Signed when sent would cost this process 1-2 ms each; a fresh timestamp is not
        # needed: the window is five minutes and every load here is shorter.
        headers = signature_headers(key, KEY_ID, body, int(time.time()))
        headers["Content-Type"] = "application/json"
        signed.append((headers, body))
    return signed


@dataclass
class Load:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0

    def line(self, concurrency: int) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        n = len(ordered)
        return {
            "bench": f"pay_notify_{self.name}",
            "notifications": n,
            "concurrency": concurrency,
            "errors": self.errors,
            "throughput_per_s": round(n / self.seconds, 1),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 2),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
            "server_cpu_ms_per_notification": round(self.cpu_s / n * 1000, 3),
            # What the one core could take if nothing else ran on it (the machine may be shared).
            "one_core_capacity_per_s": round(n / self.cpu_s, 1) if self.cpu_s else None,
            "load_average": round(os.getloadavg()[0], 2),
        }


async def load(
    name: str,
    url: str,
    items: list[tuple[dict[str, str], bytes]],
    concurrency: int,
    pid: int,
) -> Load:
    result = Load(name)
    queue: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=conn, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:

        async def sender() -> None:
            while not queue.empty():
                headers, body = queue.get_nowait()
                t0 = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as r:
                        await r.read()
                        ok = r.status == 204
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                result.latencies.append(time.perf_counter() - t0)
                result.errors += not ok

        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        result.seconds, result.cpu_s = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    return result


def count(db: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def main(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric import rsa

    work = Path(tempfile.mkdtemp(prefix="yk-bench-pay-"))
    db = work / "bench.db"
    url = f"sqlite+aiosqlite:///{db}"
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (work / "pub_key.pem").write_bytes(public_pem(platform.public_key()))
    (work / "apiclient_key.pem").write_bytes(private_pem(merchant))
    (work / "platform_key.pem").write_bytes(private_pem(platform))
    await asyncio.to_thread(upgrade, url)
    first_n, burst_n = args.notifications, args.bursts
    resources = await seed(url, first_n + burst_n)
    signed = sign_all(resources, platform)
    first, bursts = signed[:first_n], signed[first_n:]

    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0] if cpus else None
    if len(cpus) > 1:
        os.sched_setaffinity(0, set(cpus[1:]))  # the senders keep off the server's core
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(work),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SANDBOX": "1",
        "SCHEDULER": "0",
        "INVOICE_WORKERS": "0",
        "WECHAT_PAY_MCHID": MCHID,
        "WECHAT_PAY_APIV3_KEY": APIV3_KEY,
        "WECHAT_PAY_PUBLIC_KEY_PATH": str(work / "pub_key.pem"),
        "WECHAT_PAY_PUBLIC_KEY_ID": KEY_ID,
        "WECHAT_PAY_PRIVATE_KEY_PATH": str(work / "apiclient_key.pem"),
        "SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH": str(work / "platform_key.pem"),
        # The notices go nowhere (a closed port): the outbox sender backs off instead of
        # sharing the measured core with the WeChat emulator.
        "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}",
    }
    print(
        f"bench-pay: server on CPU {server_cpu} of {len(cpus)}, {args.concurrency} senders, "
        f"{first_n} + {burst_n}x3 notifications; logs in {work}",
        file=sys.stderr,
    )
    notify = f"http://127.0.0.1:{port}/pay/notify"
    with server(env, server_cpu, work / "serve.log") as proc:
        await wait_ready(f"http://127.0.0.1:{port}/healthz")
        await load("warmup", notify, first[:50], args.concurrency, proc.pid)
        rest = await load("first", notify, first[50:], args.concurrency, proc.pid)
        emit(rest.line(args.concurrency))
        again = await load("repeats", notify, first, args.concurrency, proc.pid)
        emit(again.line(args.concurrency))
        tripled = [item for item in bursts for _ in range(3)]
        burst = await load("bursts_x3", notify, tripled, args.concurrency, proc.pid)
        emit(burst.line(args.concurrency))
    paid_orders = count(db, "SELECT count(*) FROM payment_orders WHERE state = 'paid'")
    paid_bills = count(db, "SELECT count(*) FROM bills WHERE status = 'paid'")
    told = count(db, "SELECT count(*) FROM outbox WHERE kind = 'payment_received'")
    errors = rest.errors + again.errors + burst.errors
    exactly_once = paid_orders == paid_bills == told == len(signed)
    emit(
        {
            "bench": "pay_notify_check",
            "orders_paid": paid_orders,
            "bills_paid": paid_bills,
            "expected": len(signed),
            "errors": errors,
            "exactly_once": exactly_once,
        }
    )
    return 0 if exactly_once and not errors else 1


def cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--notifications", type=int, default=2000, help="attempts paid once each")
    p.add_argument("--bursts", type=int, default=300, help="attempts notified 3x at once")
    p.add_argument("--concurrency", type=int, default=16)
    return asyncio.run(main(p.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(cli())
