"""PostgreSQL connections are not pinged on every checkout (three round trips with asyncpg);
a pooled connection the server closed is not handed out once the event loop has read the
server's goodbye. (A checkout racing that read gets the closed connection: its statement
fails, the connection is discarded, and the webhook keeps that message in its journal.)"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.engine import create_engine


async def test_a_connection_the_server_closed_is_replaced_at_checkout(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to close connections")
    engine = create_engine(db_url)
    other = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        # The pooled connection is idle; the server ends it (as a restart would).
        async with other.connect() as admin:
            assert await admin.scalar(text(f"SELECT pg_terminate_backend({int(pid)})"))
        await asyncio.sleep(0.2)  # asyncpg learns of the closed socket on the loop
        for _ in range(50):
            async with engine.connect() as conn:
                new_pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            if new_pid != pid:
                break
        assert new_pid != pid
        assert engine.pool.status()  # still a working pool
    finally:
        await engine.dispose()
        await other.dispose()
