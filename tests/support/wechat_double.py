"""The WeChat emulator alone on a loopback server, with users set by hand, and an API client
pointed at it: for testing the client's token and error-code policy in isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.emulator import Emulator
from bot.sandbox.users import UserState
from bot.wechat import WeChatClient
from domain.clock import FixedClock
from storage.tokens import StoredToken, TokenStore

APPID = "wx_test_app_0001"
SECRET = "test-secret"


class MemoryTokenStore:
    """A process-local TokenStore (what the database or Redis does across processes)."""

    def __init__(self) -> None:
        self.tokens: dict[str, StoredToken] = {}
        self.locks: dict[str, str] = {}

    async def get(self, key: str) -> StoredToken | None:
        return self.tokens.get(key)

    async def put(self, key: str, token: StoredToken) -> None:
        self.tokens[key] = token

    async def discard(self, key: str, value: str) -> None:
        if key in self.tokens and self.tokens[key].value == value:
            del self.tokens[key]

    async def try_lock(self, key: str, holder: str, ttl_s: float) -> bool:
        if key in self.locks:
            return False
        self.locks[key] = holder
        return True

    async def unlock(self, key: str, holder: str) -> None:
        if self.locks.get(key) == holder:
            del self.locks[key]


@dataclass
class Users:
    """Who the fake WeChat knows: openid -> state."""

    states: dict[str, UserState] = field(default_factory=dict)

    async def __call__(self, openid: str) -> UserState:
        return self.states.get(openid, UserState(False, False, None))

    def interacted(self, openid: str, at: datetime, subscribed: bool = True) -> None:
        self.states[openid] = UserState(True, subscribed, at)


@dataclass
class WeChatDouble:
    emulator: Emulator
    users: Users
    clock: FixedClock
    server: TestServer
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return str(self.server.make_url("/sandbox"))

    def client(self, store: TokenStore | None = None, **kwargs: object) -> WeChatClient:
        kwargs.setdefault("busy_delays", (0.01, 0.01, 0.01))
        kwargs.setdefault("timeout_s", 2.0)
        return WeChatClient(
            self.http,
            self.base,
            APPID,
            SECRET,
            store or MemoryTokenStore(),
            self.clock,
            **kwargs,  # type: ignore[arg-type]
        )


@asynccontextmanager
async def wechat_double(templates: set[str] | None = None) -> AsyncIterator[WeChatDouble]:
    clock = FixedClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    users = Users()
    ids = templates if templates is not None else {"TM_ok"}
    emulator = Emulator(APPID, SECRET, clock, users, lambda: ids)
    app = web.Application()
    emulator.setup(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield WeChatDouble(emulator, users, clock, server, http)
    finally:
        await server.close()
