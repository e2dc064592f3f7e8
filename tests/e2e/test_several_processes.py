"""Several processes on one database, for real: `serve --workers 2` on PostgreSQL (and its
refusal on SQLite), and two processes competing for a scheduled job under its job lease."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.sandbox.courier import Courier, text_xml
from bot.settings import SANDBOX_AES_KEY, SANDBOX_APPID, SANDBOX_TOKEN
from storage.engine import create_engine, session_factory
from storage.job_leases import SqlJobLeases
from storage.tables.messaging import InboundRow
from tests.support.harness import file_or_server_database, free_port, postgres_database

PG = os.environ.get("TEST_POSTGRES_URL", "")
ROOT = Path(__file__).resolve().parents[2]


def env_for(database: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database,
        DATA_DIR=str(tmp_path / "data"),
        HOST="127.0.0.1",
        PORT=str(free_port()),
        SANDBOX="1",
        INVOICE_WORKERS="0",
        PYTHONPATH=str(ROOT),
        **extra,
    )


def spawn(argv: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, **kwargs)


def tail(path: Path) -> str:
    return path.read_text()[-3000:] if path.exists() else ""


def ready(folder: Path) -> int:
    return len(list(folder.glob("claims.txt.ready.*")))


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with file_or_server_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def pg(tmp_path: Path) -> AsyncIterator[str]:
    if not PG:
        pytest.skip("needs TEST_POSTGRES_URL")
    async with postgres_database(PG) as url:
        yield url


async def test_two_processes_never_run_one_job_at_the_same_time(
    database: str, tmp_path: Path
) -> None:
    env = env_for(database, tmp_path)
    migrate(env)
    out = tmp_path / "runs.txt"
    child = [sys.executable, "-m", "tests.support.job_lease_child", database, str(out), "4", "0.05"]
    procs = [spawn(child, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    reports = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        assert p.returncode == 0, stderr.decode()
        reports.append(stdout.decode())
    events = [line.split() for line in out.read_text().splitlines()]
    runs: list[tuple[float, float, str]] = []
    open_runs: dict[str, float] = {}
    for kind, pid, at in events:
        if kind == "start":
            open_runs[pid] = float(at)
        else:
            runs.append((open_runs.pop(pid), float(at), pid))
    runs.sort()
    assert not open_runs
    # Both processes got the job in turn, and some attempts found it held by the other...
    assert len({pid for _, _, pid in runs}) == 2, reports
    assert any(int(r.split()[3]) > 0 for r in reports), reports
    # ...and no run began before the previous one had ended.
    for (_, end, _), (start, _, _) in itertools.pairwise(runs):
        assert start >= end, runs
    engine = create_engine(database)
    try:
        (state,) = await SqlJobLeases(session_factory(engine)).states()
    finally:
        await engine.dispose()
    assert state.name == "probe" and state.runs == len(runs)


def test_several_workers_on_sqlite_are_refused_with_a_reason(tmp_path: Path) -> None:
    env = env_for(f"sqlite+aiosqlite:///{tmp_path}/one.db", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--workers", "2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "needs PostgreSQL" in result.stderr.decode()


async def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(1200):
            assert proc.poll() is None, tail(log)
            try:
                async with http.get(base + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"never ready; see {log}")


async def _pids(base: str, tries: int) -> set[int]:
    seen: set[int] = set()
    for _ in range(tries):
        # A fresh connection each time: the kernel picks a listening worker per connection.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as h, h.get(base + "/healthz") as r:
            if r.status == 200:
                seen.add(int((await r.json())["pid"]))
    return seen


async def test_serve_with_two_workers_on_postgresql_shares_the_port_and_keeps_each_message_once(
    pg: str, tmp_path: Path
) -> None:
    env = env_for(pg, tmp_path, INSTANCE_ID="two-workers")
    migrate(env)
    base = f"http://127.0.0.1:{env['PORT']}"
    log = tmp_path / "serve.log"
    with log.open("ab") as sink:
        argv = [sys.executable, "-m", "bot.cli", "serve", "--workers", "2"]
        proc = spawn(argv, env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        await _wait_ready(base, proc, log)
        # Both workers listen: wait until the second one has started too.
        deadline = time.monotonic() + 120
        pids: set[int] = set()
        while len(pids) < 2 and time.monotonic() < deadline:
            pids |= await _pids(base, 20)
        assert len(pids) == 2, tail(log)
        courier = Courier(SANDBOX_TOKEN, SANDBOX_APPID, SANDBOX_AES_KEY)
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(
            timeout=timeout, connector=aiohttp.TCPConnector(force_close=True)
        ) as http:

            async def send(i: int) -> int:
                xml = text_xml(courier.account, f"o_two_{i % 20}", "你好", msg_id=880000000 + i)
                status, _, _ = await courier.post(http, base + "/wechat", xml, f"o_two_{i % 20}")
                return status

            statuses = await asyncio.gather(*(send(i) for i in range(60)))
            # WeChat's retries of a few, landing wherever the kernel puts them.
            retries = await asyncio.gather(*(send(i) for i in range(0, 60, 6)))
        assert set(statuses) == {200} and set(retries) == {200}
        engine = create_engine(pg)
        try:
            async with session_factory(engine)() as s:
                rows = await s.scalar(
                    select(func.count()).where(
                        InboundRow.openid.startswith("o_two_", autoescape=True)
                    )
                )
        finally:
            await engine.dispose()
        assert rows == 60  # one row per message, retries included
        # /metrics sums both workers' counters (multiprocess mode).
        async with aiohttp.ClientSession() as http, http.get(base + "/metrics") as r:
            assert r.status == 200
            text = await r.text()
        assert 'yunkuaiji_messages_in_total{msgtype="text"}' in text
        count = next(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith('yunkuaiji_messages_in_total{msgtype="text"}')
        )
        assert count >= 60
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, tail(log)


async def _seed_queues(url: str, rows: int) -> None:
    from domain.invoice_uploads import NewUpload
    from domain.notices import ChatReply, Notice, NoticeKind
    from storage.uow import SqlUnitOfWork

    engine = create_engine(url)
    now = datetime.now(UTC) - timedelta(seconds=5)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            firm = await uow.identities.add_firm("示范代账", "wx_two_processes")
            for c in range(4):
                company = await uow.identities.add_company(firm.id, f"公司{c}")
                contact = await uow.identities.add_contact(company.id, f"客户{c}")
                for k in range(rows // 4):
                    await uow.invoices.add_upload(
                        NewUpload(
                            firm.id,
                            company.id,
                            contact.id,
                            f"o_{c}",
                            f"客户{c}",
                            f"media-{c}-{k}",
                            k + 1,
                            now,
                        )
                    )
            for i in range(rows):
                notice = Notice(f"o_user_{i}", NoticeKind.REPLY, ChatReply(f"第{i}条"))
                await uow.outbox.add(notice, now)
            await uow.commit()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("queue", ["outbox", "invoices", "scouts"])
async def test_two_processes_never_claim_the_same_row(
    database: str, tmp_path: Path, queue: str
) -> None:
    env = env_for(database, tmp_path)
    migrate(env)
    rows = 40
    await _seed_queues(database, rows)
    out = tmp_path / "claims.txt"
    child = [
        sys.executable,
        "-m",
        "tests.support.queue_claim_child",
        database,
        queue,
        str(out),
        str(rows),
    ]
    procs = [spawn(child, env, stderr=subprocess.PIPE) for _ in range(2)]
    for _ in range(1200):  # both imported and waiting
        if ready(tmp_path) == 2:
            break
        await asyncio.sleep(0.05)
    (tmp_path / "claims.txt.go").touch()
    for p in procs:
        _, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr.decode()
    claims = [line.split() for line in out.read_text().splitlines()]
    ids = [int(row) for row, _ in claims]
    # Every row was claimed, each by exactly one of the two processes.
    assert sorted(ids) == sorted(set(ids)) and len(ids) == rows
    assert len({pid for _, pid in claims}) == 2, "both processes should have claimed rows"
