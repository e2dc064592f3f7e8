"""The request lifecycle end to end: the real app over loopback HTTP, signed and encrypted XML
like WeChat's, what people were told read back from the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import dispatch_policy
from bot.workers.jobs import run_dispatch_scan
from domain.clock import FixedClock
from storage.tables.messaging import OutboxRow
from tests.support.harness import Chat, make_settings, running_chat
from tests.support.notices import rendered
from tests.support.stories import (
    CourierSayer,
    LifecycleNLU,
    StoryPeople,
    mixed_load,
    request_story,
    seed_story_people,
)

# Monday 10:00 in Shanghai: inside working hours.
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class World:
    chat: Chat
    people: StoryPeople
    clock: FixedClock

    @property
    def client(self) -> str:
        return self.people.clients[0]

    @property
    def admin(self) -> str:
        return self.people.admins[0]

    async def say(self, openid: str, text: str, menu_id: str | None = None) -> str:
        reply = await self.chat.say(openid, text, menu_id=menu_id)
        assert reply is not None, f"no passive reply to {text!r}"
        return reply

    async def told(self, openid: str, kind: str | None = None) -> list[dict[str, Any]]:
        """What the app queued for `openid` (oldest first), optionally of one kind."""
        async with self.chat.sessions() as s:
            rows = (
                await s.scalars(
                    select(OutboxRow).where(OutboxRow.recipient == openid).order_by(OutboxRow.id)
                )
            ).all()
        return [rendered(r) for r in rows if kind is None or r.kind == kind]


async def open_world(db_url: str, tmp_path: Path, staff: int = 2) -> AsyncIterator[World]:
    settings = make_settings(db_url, tmp_path)
    people = await seed_story_people(db_url, settings.wechat_appid, clients=2, staff=staff)
    clock = FixedClock(MONDAY_10)
    async with running_chat(settings, clock=clock, nlu=LifecycleNLU()) as chat:
        yield World(chat, people, clock)


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async for w in open_world(sqlite_url, tmp_path):
        yield w


async def test_whole_story_raise_race_progress_complete_rate(db_url: str, tmp_path: Path) -> None:
    async for w in open_world(db_url, tmp_path):
        result = await request_story(w.chat, w.client, w.people.staff, rate=("5", "4"))
        number, winner = result.number, result.winner
        loser = next(s for s in w.people.staff if s != winner)
        assert "手慢了一步" in result.replies["claims"]
        assert w.people.staff_names[winner] in result.replies["claims"]
        # Every active staff member was offered the new request with a one-tap claim.
        for s in w.people.staff:
            offers = await w.told(s, "request_raised")
            assert (
                offers and [f"claim_task:{number}", f"抢单 {number}"] in offers[0]["quick_replies"]
            )
            assert offers[0]["template_fields"]["number"] == number
        texts = [n["text"] for n in await w.told(w.client)]
        name = w.people.staff_names[winner]
        assert any("接手办理" in t and name in t for t in texts)
        assert any("已提交工商局" in t for t in texts)
        assert any("已办理完成" in t for t in texts)
        rate_ask = (await w.told(w.client, "request_completed"))[0]
        assert [f"rate_accountant:{number}:1", "差评(1分)"] in rate_ask["quick_replies"]
        assert "已提交工商局" in result.replies["check"]
        assert "服务态度5分、办理速度4分" in result.replies["thanks"]
        assert await w.told(loser, "task_claimed") == []
        assert await w.told(w.admin, "complaint_opened") == []


async def test_low_rating_reaches_the_admins_as_a_complaint(world: World) -> None:
    result = await request_story(world.chat, world.client, world.people.staff[:1], rate=("1", "3"))
    opened = await world.told(world.admin, "complaint_opened")
    assert len(opened) == 1 and result.number in opened[0]["text"]
    assert "差评" in opened[0]["text"] or "评价偏低" in opened[0]["text"]
    assert "跟进单号 C1001" in result.replies["thanks"]
    # A change within 7 days replaces the rating and opens no second case.
    reply = await world.say(world.client, "好评", menu_id=f"rate_accountant:{result.number}:5")
    assert "更新" in reply
    await world.say(world.client, "5", menu_id="answer:5")
    reply = await world.say(world.client, "跳过", menu_id="answer:跳过")
    assert "已更新您的评价" in reply
    assert len(await world.told(world.admin, "complaint_opened")) == 1
    world.clock.advance(days=8)
    reply = await world.say(world.client, "差评", menu_id=f"rate_accountant:{result.number}:1")
    assert "7天" in reply


async def test_unclaimed_request_is_pushed_again_then_escalated_and_assigned(world: World) -> None:
    w = world
    await w.say(w.client, "帮我加急办个营业执照")
    await w.say(w.client, "新公司注册")
    reply = await w.say(w.client, "确认", menu_id="answer:yes")
    assert "R1001" in reply and "10分钟" in reply  # urgent: CLAIM_TIMEOUT_URGENT
    staff = w.people.staff[0]
    settings, sessions = w.chat.settings, w.chat.sessions
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).acted == 0
    w.clock.advance(minutes=11)
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).repushed == 1
    assert (
        await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))
    ).acted == 0  # idempotent
    pushes = await w.told(staff, "request_raised")
    assert len(pushes) == 2 and "再次推送" in pushes[1]["text"]
    w.clock.advance(minutes=11)
    report = await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))
    assert report.escalated == 1
    escalated = await w.told(w.admin, "escalated")
    assert len(escalated) == 1 and "R1001" in escalated[0]["text"]
    name = w.people.staff_names[staff]
    assert [f"assign_task:R1001:{_staff_id(escalated[0], name)}", f"分给{name}"] in escalated[0][
        "quick_replies"
    ]
    reply = await w.say(w.admin, f"分配 R1001 给 {name}")
    assert "已把" in reply and name in reply
    assert any("R1001" in n["text"] for n in await w.told(staff, "task_assigned"))
    assert any(name in n["text"] for n in await w.told(w.client, "task_claimed"))
    # The escalated request no longer counts down.
    w.clock.advance(minutes=30)
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).escalated == 0


def _staff_id(notice: dict[str, Any], name: str) -> str:
    for qid, label in notice["quick_replies"]:
        if label == f"分给{name}":
            return str(qid.rsplit(":", 1)[1])
    raise AssertionError(f"no button for {name}")


async def test_claim_without_progress_reminds_then_returns_to_pool(world: World) -> None:
    w = world
    await w.say(w.client, "我想办个工商变更")
    await w.say(w.client, "变更法人")
    await w.say(w.client, "普通", menu_id="answer:normal")
    await w.say(w.client, "确认", menu_id="answer:yes")
    first, second = w.people.staff
    assert "抢单成功" in await w.say(first, "抢单 R1001")
    settings, sessions = w.chat.settings, w.chat.sessions
    w.clock.advance(minutes=settings.first_progress_timeout_min + 1)
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).reminded == 1
    assert len(await w.told(first, "claim_reminder")) == 1
    w.clock.advance(minutes=settings.first_progress_timeout_min + 1)
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).released == 1
    assert any("退回抢单池" in n["text"] for n in await w.told(w.admin, "task_released"))
    assert len(await w.told(second, "request_raised")) == 2
    assert "抢单成功" in await w.say(second, "抢单 R1001")


async def test_reminders_wait_for_working_hours(world: World) -> None:
    w = world
    await w.say(w.client, "我想办个注销")
    await w.say(w.client, "公司不做了，想注销")
    await w.say(w.client, "普通", menu_id="answer:normal")
    await w.say(w.client, "确认", menu_id="answer:yes")
    w.clock.advance(hours=9)  # 19:00 in Shanghai
    settings, sessions = w.chat.settings, w.chat.sessions
    report = await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))
    assert report.acted == 0 and report.waiting == 1
    w.clock.advance(hours=14, minutes=30)  # Tuesday 09:30
    assert (await run_dispatch_scan(sessions, w.clock, dispatch_policy(settings))).repushed == 1


async def test_bad_input_gets_a_brief_answer_and_changes_nothing(world: World) -> None:
    w = world
    client, other_client = w.people.clients
    staff = w.people.staff[0]
    assert "员工功能" in await w.say(client, "抢单 R1001")
    assert "没有找到" in await w.say(staff, "抢单 R9999")
    await w.say(client, "我想办个发票申领")
    assert "没太看明白" in await w.say(client, "？？")
    await w.say(client, "申领增值税发票")
    assert "普通" in await w.say(client, "随便")
    await w.say(client, "普通", menu_id="answer:normal")
    await w.say(client, "确认", menu_id="answer:yes")
    # Another company's number reveals nothing.
    assert "没有找到" in await w.say(other_client, "R1001到哪一步了")
    assert "没有找到" in await w.say(other_client, "好评", menu_id="rate_accountant:R1001:5")
    assert "还没办完" in await w.say(client, "好评", menu_id="rate_accountant:R1001:5")
    assert "还没有人接单" in await w.say(staff, "进度 R1001 已受理")
    assert "抢单成功" in await w.say(staff, "抢单 R1001")
    assert "已经是您的单" in await w.say(staff, "抢单 R1001")
    assert "不是您的单" in await w.say(w.people.staff[1], "进度 R1001 我来看看")
    assert "不能直接取消" in await w.say(client, "撤销 R1001")
    assert "分配任务需要管理员权限" in await w.say(staff, "分配 R1001 给 某某")
    assert "已办结" in await w.say(staff, "完成 R1001")
    assert "已经办结" in await w.say(w.people.staff[1], "抢单 R1001")
    # Nothing was queued for the other client throughout.
    assert await w.told(other_client) == []


async def test_client_cancels_an_unclaimed_request(world: World) -> None:
    w = world
    await w.say(w.client, "我想办个银行开户")
    await w.say(w.client, "基本户开户")
    await w.say(w.client, "普通", menu_id="answer:normal")
    await w.say(w.client, "确认", menu_id="answer:yes")
    assert "已撤销" in await w.say(w.client, "撤销 R1001")
    assert "取消" in await w.say(w.people.staff[0], "抢单 R1001")
    assert "没有在办" in await w.say(w.client, "查进度")


async def test_progress_photos_and_timeline(world: World) -> None:
    w = world
    staff = w.people.staff[0]
    await w.say(w.client, "我想办个营业执照")
    await w.chat.send_image(w.client, "media_license_1")
    await w.say(w.client, "新公司注册，照片是核名通知")
    await w.say(w.client, "普通", menu_id="answer:normal")
    summary_reply = await w.say(w.client, "确认", menu_id="answer:yes")
    assert "R1001" in summary_reply
    await w.say(staff, "抢单 R1001")
    assert "进度说明" in await w.say(staff, "进度 R1001")
    ack = await w.chat.send_image(staff, "media_receipt_1")
    assert ack is not None and "照片收到了（共1张）" in ack
    assert "含1张照片" in await w.say(staff, "材料已递交")
    photos = await w.told(w.client, "progress_photo")
    assert photos and photos[0]["payload"] == {"msgtype": "image", "media_id": "media_receipt_1"}
    timeline = await w.say(w.client, "R1001到哪一步了")
    for needle in ("提交了业务", "接单", "材料已递交", "1张照片"):
        assert needle in timeline


async def test_complaint_case_and_resolution(world: World) -> None:
    w = world
    reply = await w.say(w.client, "我要投诉，会计一直不回我消息，耽误事了")
    assert "单号或哪位会计" in reply
    staff_name = w.people.staff_names[w.people.staff[0]]
    reply = await w.say(w.client, staff_name)
    assert "C1001" in reply
    opened = await w.told(w.admin, "complaint_opened")
    assert len(opened) == 1 and staff_name in opened[0]["text"]
    assert "已结案" in await w.say(w.admin, "结案 C1001 已电话回访并致歉")
    resolved = await w.told(w.client, "complaint_resolved")
    assert resolved and "已电话回访并致歉" in resolved[0]["text"]
    assert "已经处理过" in await w.say(w.admin, "结案 C1001 再说一次")


async def test_my_accountant_and_callback(world: World) -> None:
    w = world
    reply = await w.say(w.client, "我的会计是谁")
    name = w.people.staff_names[w.people.staff[0]]
    assert name in reply and "工作时间" in reply
    reply = await w.say(w.client, "请会计给我回电", menu_id="request_callback:me")
    assert "已通知" in reply
    assert len(await w.told(w.people.staff[0], "callback_requested")) == 1


async def test_staff_tasks_and_stats(world: World) -> None:
    result = await request_story(world.chat, world.client, world.people.staff[:1])
    staff = result.winner
    assert "没有在办" in await world.say(staff, "我的任务")
    stats = await world.say(staff, "我的统计")
    assert "接单 1 单，办结 1 单" in stats and "服务态度 5.0分" in stats


async def test_twenty_staff_race_through_the_webhook(db_url: str, tmp_path: Path) -> None:
    async for w in open_world(db_url, tmp_path, staff=20):
        await w.say(w.client, "我想办个营业执照")
        await w.say(w.client, "新公司注册")
        await w.say(w.client, "普通", menu_id="answer:normal")
        await w.say(w.client, "确认", menu_id="answer:yes")
        replies = await asyncio.gather(
            *(w.chat.say(s, "抢单 R1001", menu_id="claim_task:R1001") for s in w.people.staff)
        )
        assert sum(1 for r in replies if r and "抢单成功" in r) == 1
        assert sum(1 for r in replies if r and "手慢了一步" in r) == 19
        assert len(await w.told(w.client, "task_claimed")) == 1


async def test_mixed_load_of_whole_stories_runs_clean(sqlite_url: str, tmp_path: Path) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=4, staff=3)
    async with running_chat(settings, nlu=LifecycleNLU()) as chat:
        sayer = CourierSayer(chat.session, chat.url, chat.courier)  # as the bench drives it
        report = await mixed_load(sayer, people, stories=8, concurrency=4)
    assert report.failures == 0 and report.stories == 8 and report.turns == 8 * 12
    assert report.to_json()["p99_ms"] >= report.to_json()["p50_ms"] > 0
