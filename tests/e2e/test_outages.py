"""Nothing acknowledged that is not kept: database outages, a full disk, a stalled commit.

WeChat never delivers again a message that was answered (`success` or a reply), so every 200
must stand for a message that is durable somewhere: in the inbound log, or in the local
journal that is replayed when the database is back. When neither can take it, the answer is
503 (WeChat delivers again), and the last delivery is told kindly to send again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.sandbox.courier import text_xml
from storage.engine import create_engine
from storage.tables.messaging import InboundRow, OutboxRow
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import create_schema, make_settings, postgres_database, running_chat
from tests.support.tcp_proxy import CuttableProxy

PG = os.environ.get("TEST_POSTGRES_URL", "")
needs_pg = pytest.mark.skipif(not PG, reason="needs TEST_POSTGRES_URL (a PostgreSQL to cut)")
OUTAGE_S = 30.0
OUTAGE_MESSAGES = 60


async def inbound_openids(chat: Any) -> set[str]:
    async with chat.sessions() as s:
        return set((await s.scalars(select(InboundRow.openid))).all())


async def late_replies(chat: Any, openid: str) -> int:
    async with chat.sessions() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.recipient == openid, OutboxRow.kind == "late_reply")
            )
        )


async def eventually(check: Any, timeout_s: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.2)


@pytest.fixture
async def proxied_postgres() -> AsyncIterator[tuple[str, CuttableProxy]]:
    async with postgres_database(PG) as url:
        await create_schema(url)
        real = make_url(url)
        proxy = CuttableProxy(real.host or "127.0.0.1", real.port or 5432)
        await proxy.start()
        proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        try:
            yield proxied, proxy
        finally:
            await proxy.close()


@needs_pg
async def test_database_refusing_connections_for_30s_loses_no_acknowledged_message(
    proxied_postgres: tuple[str, CuttableProxy], tmp_path: Path
) -> None:
    url, proxy = proxied_postgres
    settings = make_settings(url, tmp_path, reply_budget_s=2.0)
    async with running_chat(settings, nlu=KeywordNLU()) as chat:
        assert await chat.say("o_before", "你好")
        await proxy.cut()
        acknowledged: list[str] = []
        refused = 0
        started = asyncio.get_running_loop().time()
        for i in range(OUTAGE_MESSAGES):
            openid = f"o_outage_{i}"
            xml = text_xml(chat.courier.account, openid, f"进度 R{1000 + i} 资料已收到")
            status, _reply, _body = await chat.post_xml(xml, openid)
            if status == 200:
                acknowledged.append(openid)
            else:
                refused += 1
            await asyncio.sleep(
                max(
                    0.0,
                    started
                    + (i + 1) * OUTAGE_S / OUTAGE_MESSAGES
                    - asyncio.get_running_loop().time(),
                )
            )
        async with chat.session.get(str(chat.server.make_url("/healthz"))) as resp:
            assert resp.status == 200  # alive, if not ready
        async with chat.session.get(str(chat.server.make_url("/healthz/ready"))) as resp:
            assert resp.status == 503
        await proxy.restore()

        async def all_kept() -> bool:
            return set(acknowledged) <= await inbound_openids(chat)

        assert await eventually(all_kept, 30.0)
        lost = set(acknowledged) - await inbound_openids(chat)
        print(f"outage: {len(acknowledged)} acknowledged, {refused} refused, {len(lost)} lost")
        assert not lost and len(acknowledged) == OUTAGE_MESSAGES  # the journal kept them all
        # Each gets its answer once, through the outbox, now that the database is back.
        for openid in acknowledged[:5]:
            assert await eventually(lambda o=openid: late_replies(chat, o)) == 1
        assert chat.pipeline.stats.journalled >= OUTAGE_MESSAGES
        # And the service is itself again.
        assert await chat.say("o_after", "你好")
        async with chat.session.get(str(chat.server.make_url("/healthz/ready"))) as resp:
            assert resp.status == 200


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill ({done.stderr.strip()}): needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    # Unbuffered, and the suppression outermost: a buffered file would try once more to flush
    # what did not fit when it closes, and raise outside the suppression.
    with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 65536)
    return filler


async def deliver(chat: Any, xml: str, openid: str) -> tuple[int, dict[str, str] | None]:
    """One delivery by WeChat: the same signed request every time it is repeated."""
    status, reply, _ = await chat.post_xml(xml, openid)
    return status, reply


async def test_a_full_disk_acknowledges_nothing_it_did_not_keep(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite+aiosqlite:///{disk}/test.db"
        await create_schema(url)
        settings = make_settings(url, disk)
        async with running_chat(settings, nlu=KeywordNLU()) as chat:
            assert await chat.say("o_disk_0", "你好")
            filler = fill(disk)
            outcomes: list[tuple[str, int, str]] = []
            for i in range(1, 16):
                openid = f"o_disk_{i}"
                xml = text_xml(chat.courier.account, openid, "你好" + "票" * 1500)
                status, reply = await deliver(chat, xml, openid)
                outcomes.append((openid, status, (reply or {}).get("Content", "")))
            acknowledged = [o for o, status, _ in outcomes if status == 200]
            kept = await inbound_openids(chat)
            lost = [o for o in acknowledged if o not in kept]
            print(f"full disk: {len(acknowledged)} acknowledged, {len(lost)} lost of 15")
            assert not lost
            assert any(status == 503 for _, status, _ in outcomes)
            # WeChat's third delivery of a message nobody could keep: told to send it again.
            xml = text_xml(chat.courier.account, "o_disk_last", "你好" + "票" * 1500)
            statuses = [await deliver(chat, xml, "o_disk_last") for _ in range(3)]
            assert [s for s, _ in statuses[:2]] == [503, 503]
            assert statuses[2][0] == 200 and "请稍后再发一次" in statuses[2][1]["Content"]
            filler.unlink()
            # Room again: WeChat's next delivery is handled like any other.
            xml = text_xml(chat.courier.account, "o_disk_after", "你好")
            status, reply = await deliver(chat, xml, "o_disk_after")
            assert status == 200 and reply and "绑定" in reply["Content"]
            assert "o_disk_after" in await inbound_openids(chat)


async def test_a_full_database_disk_is_bridged_by_the_journal(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite+aiosqlite:///{disk}/test.db"
        await create_schema(url)
        settings = make_settings(url, tmp_path / "data")  # the journal lives elsewhere
        async with running_chat(settings, nlu=KeywordNLU()) as chat:
            assert await chat.say("o_j_0", "你好")
            filler = fill(disk)
            replies = [await chat.say(f"o_j_{i}", "你好" + "票" * 1500) for i in range(1, 11)]
            assert all(r and "系统有点忙" in r for r in replies)
            assert chat.pipeline.stats.journalled >= 10
            filler.unlink()

            async def all_in() -> bool:
                return {f"o_j_{i}" for i in range(1, 11)} <= await inbound_openids(chat)

            assert await eventually(all_in)
            assert await eventually(lambda: late_replies(chat, "o_j_3")) == 1


@needs_pg
@pytest.mark.parametrize("retry", [False, True], ids=["no_retry", "wechat_retries"])
async def test_a_commit_stalled_past_the_budget_answers_once_and_late(
    tmp_path: Path, retry: bool
) -> None:
    async with postgres_database(PG) as url:
        await create_schema(url)
        settings = make_settings(url, tmp_path)
        async with running_chat(settings, nlu=KeywordNLU()) as chat:
            assert await chat.say("o_warm", "你好")
            locker = create_engine(url)
            openid = "o_stall"
            xml = text_xml(chat.courier.account, openid, "你好")
            signed = chat.courier.sign(xml, openid=openid)
            url_q = chat.url + "?" + "&".join(f"{k}={v}" for k, v in signed.query.items())

            async def deliver_once(timeout_s: float) -> str | None:
                try:
                    async with (
                        aiohttp.ClientSession(
                            timeout=aiohttp.ClientTimeout(total=timeout_s)
                        ) as http,
                        http.post(url_q, data=signed.body.encode()) as resp,
                    ):
                        return await resp.text()
                except TimeoutError:
                    return None  # WeChat hung up at 5 s

            async with locker.connect() as conn:
                await conn.execute(text("LOCK TABLE inbound_messages IN EXCLUSIVE MODE"))
                first = asyncio.create_task(deliver_once(5.0))
                await asyncio.sleep(5.2)
                second = asyncio.create_task(deliver_once(5.0)) if retry else None
                await asyncio.sleep(1.5)
                await conn.rollback()  # the lock goes: the stalled commit completes
            await locker.dispose()
            assert await first is None
            passive = await second if second is not None else None
            got_passive = passive is not None and "<Encrypt>" in passive
            expected_late = 0 if got_passive else 1
            assert await eventually(lambda: late_replies(chat, openid), 10.0) == expected_late
            await asyncio.sleep(0.5)
            assert await late_replies(chat, openid) == expected_late
            assert got_passive == retry
            # WeChat's stray later retry is not answered passively a second time.
            status, _reply, body = await chat.post_xml(xml, openid)
            if not got_passive:
                assert status == 200 and body == "success"
