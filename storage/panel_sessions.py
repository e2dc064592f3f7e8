"""Where the web panel's sessions live on the server: the `panel_sessions` table, or Redis when
REDIS_URL is set. Both are keyed by the SHA-256 of the cookie's token, never the token itself,
and both forget a session at its expiry, which its owner pushes on while they keep working."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables.staff_access import PanelSessionRow


class SessionStore(Protocol):
    async def get(self, digest: str, now: datetime) -> dict[str, Any] | None: ...
    async def put(
        self, digest: str, data: dict[str, Any], now: datetime, expires_at: datetime
    ) -> None: ...
    async def delete(self, digest: str) -> None: ...


class SqlSessionStore:
    """Sessions in the database, each operation its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, digest: str, now: datetime) -> dict[str, Any] | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(PanelSessionRow.data).where(
                    PanelSessionRow.digest == digest, PanelSessionRow.expires_at > now
                )
            )

    async def put(
        self, digest: str, data: dict[str, Any], now: datetime, expires_at: datetime
    ) -> None:
        async with self._sessions() as s, s.begin():
            done = await s.execute(
                update(PanelSessionRow)
                .where(PanelSessionRow.digest == digest)
                .values(data=data, expires_at=expires_at)
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                # A new session: a good moment to drop the ones that have run out.
                await s.execute(delete(PanelSessionRow).where(PanelSessionRow.expires_at <= now))
                s.add(PanelSessionRow(digest=digest, data=data, expires_at=expires_at))

    async def delete(self, digest: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(delete(PanelSessionRow).where(PanelSessionRow.digest == digest))


class RedisSessionStore:
    """Sessions in Redis (shared by every worker), expiring by Redis's own TTL."""

    def __init__(self, redis: Any, prefix: str = "yk:panel-session:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def get(self, digest: str, now: datetime) -> dict[str, Any] | None:
        raw = await self._redis.get(self._prefix + digest)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        return data

    async def put(
        self, digest: str, data: dict[str, Any], now: datetime, expires_at: datetime
    ) -> None:
        ttl_ms = max(1, int((expires_at - now).total_seconds() * 1000))
        await self._redis.set(self._prefix + digest, json.dumps(data), px=ttl_ms)

    async def delete(self, digest: str) -> None:
        await self._redis.delete(self._prefix + digest)
