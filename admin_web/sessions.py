"""Server-side sessions for the panel, through aiohttp-session.

Why a storage class of our own: aiohttp-session's cookie storages keep the session in the
browser, so logging out cannot revoke a copy of the cookie; its Redis storage keys Redis by the
raw cookie value and leaves the pre-login entry alive when the session is rotated; and it has
no storage over SQL. This one keeps each session in `storage.panel_sessions` (the table, or
Redis when REDIS_URL is set) under the SHA-256 of a 256-bit random token, deletes the old entry
when the session is rotated at login, and deletes the entry at logout, so a cookie reused
afterwards finds nothing.

Expiry is ours too: an entry lives `idle_timeout` past its last save (the guard saves again
while someone works) and never past `absolute_timeout` from login, whatever the clock says to
aiohttp-session (which is given no max age and keeps none).
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from aiohttp_session import AbstractStorage, Session, get_session, new_session

from domain.clock import Clock
from domain.staff_access import new_token, token_digest
from storage.panel_sessions import SessionStore

# aiohttp-session keeps the session on the request under a plain string key, which aiohttp
# 3.14 warns about on every first use; the key is the library's, not ours to change.
warnings.filterwarnings("ignore", category=NotAppKeyWarning, module="aiohttp_session")

COOKIE = "yk_admin"
# A token longer than any we issue is nobody's: not worth hashing or looking up.
MAX_TOKEN = 64


class ServerSideStorage(AbstractStorage):
    def __init__(
        self,
        store: SessionStore,
        clock: Clock,
        *,
        secure: bool,
        path: str,
        idle_timeout: timedelta,
        absolute_timeout: timedelta,
    ) -> None:
        # No max_age: a browser-session cookie; the server decides when a session ends.
        super().__init__(
            cookie_name=COOKIE, path=path, secure=secure, httponly=True, samesite="Lax"
        )
        self.store = store
        self.clock = clock
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout

    async def new_session(self) -> Session:
        return Session(None, data=None, new=True)

    async def load_session(self, request: web.Request) -> Session:
        token = self.load_cookie(request)
        if not token or len(token) > MAX_TOKEN:
            return Session(None, data=None, new=True)
        data = await self.store.get(token_digest(token), self.clock.now())
        if not data:
            return Session(None, data=None, new=True)
        return Session(token, data={"session": data}, new=False)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        token = session.identity
        if session.empty:
            if token:
                await self.store.delete(token_digest(str(token)))
            self.save_cookie(response, "")
            return
        if token is None:
            token = new_token()
            session.set_new_identity(token)
        data = dict(session)
        await self.store.put(
            token_digest(str(token)), data, self.clock.now(), self.expires_at(data)
        )
        self.save_cookie(response, str(token))

    def expires_at(self, data: dict[str, Any]) -> datetime:
        now = self.clock.now()
        login_at = datetime.fromtimestamp(float(data.get("login_at", now.timestamp())), UTC)
        return min(now + self.idle_timeout, login_at + self.absolute_timeout)

    async def forget(self, session: Session) -> None:
        """Delete a session's entry now (rotation at login)."""
        if session.identity:
            await self.store.delete(token_digest(str(session.identity)))


async def rotate(request: web.Request, storage: ServerSideStorage) -> Session:
    """A fresh session with a new token in place of the request's, whose entry is deleted: a
    token planted before login (session fixation) is worth nothing after it."""
    old = await get_session(request)
    await storage.forget(old)
    return await new_session(request)
