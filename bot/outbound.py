"""Wiring for everything that leaves the app: the WeChat API client, the outbox sender, and in
sandbox mode the WeChat emulator and chat simulator. `setup(app)` is called once by the app
factory; resources open and close in the `cleanup_ctx` it adds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.appkeys import CLOCK, PIPELINE, SERVICES, SESSIONS, SETTINGS
from bot.outbox_sender import OutboxPolicy, OutboxSender
from bot.outbox_templates import TemplateBook, load_templates
from bot.wechat_api import WeChatClient
from bot.wechat_api.base import ApiBase
from storage.tokens import RedisTokenStore, SqlTokenStore, TokenStore

log = logging.getLogger(__name__)

API_BASE = web.AppKey("wechat_api_base", ApiBase)
WECHAT = web.AppKey("wechat_client", WeChatClient)
SENDER = web.AppKey("outbox_sender", OutboxSender)
TEMPLATES: web.AppKey[TemplateBook] = web.AppKey("templates")
# Tests and the benchmark may set these before the app starts.
POLICY = web.AppKey("outbox_policy", OutboxPolicy)
TOKEN_PREFIX = web.AppKey("token_key_prefix", str)


def learn_api_base(app: web.Application, server_url: str) -> None:
    """A sandboxed app on a random port (tests, benchmark) learns where its emulator is."""
    settings = app[SETTINGS]
    if settings.sandbox and not settings.wechat_api_base:
        app[API_BASE].learn(server_url.rstrip("/") + "/sandbox")


@asynccontextmanager
async def token_store(app: web.Application) -> AsyncIterator[TokenStore]:
    """Redis when `REDIS_URL` is set, else the `kv` table."""
    settings = app[SETTINGS]
    if settings.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis_url)
        try:
            yield RedisTokenStore(redis, prefix=app.get(TOKEN_PREFIX, "yunkuaiji:"))
        finally:
            await redis.aclose()
    else:
        yield SqlTokenStore(app[SESSIONS])


async def outbound_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as http, token_store(app) as store:
        client = WeChatClient(
            http, app[API_BASE], settings.wechat_appid, settings.wechat_secret, store, app[CLOCK]
        )
        sender = OutboxSender(
            app[SESSIONS], client, app[TEMPLATES], app[CLOCK], app.get(POLICY) or OutboxPolicy()
        )
        app[WECHAT] = client
        app[SENDER] = sender
        app[SERVICES]["wechat"] = client  # handlers reach it through `turn.ports.extra`
        app[SERVICES]["outbox_sender"] = sender
        app[PIPELINE].on_late = sender.poke
        sender.start()
        try:
            yield
        finally:
            await sender.stop()


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[API_BASE] = ApiBase(settings.api_base)
    app[TEMPLATES] = load_templates(settings.data_dir, settings.sandbox)
    app.cleanup_ctx.append(outbound_ctx)
    if settings.sandbox:
        from bot.sandbox import web as sandbox_web

        sandbox_web.setup(app)
