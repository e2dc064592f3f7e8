"""The access token shared across processes: the `kv` table (SQLite, PostgreSQL) and Redis.

Each "process" is a separate client with its own in-memory cache and lock; only the store is
shared, as between worker processes."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from storage.engine import create_engine, session_factory
from storage.tokens import RedisTokenStore, SqlTokenStore, StoredToken, TokenStore
from tests.support.harness import create_schema, postgres_database
from tests.support.wechat_double import WeChatDouble, wechat_double

USER = "o_user_1"


@pytest.fixture
async def wx() -> AsyncIterator[WeChatDouble]:
    async with wechat_double() as double:
        double.users.interacted(USER, double.clock.now())
        yield double


STORES = ["sqlite", "redis"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])


@asynccontextmanager
async def sql_store(url: str) -> AsyncIterator[SqlTokenStore]:
    await create_schema(url)
    engine = create_engine(url)
    try:
        yield SqlTokenStore(session_factory(engine))
    finally:
        await engine.dispose()


@asynccontextmanager
async def redis_store() -> AsyncIterator[RedisTokenStore]:
    client = aioredis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"yk_test_{uuid.uuid4().hex[:10]}:"  # tests never share keys
    try:
        await client.ping()
    except Exception:  # pragma: no cover - depends on the machine
        await client.aclose()
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        yield RedisTokenStore(client, prefix=prefix)
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TokenStore]:
    if request.param == "redis":
        async with redis_store() as r:
            yield r
    elif request.param == "sqlite":
        async with sql_store(f"sqlite+aiosqlite:///{tmp_path}/kv.db") as s:
            yield s
    else:
        async with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url, sql_store(url) as s:
            yield s


async def test_four_processes_with_fifty_callers_fetch_one_token(
    wx: WeChatDouble, store: TokenStore
) -> None:
    clients = [wx.client(store) for _ in range(4)]
    tokens = await asyncio.gather(*(c.tokens.get() for c in clients for _ in range(50)))
    assert len(set(tokens)) == 1
    assert wx.emulator.token_fetches == 1
    assert sum(c.tokens.fetches for c in clients) == 1


async def test_a_token_refused_in_one_process_is_replaced_for_all(
    wx: WeChatDouble, store: TokenStore
) -> None:
    a, b = wx.client(store), wx.client(store)
    await a.send_text(USER, "一")
    await b.send_text(USER, "二")
    wx.emulator.tokens.clear()
    await a.send_text(USER, "三")  # 40001: a refreshes
    # b still holds the old token in memory: it is refused once, and b picks up a's new one.
    await b.send_text(USER, "四")
    assert wx.emulator.token_fetches == 2
    assert [m["text"] for m in wx.emulator.outbox(USER)] == ["一", "二", "三", "四"]


async def test_lock_is_exclusive_and_expires(store: TokenStore) -> None:
    assert await store.try_lock("k", "p1", ttl_s=0.3)
    assert not await store.try_lock("k", "p2", ttl_s=0.3)
    await asyncio.sleep(0.4)
    assert await store.try_lock("k", "p2", ttl_s=5)
    await store.unlock("k", "p1")  # not p1's any more: no effect
    assert not await store.try_lock("k", "p3", ttl_s=5)
    await store.unlock("k", "p2")
    assert await store.try_lock("k", "p3", ttl_s=5)


async def test_discard_only_removes_the_token_it_names(store: TokenStore) -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(hours=2)
    await store.put("t", StoredToken("old", at))
    await store.put("t", StoredToken("new", at))
    await store.discard("t", "old")
    assert await store.get("t") == StoredToken("new", at)
    await store.discard("t", "new")
    assert await store.get("t") is None
