"""Which (timestamp, nonce, signature) triples WeChat has used, with a digest of the body each
came with, for the 5-minute freshness window.

In 明文模式 the signature covers token, timestamp and nonce only, never the body. Whoever sees one
callback URL (a proxy log, an APM tool, a screenshot) could post any body with it while the
timestamp is fresh. Remembering the body that first came with each triple closes that door: a
second body under the same triple is refused, while WeChat's own retry (the same request, the
same body) is let through, so the dedup log can return its stored reply.

Two interchangeable stores, like the access token's: the `kv` table, or Redis (`SET NX EX`)
when `REDIS_URL` is set, so that every worker process shares one memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables.messaging import KeyValueRow

PREFIX = "nonce:"
# Expired triples are swept by the inserting request every this many admissions.
SWEEP_EVERY = 500


class NonceMemory(Protocol):
    async def admit(self, triple: str, body_digest: str, now: datetime, ttl_s: int) -> bool:
        """True when `triple` is new, or was seen with this same body (a retry)."""
        ...


class SqlNonceMemory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._admitted = 0

    async def admit(self, triple: str, body_digest: str, now: datetime, ttl_s: int) -> bool:
        key = PREFIX + triple
        async with self._sessions() as s:
            dialect = s.bind.dialect.name if s.bind is not None else "sqlite"
            module: Any = postgresql if dialect == "postgresql" else sqlite
            stmt = (
                module.insert(KeyValueRow)
                .values(key=key, value=body_digest, expires_at=now + timedelta(seconds=ttl_s))
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(KeyValueRow.key)
            )
            inserted = (await s.execute(stmt)).scalar_one_or_none() is not None
            self._admitted += 1
            if self._admitted % SWEEP_EVERY == 0:
                await s.execute(
                    delete(KeyValueRow).where(
                        KeyValueRow.key.startswith(PREFIX), KeyValueRow.expires_at < now
                    )
                )
            await s.commit()
            if inserted:
                return True
            seen = await s.scalar(select(KeyValueRow.value).where(KeyValueRow.key == key))
            return seen == body_digest


class RedisNonceMemory:
    def __init__(self, redis: Any, prefix: str = "yunkuaiji:") -> None:
        self._redis = redis
        self._prefix = prefix + PREFIX

    async def admit(self, triple: str, body_digest: str, now: datetime, ttl_s: int) -> bool:
        key = self._prefix + triple
        if await self._redis.set(key, body_digest, nx=True, ex=ttl_s):
            return True
        seen = await self._redis.get(key)
        if isinstance(seen, bytes):
            seen = seen.decode()
        return bool(seen == body_digest)
