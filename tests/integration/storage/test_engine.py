"""The SQLite engine: statements run on the event loop's thread, one connection, WAL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage.engine import InlineSqliteConnection, create_engine


async def test_sqlite_statements_run_inline_without_yielding(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/e.db")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineSqliteConnection)
            ran: list[int] = []
            asyncio.get_running_loop().call_soon(ran.append, 1)
            await conn.execute(text("SELECT 1"))
            assert ran == []  # no thread round trip: the loop never got control back
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            assert mode == "wal"
    finally:
        await engine.dispose()


async def test_one_sqlite_connection_is_shared_in_turn(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/e.db")
    order: list[str] = []

    async def use(name: str) -> None:
        async with engine.connect() as conn:
            order.append(f"{name}+")
            await asyncio.sleep(0.01)
            await conn.execute(text("SELECT 1"))
            order.append(f"{name}-")

    try:
        await asyncio.gather(use("a"), use("b"))
    finally:
        await engine.dispose()
    assert order in (["a+", "a-", "b+", "b-"], ["b+", "b-", "a+", "a-"])
