"""`serve` on either event loop: uvloop by default, asyncio's own with `--event-loop asyncio`;
each answers WeChat and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.courier import Courier, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN
from tests.e2e.test_several_processes import _wait_ready, env_for, migrate, spawn, tail


@pytest.mark.parametrize("event_loop", [None, "asyncio", "uvloop"])
async def test_serve_answers_on_the_loop_asked_for_and_stops_cleanly(
    tmp_path: Path, event_loop: str | None
) -> None:
    env = env_for(f"sqlite+aiosqlite:///{tmp_path}/loop.db", tmp_path)
    migrate(env)
    base = f"http://127.0.0.1:{env['PORT']}"
    log = tmp_path / "serve.log"
    argv = [sys.executable, "-m", "bot.cli", "serve"]
    if event_loop is not None:
        argv += ["--event-loop", event_loop]
    with log.open("ab") as sink:
        proc = spawn(argv, env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        await _wait_ready(base, proc, log)
        courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            xml = text_xml(courier.account, "o_loop", "你好", msg_id=770000001)
            status, reply, _ = await courier.post(http, base + "/wechat", xml, "o_loop")
        assert status == 200 and reply is not None and reply.get("Content"), tail(log)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, tail(log)
    printed = log.read_text()
    assert f"(sandbox, {event_loop or 'uvloop'})" in printed, tail(log)
    # The loop that really ran, as the server logged it from inside.
    assert f"event loop {event_loop or 'uvloop'}." in printed, tail(log)
