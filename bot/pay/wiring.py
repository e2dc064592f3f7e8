"""Wiring for WeChat Pay: the notification routes, and the client in a `cleanup_ctx` of its
own (its own HTTP session: WeChat Pay is another host with other timeouts). `setup(app, keys)`
is called once by the app factory, with the keys of a configured merchant or the sandbox's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.keys import CLOCK, PAY, PAY_KEYS, PAY_STATS, SETTINGS
from bot.pay import notify
from bot.pay.client import WeChatPayClient
from bot.wechat.pay_protocol import PayKeys


async def pay_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as http:
        app[PAY] = WeChatPayClient(
            http,
            settings.pay_api_base,
            app[PAY_KEYS],
            settings.wechat_appid,
            settings.pay_notify_url,
            settings.pay_refund_notify_url,
            app[CLOCK],
        )
        yield


def setup(app: web.Application, keys: PayKeys) -> None:
    app[PAY_KEYS] = keys
    app[PAY_STATS] = notify.PayStats()
    app.cleanup_ctx.append(pay_ctx)
    app.router.add_post("/pay/notify", notify.pay_notify)
    app.router.add_post("/pay/refund-notify", notify.refund_notify)
