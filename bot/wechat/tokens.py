"""The access token: one refresh at a time, across coroutines (an asyncio lock) and across
worker processes (a lease in the shared store), refreshed a few minutes before it expires."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.wechat.errors import WeChatUnavailable
from domain.clock import Clock
from storage.tokens import StoredToken, TokenStore

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[tuple[str, int]]]  # -> (token, expires_in seconds)


class AccessTokens:
    """`await tokens.get()` gives a valid token; `invalidate(token)` after WeChat rejected it."""

    def __init__(
        self,
        store: TokenStore,
        fetch: Fetch,
        clock: Clock,
        key: str,
        *,
        refresh_margin_s: float = 300.0,
        lock_ttl_s: float = 15.0,
        wait_s: float = 20.0,
    ) -> None:
        self._store = store
        self._fetch = fetch
        self._clock = clock
        self.key = key
        self._margin = timedelta(seconds=refresh_margin_s)
        self._lock_ttl_s = lock_ttl_s
        self._wait_s = wait_s
        self._local = asyncio.Lock()
        self._cached: StoredToken | None = None
        self._holder = secrets.token_hex(8)
        self.fetches = 0  # how many times this process asked WeChat for a token

    def _fresh(self, token: StoredToken | None) -> bool:
        return token is not None and token.expires_at - self._margin > self._clock.now()

    async def get(self) -> str:
        if self._cached is not None and self._fresh(self._cached):
            return self._cached.value
        async with self._local:  # coroutines of this process queue here
            if self._cached is not None and self._fresh(self._cached):
                return self._cached.value
            token = await self._shared()
            self._cached = token
            return token.value

    async def _shared(self) -> StoredToken:
        deadline = time.monotonic() + self._wait_s
        pause = 0.02
        while True:
            stored = await self._store.get(self.key)
            if self._fresh(stored):
                assert stored is not None
                return stored
            if await self._store.try_lock(self.key, self._holder, self._lock_ttl_s):
                try:
                    stored = await self._store.get(self.key)  # someone may have just refreshed
                    if self._fresh(stored):
                        assert stored is not None
                        return stored
                    value, expires_in = await self._fetch()
                    self.fetches += 1
                    token = StoredToken(value, self._clock.now() + timedelta(seconds=expires_in))
                    await self._store.put(self.key, token)
                    log.info("fetched a new access token (expires in %ss)", expires_in)
                    return token
                finally:
                    await self._store.unlock(self.key, self._holder)
            # Another process is refreshing: wait for its token to appear.
            if time.monotonic() > deadline:
                raise WeChatUnavailable("timed out waiting for another process's token refresh")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)

    async def invalidate(self, value: str) -> None:
        if self._cached is not None and self._cached.value == value:
            self._cached = None
        await self._store.discard(self.key, value)
