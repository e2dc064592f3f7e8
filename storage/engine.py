"""Engines and sessions: SQLite (WAL, one file under ./var/) by default, PostgreSQL via asyncpg."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite, minus the worker thread for statements: each call runs on the event loop's
    thread. A statement on a local WAL database takes microseconds; the round trip through a
    thread costs more and, worse, lets other tasks run while the one transaction holding the
    single SQLite connection waits to be resumed, so holders queue behind everyone else.
    (The thread still opens and closes the connection.)"""

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_connect(database: str, **kwargs: Any) -> InlineSqliteConnection:
    kwargs["check_same_thread"] = False
    chunk = int(kwargs.pop("iter_chunk_size", 64))

    def connector() -> sqlite3.Connection:
        conn: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return conn

    conn = InlineSqliteConnection(connector, chunk)
    conn._thread.daemon = True
    return conn


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, echo: bool = False) -> AsyncEngine:
    """An engine for `url`, creating the SQLite file's folder when needed."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 10, "async_creator_fn": _inline_connect}
        # SQLite has one writer. Queue for the one connection in asyncio rather than in
        # SQLite's busy handler, which sleeps in steps of up to 100 ms.
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    else:
        # No `pool_pre_ping`: for asyncpg it is three round trips (BEGIN, ";", ROLLBACK) on
        # every checkout, a third of a webhook turn's. A connection the server closed (a
        # restart) is noticed without a round trip at checkout (`_drop_closed`); one that
        # fails in use is a disconnect, which makes SQLAlchemy replace the whole pool, and the
        # webhook keeps that message in its journal; `pool_recycle` retires idle ones before
        # a proxy or firewall would drop them.
        kwargs.update(pool_size=10, max_overflow=10, pool_recycle=1800)
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine, "checkout", _drop_closed)
    return engine


def _drop_closed(_dbapi_conn: Any, _record: Any, proxy: Any) -> None:
    """A pooled asyncpg connection whose socket the server closed (asyncpg saw the end of
    the stream) is not handed out: the pool opens a fresh one instead."""
    is_closed = getattr(proxy.driver_connection, "is_closed", None)
    if is_closed is not None and is_closed():
        raise exc.DisconnectionError("connection closed by the server")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
