"""Where the WeChat access token is shared between worker processes.

WeChat keeps one valid access token per AppID (a new one retires the old one after about five
minutes), so every process must use the same token and only one of them may fetch a new one at
a time. Two interchangeable stores: the `kv` table (a lease row is the cross-process lock), or
Redis when `REDIS_URL` is set (`SET NX PX` is the lock).

Token expiry is judged by the caller's clock (the sandbox and tests move it); lock leases use
wall time, because a stuck lock must expire even when a test has frozen the business clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables.messaging import KeyValueRow


@dataclass(frozen=True)
class StoredToken:
    value: str
    expires_at: datetime  # when WeChat stops accepting it


class TokenStore(Protocol):
    async def get(self, key: str) -> StoredToken | None: ...
    async def put(self, key: str, token: StoredToken) -> None: ...
    async def discard(self, key: str, value: str) -> None:
        """Forget the token, but only if it is still `value` (another process may have
        replaced it already)."""
        ...

    async def try_lock(self, key: str, holder: str, ttl_s: float) -> bool: ...
    async def unlock(self, key: str, holder: str) -> None: ...


def _wall() -> datetime:
    return datetime.now(UTC)


class SqlTokenStore:
    """The token in the `kv` table: row `key` holds it, row `lock:key` is the refresh lease."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, key: str) -> StoredToken | None:
        async with self._sessions() as s:
            row = await s.get(KeyValueRow, key)
            if row is None or row.expires_at is None:
                return None
            return StoredToken(row.value, row.expires_at)

    async def put(self, key: str, token: StoredToken) -> None:
        async with self._sessions() as s, s.begin():
            row = await s.get(KeyValueRow, key)
            if row is None:
                s.add(KeyValueRow(key=key, value=token.value, expires_at=token.expires_at))
            else:
                row.value, row.expires_at = token.value, token.expires_at

    async def discard(self, key: str, value: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(
                delete(KeyValueRow).where(KeyValueRow.key == key, KeyValueRow.value == value)
            )

    async def try_lock(self, key: str, holder: str, ttl_s: float) -> bool:
        lock_key = f"lock:{key}"
        now = _wall()
        until = now + timedelta(seconds=ttl_s)
        async with self._sessions() as s:
            # Take over an expired lease with one conditional UPDATE; else try to create it.
            async with s.begin():
                taken = await s.execute(
                    update(KeyValueRow)
                    .where(KeyValueRow.key == lock_key, KeyValueRow.expires_at < now)
                    .values(value=holder, expires_at=until)
                )
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
            try:
                async with s.begin():
                    s.add(KeyValueRow(key=lock_key, value=holder, expires_at=until))
            except IntegrityError:
                return False
            return True

    async def unlock(self, key: str, holder: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(
                delete(KeyValueRow).where(
                    KeyValueRow.key == f"lock:{key}", KeyValueRow.value == holder
                )
            )


# Delete only when the value still matches: an atomic compare-and-delete.
_DEL_IF = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisTokenStore:
    """The token in Redis (a JSON value with its expiry), the lock as `SET NX PX`."""

    def __init__(self, redis: Any, prefix: str = "yunkuaiji:") -> None:
        self._r = redis
        self._prefix = prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> StoredToken | None:
        raw = await self._r.get(self._k(key))
        if raw is None:
            return None
        data = json.loads(raw)
        return StoredToken(data["value"], datetime.fromisoformat(data["expires_at"]))

    async def put(self, key: str, token: StoredToken) -> None:
        raw = json.dumps({"value": token.value, "expires_at": token.expires_at.isoformat()})
        await self._r.set(self._k(key), raw)

    async def discard(self, key: str, value: str) -> None:
        raw = await self._r.get(self._k(key))
        if raw is not None and json.loads(raw)["value"] == value:
            await self._r.eval(_DEL_IF, 1, self._k(key), raw)

    async def try_lock(self, key: str, holder: str, ttl_s: float) -> bool:
        ok = await self._r.set(self._k(f"lock:{key}"), holder, nx=True, px=int(ttl_s * 1000))
        return bool(ok)

    async def unlock(self, key: str, holder: str) -> None:
        await self._r.eval(_DEL_IF, 1, self._k(f"lock:{key}"), holder)
