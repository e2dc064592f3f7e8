"""The sandbox as a newcomer uses it: the simulator page and its JSON API, which post real
signed, encrypted XML to `/wechat` and read back what WeChat delivered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.keys import WECHAT
from bot.settings import Settings
from bot.wechat.menu import click_keys, menu_json
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox


@pytest.fixture
async def sandbox(sqlite_url: str, tmp_path: Path) -> AsyncIterator[SandboxChat]:
    router = Router("probe")
    wechat: dict[str, Any] = {}  # the app's API client, once the app exists (handlers get none)

    @router.intent("check_progress")
    async def progress(turn: Turn) -> list[Reply]:
        return [Text(f"菜单：{turn.message.event_key}")]

    @router.message_type("image")
    async def photo(turn: Turn) -> list[Reply]:
        media = await wechat["client"].download_media(turn.message.media_id)
        return [Text(f"收到图片 {len(media.content)} 字节 {media.content_type}")]

    async with running_sandbox(make_settings(sqlite_url, tmp_path), routers=[router]) as chat:
        wechat["client"] = chat.app[WECHAT]
        yield chat


async def api(chat: SandboxChat, method: str, path: str, **kwargs: Any) -> Any:
    async with chat.session.request(method, str(chat.server.make_url(path)), **kwargs) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_simulator_page_is_served_in_chinese(sandbox: SandboxChat) -> None:
    async with sandbox.session.get(str(sandbox.server.make_url("/sandbox/"))) as resp:
        page = await resp.text()
    assert resp.status == 200 and "聊天模拟器" in page and "/sandbox/api/send" in page
    people = await api(sandbox, "GET", "/sandbox/api/people")
    assert {p["openid"] for p in people} >= {"o_demo_chen", "o_demo_wang", "o_sandbox_stranger"}


async def test_typed_text_goes_through_wechat_and_the_reply_comes_back(
    sandbox: SandboxChat,
) -> None:
    res = await api(sandbox, "POST", "/sandbox/api/send", json={"openid": "o_x", "text": "你好"})
    assert res["status"] == 200
    assert res["reply"]["kind"] == "text" and "绑定" in res["reply"]["text"]
    async with sandbox.sessions() as s:
        from sqlalchemy import select

        from storage.tables.messaging import InboundRow

        row = (await s.scalars(select(InboundRow))).one()
    assert row.openid == "o_x" and row.payload["Content"] == "你好"  # it came in as WeChat XML


async def test_menu_click_sends_a_click_event_with_the_intent_key(sandbox: SandboxChat) -> None:
    menu = await api(sandbox, "GET", "/sandbox/api/menu")
    assert menu == menu_json()
    assert "check_progress" in click_keys()
    res = await api(
        sandbox,
        "POST",
        "/sandbox/api/send",
        json={"openid": "o_x", "event": "CLICK", "key": "check_progress"},
    )
    assert res["reply"]["text"] == "菜单：check_progress"


async def test_an_uploaded_photo_reaches_the_bot_as_wechat_media(sandbox: SandboxChat) -> None:
    form = aiohttp.FormData()
    form.add_field("openid", "o_x")
    form.add_field(
        "file", b"\xff\xd8\xff" + b"0" * 1000, filename="fapiao.jpg", content_type="image/jpeg"
    )
    res = await api(sandbox, "POST", "/sandbox/api/image", data=form)
    assert res["reply"]["text"] == "收到图片 1003 字节 image/jpeg"


async def test_fault_switch_makes_wechat_fail_until_cleared(sandbox: SandboxChat) -> None:
    await sandbox.say("o_x", "你好")
    await api(sandbox, "POST", "/sandbox/api/faults", json={"mode": "500", "seconds": 30})
    await sandbox.sender.stop()
    from bot.wechat import WeChatError

    with pytest.raises(WeChatError):
        await sandbox.client.send_text("o_x", "x")
    await api(sandbox, "DELETE", "/sandbox/api/faults")
    await sandbox.client.send_text("o_x", "恢复了")
    assert [m["text"] for m in await sandbox.outbox_json("o_x")] == ["恢复了"]


async def test_late_answer_is_pushed_fast_even_with_a_slow_poll(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The pipeline pokes the sender when it queues a late answer: no waiting for the poll."""
    from bot.outbox.sender import OutboxPolicy

    router = Router("slow")

    @router.intent("greet")
    async def slow(turn: Turn) -> list[Reply]:
        await asyncio.sleep(0.3)
        return [Text("慢慢来的答复")]

    settings = make_settings(sqlite_url, tmp_path, reply_budget_s=0.1)
    policy = OutboxPolicy(poll_s=30)
    async with running_sandbox(settings, policy=policy, routers=[router]) as chat:
        await asyncio.sleep(0.1)  # the sender's first (empty) drain, then a 30 s sleep
        assert await chat.say("o_slow", "你好") is None
        loop = asyncio.get_running_loop()
        started = loop.time()
        # Without the poke the answer would wait for the 30 s poll; a loaded CI machine can take
        # a few seconds for the token fetch and the send, so the bound is a third of the poll.
        await chat.wait_for(lambda: chat.emulator.outbox("o_slow"), within=10)
        assert loop.time() - started < 10


async def test_menu_publish_command_posts_to_the_running_sandbox(
    sandbox: SandboxChat, tmp_path: Path
) -> None:
    from bot.cli.menu import publish

    sandbox.emulator.menu = None
    settings: Settings = sandbox.settings.with_(wechat_api_base=sandbox.base())
    result = await publish(settings, menu_json())
    assert result == {"published": True, "buttons": 3, "api_base": sandbox.base()}
    assert sandbox.emulator.menu == menu_json()
    bad = {"button": [{"type": "click", "name": "太长的菜单名字超过五个字", "key": "help"}]}
    result = await publish(settings, bad)
    assert result["published"] is False and result["errcode"] == 40018
    assert json.dumps(sandbox.emulator.menu, ensure_ascii=False).count("我要办事") == 1


async def test_demo_staff_who_never_wrote_get_a_template_push(sandbox: SandboxChat) -> None:
    """The demo people follow the account: outside a window they get template messages."""
    from datetime import UTC, datetime

    from storage.outbox import queue_notices
    from storage.uow import SqlUnitOfWork
    from tests.support.notices import Worded

    async with SqlUnitOfWork(sandbox.sessions) as uow:
        now = datetime.now(UTC)
        rows = [
            Worded("o_demo_wang", "request_raised", "新业务 R1001：营业执照变更").row(now),
            Worded("o_never_seen", "request_raised", "x").row(now),
        ]
        await queue_notices(uow.session, rows)
        await uow.commit()
    sandbox.sender.poke()
    await sandbox.wait_for(lambda: sandbox.emulator.outbox("o_demo_wang"))
    [item] = await sandbox.outbox_json("o_demo_wang")
    assert item["kind"] == "template" and item["data"]["first"] == "新业务 R1001：营业执照变更"
