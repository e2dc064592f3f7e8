"""`python -m bench.startup`: how long a (re)started instance takes before /wechat answers.

Migrates a fresh SQLite file, then starts `yunkuaiji serve` several times in a row on it and
measures, for each start, the seconds from spawning the process to the first passive reply to a
signed, encrypted "你好". The first start runs with an empty data directory (a first deploy: the
NLU model is trained and cached); the later ones are restarts (the cached model is loaded).
Prints one JSON line per start and a summary; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.webhook import free_port
from bot.sandbox.courier import Courier, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN


async def first_answer(url: str, courier: Courier, started: float, within: float = 120.0) -> float:
    """Seconds from `started` until /wechat gives a passive reply with content."""
    deadline = started + within
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() < deadline:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                xml = text_xml(courier.account, "o_startup_probe", "你好")
                status, reply, _ = await courier.post(session, url, xml)
                if status == 200 and reply and reply.get("Content"):
                    return time.perf_counter() - started
            await asyncio.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {within} s")


def start_once(exe: list[str], env: dict[str, str], port: int, log: Path) -> float:
    courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
    with log.open("ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([*exe, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            return asyncio.run(first_answer(f"http://127.0.0.1:{port}/wechat", courier, started))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(starts: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="yk-startup-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'startup.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(work),
    }
    exe = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*exe, "migrate"], env=env, check=True, capture_output=True)
    figures = []
    for n in range(starts):
        seconds = start_once(exe, env, port, work / "serve.log")
        figures.append(seconds)
        kind = "first start" if n == 0 else "restart"
        print(json.dumps({"start": n + 1, "kind": kind, "to_first_answer_s": round(seconds, 2)}))
    restarts = sorted(figures[1:])
    summary = {
        "first_start_s": round(figures[0], 2),
        "restart_median_s": round(restarts[len(restarts) // 2], 2) if restarts else None,
        "cores": os.cpu_count(),
        "logs": str(work),
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=4)
    sys.exit(main(parser.parse_args().starts))
