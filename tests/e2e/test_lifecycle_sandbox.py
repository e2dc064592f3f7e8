"""Lifecycle stories in the full sandbox: the outbox sender delivers through the WeChat emulator
and the test reads what each person received from `GET /sandbox/api/outbox?openid=`. Also: the
scheduler starts with the app, works due timers on its own, and stops with it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.keys import SCHEDULER
from bot.settings import dispatch_policy
from bot.workers.jobs import run_dispatch_scan
from bot.workers.scheduler import DISPATCH_JOB, Jobs
from domain.clock import FixedClock
from storage.tables.messaging import OutboxRow
from tests.e2e.test_lifecycle import MONDAY_10
from tests.support.harness import make_settings, running_chat
from tests.support.outbound import running_sandbox
from tests.support.stories import LifecycleNLU, request_story, seed_story_people


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [str(i.get("text", "")) for i in items]


async def test_story_as_people_see_it_in_the_sandbox(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    people = await seed_story_people(db_url, settings.wechat_appid, clients=1, staff=2)
    client, admin = people.clients[0], people.admins[0]
    async with running_sandbox(settings, nlu=LifecycleNLU()) as chat:
        await chat.say(admin, "你好")  # inside the 48-hour window: 客服 messages reach them
        result = await request_story(chat, client, people.staff, rate=("1", "2"))
        winner_name = people.staff_names[result.winner]

        async def client_heard_everything() -> bool:
            got = texts(await chat.outbox_json(client))
            return (
                any(winner_name in t and "接手办理" in t for t in got)
                and any("已提交工商局" in t for t in got)
                and any("已办理完成" in t for t in got)
                and any("服务态度打个分" in t for t in got)
            )

        await chat.wait_for(client_heard_everything)
        rate_menu = [i for i in await chat.outbox_json(client) if i["kind"] == "msgmenu"]
        assert any(
            {"id": f"rate_accountant:{result.number}:1", "content": "差评(1分)"} in i["menu"]
            for i in rate_menu
        )

        async def offered_to_staff() -> bool:
            for s in people.staff:
                items = await chat.outbox_json(s)
                if not any(
                    m.get("id") == f"claim_task:{result.number}"
                    for i in items
                    for m in i.get("menu", [])
                ) and not any(i["kind"] == "template" for i in items):
                    return False
            return True

        await chat.wait_for(offered_to_staff)

        async def admin_told_of_complaint() -> bool:
            return any("评价偏低" in t for t in texts(await chat.outbox_json(admin)))

        await chat.wait_for(admin_told_of_complaint)


async def test_scheduler_starts_with_the_app_works_due_timers_and_stops(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path).with_(scheduler=True, scheduler_interval_s=0.05)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=1, staff=1)
    clock = FixedClock(MONDAY_10)
    async with running_chat(settings, clock=clock, nlu=LifecycleNLU()) as chat:
        jobs: Jobs = chat.app[SCHEDULER]
        assert jobs.running and jobs.scheduler.get_job(DISPATCH_JOB) is not None
        client = people.clients[0]
        await chat.say(client, "我想办个营业执照")
        await chat.say(client, "新公司注册")
        await chat.say(client, "普通", menu_id="answer:normal")
        await chat.say(client, "确认", menu_id="answer:yes")
        clock.advance(minutes=31)
        await _until_repushed(chat, people.staff[0])
    assert not jobs.running


async def _until_repushed(chat: Any, openid: str) -> None:
    for _ in range(200):
        async with chat.sessions() as s:
            n = await s.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.recipient == openid, OutboxRow.kind == "request_raised")
            )
        if n == 2:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the scheduler did not push the request again")


async def test_unclaimed_request_escalates_in_the_sandbox_with_the_clock_moved(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=1, staff=1)
    client, admin, staff = people.clients[0], people.admins[0], people.staff[0]
    clock = FixedClock(MONDAY_10)
    async with running_sandbox(settings, clock=clock, nlu=LifecycleNLU()) as chat:
        await chat.say(admin, "你好")
        await chat.say(client, "帮我加急办个营业执照")
        await chat.say(client, "新公司注册")
        assert "R1001" in (await chat.say(client, "确认", menu_id="answer:yes") or "")
        for _ in range(2):  # pushed again once, then escalated; no sleeping
            clock.advance(minutes=settings.claim_timeout_urgent_min + 1)
            await run_dispatch_scan(
                chat.sessions, clock, dispatch_policy(settings), chat.sender.poke
            )

        async def escalated() -> list[dict[str, Any]]:
            return [i for i in await chat.outbox_json(admin) if "待指派" in str(i.get("text"))]

        await chat.wait_for(escalated)
        (item,) = await escalated()
        name = people.staff_names[staff]
        button = next(m for m in item["menu"] if m["content"] == f"分给{name}")
        reply = await chat.say(admin, f"分给{name}", menu_id=button["id"])
        assert reply is not None and "已把" in reply

        async def client_told() -> bool:
            return any(f"安排{name}办理" in t for t in texts(await chat.outbox_json(client)))

        await chat.wait_for(client_told)
