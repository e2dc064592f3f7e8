"""The app with its WeChat emulator on one loopback server, for outbound tests: set the outbox
policy (fast backoff), the clock and the templates, then chat and read what WeChat delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.keys import EMULATOR, POLICY, SENDER, TEMPLATES, WECHAT
from bot.outbox.sender import OutboxPolicy, OutboxSender
from bot.outbox.templates import StaticTemplateBook
from bot.sandbox.courier import Courier
from bot.sandbox.emulator import Emulator
from bot.settings import Settings
from bot.wechat import WeChatClient
from domain.clock import FixedClock
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import Chat, close_server, sandboxed_server

FAST = OutboxPolicy(
    batch=50,
    concurrency=8,
    lease_s=30,
    poll_s=0.05,
    backoff_base_s=0.02,
    backoff_cap_s=0.2,
    max_attempts=8,
    stop_grace_s=5,
)


@dataclass
class SandboxChat(Chat):
    @property
    def emulator(self) -> Emulator:
        return self.app[EMULATOR]

    @property
    def sender(self) -> OutboxSender:
        return self.app[SENDER]

    @property
    def client(self) -> WeChatClient:
        return self.app[WECHAT]

    def base(self) -> str:
        return str(self.server.make_url("/sandbox"))

    async def outbox_json(self, openid: str) -> list[dict[str, Any]]:
        async with self.session.get(
            str(self.server.make_url("/sandbox/api/outbox")), params={"openid": openid}
        ) as resp:
            assert resp.status == 200
            data: list[dict[str, Any]] = await resp.json()
            return data

    async def wait_for(self, check: Callable[[], Any], within: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            if loop.time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)


@asynccontextmanager
async def running_sandbox(
    settings: Settings,
    *,
    policy: OutboxPolicy = FAST,
    clock: FixedClock | None = None,
    templates: StaticTemplateBook | None = None,
    configure: Callable[[Any], None] | None = None,
    **app_kwargs: Any,
) -> AsyncIterator[SandboxChat]:
    app_kwargs.setdefault("nlu", KeywordNLU())
    app, server = sandboxed_server(settings, clock=clock, **app_kwargs)
    app[POLICY] = policy
    if templates is not None:
        app[TEMPLATES] = templates
    if configure is not None:
        configure(app)
    await server.start_server()
    courier = Courier(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
    if clock is not None:
        sign = courier.sign

        def sign_at_clock(xml: str, timestamp: int | None = None, openid: str = "") -> Any:
            return sign(xml, timestamp or int(clock.now().timestamp()), openid)

        courier.sign = sign_at_clock  # type: ignore[method-assign]
    async with aiohttp.ClientSession() as session:
        try:
            yield SandboxChat(server, session, courier, settings, clock)
        finally:
            await close_server(server)
    await asyncio.sleep(0)
