"""`make bench`: webhook first-delivery throughput, the way ../shared/tools/webhook-load
measures it, beside a bare baseline measured in the same run.

- The baseline (bench/baseline_server.py: aiohttp + wechatpy decrypt, parse, reply, encrypt)
  and then the service each run pinned, with every process they start, to core 0; wrk runs
  pinned to core 1 (one thread, 50 connections, `--seconds`).
- Every request is a distinct encrypted text message (distinct MsgId) from one of `--users`
  distinct openids, on a fresh database with no demo data: every message is a first delivery
  from someone the service has not seen lately, as on a busy morning.
- The service is given `--warmup` seconds after it is healthy (no traffic), like the tool.
- CPU milliseconds per request of each (the process tree's user + system time over the run):
  `cpu_ratio` (baseline's over the service's) is what the throughput ratio would be on an
  otherwise idle core, and moves far less than throughput when neighbours load the machine.
- Afterwards: the rows stored must equal the requests wrk completed (one per message, nothing
  lost or doubled) and wrk must report no non-2xx answer and no socket error.

`--workers 2 --database-url postgresql+asyncpg://...` measures `serve --workers 2` on
PostgreSQL; `--cores 0,1` pins the service to both cores (wrk still on core 1), for comparing
one worker with two.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from wechatpy.crypto import WeChatCrypto

from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN

HERE = Path(__file__).resolve().parent
TEXTS = [
    "你好",
    "我要办营业执照",
    "查一下进度",
    "这个月的记账费怎么交",
    "给会计一个好评",
    "在吗",
    "有什么服务",
    "我的会计是谁",
    "发票怎么开",
    "R1001到哪一步了",
    "谢谢",
    "帮我注销公司",
]


def _sig(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def write_bodies(path: Path, n: int, users: int, seed: int) -> None:
    """n signed, encrypted first deliveries ("path<TAB>body" lines, for bench/wrk_rotate.lua)."""
    crypto = WeChatCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APPID)
    rnd = random.Random(seed)
    now = str(int(time.time()))
    with path.open("w") as f:
        for i in range(n):
            xml = (
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<FromUserName><![CDATA[o_fd_{seed}_{i % users}]]></FromUserName>"
                f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{rnd.choice(TEXTS)}]]></Content>"
                f"<MsgId>{seed * 10**9 + i}</MsgId></xml>"
            )
            nonce = str(rnd.randint(10**8, 10**9 - 1))
            enc = crypto.encrypt_message(xml, nonce, now)
            match = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", enc)
            assert match is not None
            encrypt = match.group(1)
            body = (
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            )
            query = (
                f"signature={_sig(SANDBOX_TOKEN, now, nonce)}&timestamp={now}&nonce={nonce}"
                f"&openid=o_bench&encrypt_type=aes"
                f"&msg_signature={_sig(SANDBOX_TOKEN, now, nonce, encrypt)}"
            )
            f.write(f"/wechat?{query}\t{body}\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def pin_tree(pid: int, cpus: str) -> None:
    """Pin `pid` and its descendants (every thread) to `cpus`."""
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        kids = subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout
        todo += [int(k) for k in kids.split()]
    for p in seen:
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(p)], capture_output=True)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of `pid` and its descendants so far: a figure the neighbours'
    load on a shared machine disturbs far less than throughput."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
        kids = subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout
        todo += [int(k) for k in kids.split()]
    return total


def measured(pid: int, port: int, bodies: Path, seconds: int, connections: int) -> dict[str, Any]:
    before = cpu_seconds(pid)
    out = wrk(port, bodies, seconds, connections)
    used = cpu_seconds(pid) - before
    out["cpu_ms_per_request"] = round(used * 1000 / max(1, out["requests"]), 3)
    return out


def wrk(port: int, bodies: Path, seconds: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / "wrk_rotate.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=dict(os.environ, BODIES=str(bodies)),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    assert rps and p99 and total, out
    return {
        "rps": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)],
        "requests": int(total.group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sock.group(1) if sock else "",
    }


def count_rows(url: str, prefix: str) -> int:
    import asyncio

    from sqlalchemy import func, select

    from storage.engine import create_engine, session_factory
    from storage.tables.messaging import InboundRow

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as s:
                q = select(func.count()).where(
                    InboundRow.openid.startswith(prefix, autoescape=True)
                )
                return int(await s.scalar(q) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(count())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cores", default="0", help="where the service runs (wrk: core 1)")
    ap.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--event-loop", default="uvloop", help="the service's: uvloop or asyncio")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    tmp = Path(tempfile.mkdtemp(prefix="yk-first-delivery-"))
    seed = int(time.time()) % 1000 + 2
    write_bodies(tmp / "base.tsv", 40000, args.users, 1)
    write_bodies(tmp / "svc.tsv", 40000, args.users, seed)
    result: dict[str, Any] = {
        "name": "first_delivery",
        "workers": args.workers,
        "event_loop": args.event_loop,
    }

    if not args.no_baseline:
        port = free_port()
        base = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.baseline_server",
                str(port),
                SANDBOX_TOKEN,
                SANDBOX_APPID,
                SANDBOX_AES_KEY,
            ],
        )
        try:
            time.sleep(1.5)
            pin_tree(base.pid, args.cores)
            baseline = measured(base.pid, port, tmp / "base.tsv", args.seconds, args.connections)
        finally:
            base.terminate()
            base.wait()
        result["baseline"] = baseline

    port = free_port()
    database = args.database_url or f"sqlite+aiosqlite:///{tmp}/load.sqlite3"
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT=str(port),
        SANDBOX="1",
        DATABASE_URL=database,
        DATA_DIR=str(tmp / "data"),
        INVOICE_WORKERS="0",
        PYTHONUNBUFFERED="1",
    )
    exe = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*exe, "migrate"], env=env, check=True, capture_output=True)
    with (tmp / "serve.log").open("w") as log:
        svc = subprocess.Popen(
            [*exe, "serve", "--workers", str(args.workers), "--event-loop", args.event_loop],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", svc)
        time.sleep(args.warmup)
        pin_tree(svc.pid, args.cores)
        service = measured(svc.pid, port, tmp / "svc.tsv", args.seconds, args.connections)
        time.sleep(1.0)  # late answers are committed by now
    finally:
        svc.terminate()
        try:
            svc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            svc.kill()
    stored = count_rows(database, f"o_fd_{seed}_")
    service["stored_rows"] = stored
    # wrk counts the requests it completed; one more may have been cut off at the end.
    service["one_row_per_message"] = service["requests"] <= stored <= service["requests"] + 50
    result["service"] = service
    if "baseline" in result:
        result["ratio"] = round(service["rps"] / result["baseline"]["rps"], 3)
        result["cpu_ratio"] = round(
            result["baseline"]["cpu_ms_per_request"] / max(1e-9, service["cpu_ms_per_request"]), 3
        )
    result["log"] = str(tmp / "serve.log")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    ok = (
        result.get("ratio", 1.0) >= 0.6
        and service["p99_ms"] <= 100
        and service["non_2xx"] == 0
        and not service["socket_errors"]
        and service["one_row_per_message"]
    )
    print(json.dumps({"target": "ratio >= 0.6, p99 <= 100 ms, 0 errors, 1 row/message", "met": ok}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
