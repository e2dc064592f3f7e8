"""Outbound, end to end: the real app and its WeChat emulator on loopback HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from storage.tables.messaging import OutboxRow
from tests.support.harness import make_settings
from tests.support.outbound import running_sandbox


async def test_answer_slower_than_budget_reaches_the_user_through_the_outbox(
    sqlite_url: str, tmp_path: Path
) -> None:
    router = Router("slow")

    @router.intent("greet")
    async def slow(turn: Turn) -> list[Reply]:
        await asyncio.sleep(0.6)
        return [Text("久等了，这是您的答复")]

    settings = make_settings(sqlite_url, tmp_path, reply_budget_s=0.2)
    async with running_sandbox(settings, routers=[router]) as chat:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await chat.say("o_slow", "你好") is None  # WeChat got `success`...
        assert loop.time() - started < 1.0  # ...well inside its 5 seconds
        assert await chat.outbox_json("o_slow") == []

        async def arrived() -> list[dict[str, Any]]:
            return await chat.outbox_json("o_slow")

        await chat.wait_for(arrived)
        items = await chat.outbox_json("o_slow")
        assert [(i["kind"], i["text"]) for i in items] == [("text", "久等了，这是您的答复")]
        assert items[0]["time"].startswith("20")
        async with chat.sessions() as s:
            row = (await s.scalars(select(OutboxRow))).one()
        assert (row.status, row.channel, row.attempts) == ("sent", "custom", 1)


async def test_with_redis_url_the_token_is_shared_through_redis(
    sqlite_url: str, tmp_path: Path
) -> None:
    import uuid

    import redis.asyncio as aioredis

    from bot.keys import TOKEN_PREFIX

    prefix = f"yk_test_{uuid.uuid4().hex[:10]}:"
    settings = make_settings(sqlite_url, tmp_path, redis_url="redis://127.0.0.1:6379/0")

    def configure(app: Any) -> None:
        app[TOKEN_PREFIX] = prefix

    r = aioredis.from_url("redis://127.0.0.1:6379/0")
    try:
        async with running_sandbox(settings, configure=configure) as chat:
            await chat.say("o_r", "你好")
            await chat.client.send_text("o_r", "经由 Redis 的令牌")
            keys = [k async for k in r.scan_iter(match=prefix + "*")]
            assert keys == [f"{prefix}wechat_token:{settings.wechat_appid}".encode()]
            async with chat.sessions() as s:
                from storage.tables.messaging import KeyValueRow

                assert (await s.scalars(select(KeyValueRow))).all() == []
    finally:
        keys = [k async for k in r.scan_iter(match=prefix + "*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()
