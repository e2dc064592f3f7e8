"""`make bench`: the webhook under load, beside a bare baseline measured in the same run.

1. baseline: a bare aiohttp + wechatpy decrypt-and-echo server (bench/baseline_server.py);
2. full: `yunkuaiji serve` on a fresh SQLite file (dedup, identity, conversation, NLU, storage);
3. mixed: whole request stories, clients and staff in multi-turn conversations (bench/stories.py).

Each load is 50 concurrent simulated WeChat users posting distinct encrypted text messages
(unique MsgIds) for at least 10 s. Prints JSON lines with throughput, p50/p99 and errors, the
ratio to the baseline, and checks that exactly one inbound row was stored per message sent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import LoadResult, run_load
from bot.sandbox.courier import Courier, next_msg_id, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN

HELD_OUT = [Path("nlu/tests/heldout.yml"), Path("nlu/tests/heldout_b.yml")]


def phrases() -> list[str]:
    """What clients and staff really type: the NLU's held-out utterances (497, never trained
    on), so the load exercises the parser the way traffic would."""
    from nlu.training_data import load_files

    return [e.text for e in load_files(HELD_OUT).examples]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(url: str, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url) as r:
                    if r.status < 500:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def prepare(exe: list[str], env: dict[str, str]) -> None:
    """Migrate and load demo data before any load starts (blocking on purpose)."""
    subprocess.run([*exe, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*exe, "demo"], env=env, check=True, capture_output=True)


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


def echo_step(account: str) -> Any:
    texts = phrases()

    async def step(w: int, i: int) -> Any:
        text = texts[(w * 7919 + i) % len(texts)]
        xml = text_xml(account, f"o_bench_{w}", text, msg_id=next_msg_id())
        return xml, lambda reply: bool(reply and reply.get("Content"))

    return step


async def main(seconds: float, concurrency: int, stories: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="yk-bench-"))
    db = work / "bench.db"
    port_app, port_base = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "PORT": str(port_app),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(work),
    }
    exe = [sys.executable, "-m", "bot.cli"]
    prepare(exe, env)
    courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
    results: dict[str, LoadResult] = {}
    print(
        f"benchmark: {concurrency} concurrent users, {seconds:.0f} s per load, "
        f"{os.cpu_count()} cores; logs in {work}",
        file=sys.stderr,
    )

    base_args = [
        sys.executable,
        "-m",
        "bench.baseline_server",
        str(port_base),
        SANDBOX_TOKEN,
        SANDBOX_APPID,
        SANDBOX_AES_KEY,
    ]
    with process(base_args, env, work / "baseline.log"):
        url = f"http://127.0.0.1:{port_base}/wechat"
        await wait_ready(url)
        await run_load("warmup", url, courier, echo_step(courier.account), concurrency, 2, False)
        results["baseline"] = await run_load(
            "baseline", url, courier, echo_step(courier.account), concurrency, seconds
        )
    emit(results["baseline"].summary())

    with process([*exe, "serve"], env, work / "serve.log"):
        await wait_ready(f"http://127.0.0.1:{port_app}/healthz")
        url = f"http://127.0.0.1:{port_app}/wechat"
        await run_load("warmup", url, courier, echo_step(courier.account), concurrency, 2, False)
        before = count_inbound(db)
        results["full"] = await run_load(
            "full", url, courier, echo_step(courier.account), concurrency, seconds
        )
        await asyncio.sleep(0.5)
        stored = count_inbound(db) - before
    full = results["full"].summary()
    full["stored_rows"] = stored
    full["one_row_per_message"] = stored == results["full"].sent
    full["ratio_to_baseline"] = round(
        results["full"].throughput / results["baseline"].throughput, 3
    )
    emit(full)

    mixed = await run_mixed(exe, env, db, port_app, courier, stories, concurrency)
    mixed["ratio_to_baseline"] = round(mixed["turns_per_s"] / results["baseline"].throughput, 3)
    emit(mixed)

    ok = (
        full["ratio_to_baseline"] >= 0.5
        and full["p99_ms"] < 100
        and full["errors"] == 0
        and full["one_row_per_message"]
    )
    emit({"target": "full >= 0.5x baseline, p99 < 100 ms, 0 errors, 1 row/message", "met": ok})
    return 0


def count_inbound(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM inbound_messages").fetchone()[0])


async def run_mixed(
    exe: list[str],
    env: dict[str, str],
    db: Path,
    port: int,
    courier: Courier,
    stories: int,
    concurrency: int,
) -> dict[str, Any]:
    from bench.stories import run_mixed_stories

    with process([*exe, "serve"], env, db.parent / "serve-mixed.log"):
        await wait_ready(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/wechat"
        print(
            f"  mixed: {stories} whole request stories, {concurrency} at a time ...",
            file=sys.stderr,
            flush=True,
        )
        report = await run_mixed_stories(
            env["DATABASE_URL"], SANDBOX_APPID, url, courier, stories, concurrency
        )
    return {"name": "mixed", **report.to_json()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--stories", type=int, default=300, help="whole stories in the mixed load")
    a = parser.parse_args()
    sys.exit(asyncio.run(main(a.seconds, a.concurrency, a.stories)))
