"""Wiring for everything that leaves the app: the WeChat API client, the outbox sender, and in
sandbox mode the WeChat emulator and chat simulator. `setup(app)` is called once by the app
factory; resources open and close in the `cleanup_ctx` it adds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.keys import (
    API_BASE,
    CLOCK,
    FIRM,
    PARTS,
    PIPELINE,
    POLICY,
    SENDER,
    SESSIONS,
    SETTINGS,
    TEMPLATES,
    TOKEN_PREFIX,
    WAKEUPS,
    WECHAT,
)
from bot.outbox.sender import OutboxPolicy, OutboxSender, SmsRoute
from bot.outbox.templates import load_templates
from bot.runtime.run_id import RUN_ID
from bot.settings import Settings, instance_name
from bot.wechat import WeChatClient
from bot.wechat.base import ApiBase
from bot.wechat.speech import SpeechToText
from bot.wechat.tencent_sms import SmsConfig, TencentSms
from domain.clock import Clock
from domain.notices import NoticeKind
from storage.leases import lease_holder, release_predecessors
from storage.tables.messaging import OutboxRow
from storage.tokens import RedisTokenStore, SqlTokenStore, TokenStore

log = logging.getLogger(__name__)

ALL_PARTS = frozenset({"outbox", "invoices", "jobs"})


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
        holder = lease_holder(instance_name(settings), RUN_ID)
        sender = OutboxSender(
            app[SESSIONS],
            client,
            app[TEMPLATES],
            app[CLOCK],
            app.get(POLICY) or OutboxPolicy(),
            holder=holder,
            firm_id=app[FIRM].id,
            sms=sms_route(http, settings, app[CLOCK]),
        )
        app[WECHAT] = client
        pipeline = app.get(PIPELINE)
        if pipeline is not None:
            pipeline.transcriber = SpeechToText(client)
        if "outbox" not in app.get(PARTS, ALL_PARTS):
            # A process that only reads invoice photos (say): it uses the API client, and
            # leaves sending to the processes that send.
            yield
            return
        taken = await release_predecessors(app[SESSIONS], OutboxRow, holder, app[CLOCK].now())
        if taken:
            log.info("took back %d notices this instance was sending when it stopped", taken)
        app[SENDER] = sender
        forget = app[WAKEUPS].after_turn(sender.poke)
        sender.start()
        try:
            yield
        finally:
            forget()
            await sender.stop()


def sms_route(http: aiohttp.ClientSession, settings: Settings, clock: Clock) -> SmsRoute | None:
    """Tencent Cloud SMS for contacts WeChat cannot reach, when configured (the sandbox: its
    emulator); 催费 is the kind that goes by SMS."""
    config = settings.sms_config
    if config is None:
        return None
    base, secret_id, secret_key, app_id, sign, fee_template = config
    gateway = TencentSms(http, SmsConfig(base, secret_id, secret_key, app_id, sign), clock)
    return SmsRoute(gateway, {NoticeKind.FEE_REMINDER.value: fee_template})


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[API_BASE] = ApiBase(settings.api_base)
    app[TEMPLATES] = load_templates(settings.data_dir, settings.sandbox)
    app.cleanup_ctx.append(outbound_ctx)
