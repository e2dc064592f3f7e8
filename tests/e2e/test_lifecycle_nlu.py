"""Lifecycle stories with the real embedded parser (trained once per session): what people
actually type, understood for real, end to end through `/wechat`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from domain.clock import FixedClock
from tests.e2e.test_lifecycle import MONDAY_10, World
from tests.support.harness import make_settings, running_chat
from tests.support.stories import request_story, seed_story_people


@pytest.fixture(scope="session")
def parser() -> Any:
    from nlu.backends import build_parser

    return build_parser("embedded", "")


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path, parser: Any) -> Any:
    settings = make_settings(sqlite_url, tmp_path)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=2, staff=2)
    clock = FixedClock(MONDAY_10)
    async with running_chat(settings, clock=clock, nlu=parser) as chat:
        yield World(chat, people, clock)


async def test_free_text_story_with_a_low_rating(world: World) -> None:
    w = world
    reply = await w.say(w.client, "帮我加急办个营业执照")
    assert "具体要办什么" in reply  # type and urgency came with the first message
    reply = await w.say(w.client, "新公司注册，名称已经核准了")
    assert "请确认" in reply and "加急" in reply and "营业执照" in reply
    reply = await w.say(w.client, "确认")
    assert "R1001" in reply
    first, second = w.people.staff
    replies = await asyncio.gather(w.say(first, "抢单 R1001"), w.say(second, "我接 R1001"))
    assert sum("抢单成功" in r for r in replies) == 1
    winner = first if "抢单成功" in replies[0] else second
    assert "已记录" in await w.say(winner, "进度 R1001 已提交工商局")
    assert "已提交工商局" in await w.say(w.client, "R1001到哪一步了")
    assert "已办结" in await w.say(winner, "完成 R1001")
    reply = await w.say(w.client, "差评")
    assert "还有什么想对我们说" in reply  # a score without an aspect rates both
    reply = await w.say(w.client, "办得太慢了，催了好几次")
    assert "跟进单号 C1001" in reply
    opened = await w.told(w.people.admins[0], "complaint_opened")
    assert len(opened) == 1 and "办得太慢了" in opened[0]["text"]


async def test_story_driver_works_with_the_real_parser(world: World) -> None:
    result = await request_story(world.chat, world.client, world.people.staff)
    assert result.number == "R1001" and result.turns == 12


async def test_client_asks_for_progress_and_accountant_in_words(world: World) -> None:
    w = world
    assert "没有在办" in await w.say(w.client, "查进度")
    reply = await w.say(w.client, "我的会计是谁")
    assert w.people.staff_names[w.people.staff[0]] in reply
    assert "已通知" in await w.say(w.client, "请会计给我回电")
