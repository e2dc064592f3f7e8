"""The panel's server-side sessions, in the table (SQLite, PostgreSQL) and in Redis: kept
until their expiry, gone at once when deleted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from storage.engine import create_engine, session_factory
from storage.panel_sessions import RedisSessionStore, SessionStore, SqlSessionStore

NOW = datetime.now(UTC)


@pytest.fixture(params=["sql", "redis"])
async def store(request: pytest.FixtureRequest, db_url: str) -> AsyncIterator[SessionStore]:
    if request.param == "sql":
        engine = create_engine(db_url)
        try:
            yield SqlSessionStore(session_factory(engine))
        finally:
            await engine.dispose()
        return
    client = aioredis.from_url("redis://127.0.0.1:6379/0")
    try:
        await client.ping()
    except Exception:  # pragma: no cover - depends on the machine
        await client.aclose()
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"yk_test_{uuid.uuid4().hex[:10]}:"
    try:
        yield RedisSessionStore(client, prefix=prefix)
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_a_session_is_kept_updated_and_deleted(store: SessionStore) -> None:
    await store.put("a" * 64, {"staff": 1, "csrf": "t"}, NOW, NOW + timedelta(minutes=30))
    assert await store.get("a" * 64, NOW) == {"staff": 1, "csrf": "t"}
    await store.put("a" * 64, {"staff": 1, "csrf": "u"}, NOW, NOW + timedelta(minutes=30))
    assert await store.get("a" * 64, NOW) == {"staff": 1, "csrf": "u"}
    assert await store.get("b" * 64, NOW) is None
    await store.delete("a" * 64)
    assert await store.get("a" * 64, NOW) is None


async def test_an_expired_session_is_not_found(store: SessionStore) -> None:
    soon = datetime.now(UTC)
    await store.put("c" * 64, {"staff": 2}, soon, soon + timedelta(milliseconds=50))
    later = soon + timedelta(seconds=1)
    if isinstance(store, RedisSessionStore):
        import asyncio

        await asyncio.sleep(0.2)  # Redis expires by its own clock
    assert await store.get("c" * 64, later) is None


async def test_the_table_drops_expired_sessions_as_new_ones_come(db_url: str) -> None:
    engine = create_engine(db_url)
    store = SqlSessionStore(session_factory(engine))
    try:
        await store.put("d" * 64, {"staff": 3}, NOW, NOW + timedelta(minutes=1))
        later = NOW + timedelta(minutes=2)
        await store.put("e" * 64, {"staff": 4}, later, later + timedelta(minutes=30))
        assert await store.get("d" * 64, NOW) is None  # gone, not just hidden
        assert await store.get("e" * 64, later) == {"staff": 4}
    finally:
        await engine.dispose()
