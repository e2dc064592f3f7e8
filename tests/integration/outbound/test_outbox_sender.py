"""The outbox sender against the emulator: channel choice (48-hour rule, templates, no channel),
WeChat outages, restarts and concurrent workers. Every message must arrive exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.outbox.sender import OutboxPolicy, OutboxSender
from bot.outbox.templates import StaticTemplateBook, Template
from domain.clock import FixedClock, SystemClock
from domain.notices import QuickReply
from storage.outbox import SqlOutboxQueue, queue_notices
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.harness import make_settings
from tests.support.notices import Worded
from tests.support.outbound import FAST, SandboxChat, running_sandbox

USERS = ["o_chen", "o_liu", "o_zhou", "o_wang"]
TEMPLATES = StaticTemplateBook(
    {"progress_added": Template("TM_progress", "业务进度更新", remark="详情请问我")}
)


async def queue(chat: SandboxChat, *notices: Worded) -> None:
    now = chat.clock.now() if chat.clock else datetime.now(UTC)
    async with SqlUnitOfWork(chat.sessions) as uow:
        await queue_notices(uow.session, [n.row(now) for n in notices])
        await uow.commit()


async def rows(chat: SandboxChat) -> list[OutboxRow]:
    async with chat.sessions() as s:
        return list((await s.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def settled(chat: SandboxChat, n: int, within: float = 10.0) -> list[OutboxRow]:
    async def done() -> bool:
        rs = await rows(chat)
        return len(rs) == n and all(r.status in {"sent", "failed"} for r in rs)

    await chat.wait_for(done, within)
    return await rows(chat)


def texts(chat: SandboxChat, openid: str) -> list[str]:
    return [m["text"] for m in chat.emulator.outbox(openid)]


async def test_inside_the_window_a_notice_goes_as_a_customer_service_message(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path)) as chat:
        await chat.say("o_chen", "你好")
        await queue(
            chat,
            Worded("o_chen", "progress_added", "您的工商变更已提交"),
            Worded(
                "o_chen", "request_done", "请确认：", quick_replies=(QuickReply("answer:是", "是"),)
            ),
            Worded(
                "o_chen",
                "late_reply",
                "服务项目",
                payload={
                    "msgtype": "news",
                    "articles": [
                        {
                            "title": "代理记账",
                            "description": "每月记账报税",
                            "url": "https://example.com/a",
                        }
                    ],
                },
            ),
        )
        [a, b, c] = await settled(chat, 3)
        assert [(r.status, r.channel) for r in (a, b, c)] == [("sent", "custom")] * 3
        items = await chat.outbox_json("o_chen")
        assert [i["kind"] for i in items] == ["text", "msgmenu", "news"]
        assert items[0]["text"] == "您的工商变更已提交"
        assert items[1]["menu"] == [{"id": "answer:是", "content": "是"}]
        assert items[2]["articles"][0]["title"] == "代理记账"


async def test_48_hour_rule_template_outside_the_window_else_no_channel(
    sqlite_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=clock, templates=TEMPLATES) as chat:
        await chat.say("o_chen", "你好")
        clock.advance(hours=47, minutes=58)
        await queue(chat, Worded("o_chen", "progress_added", "第一条：还在窗口内"))
        await settled(chat, 1)
        clock.advance(minutes=3)  # 48 h 01 min since the user last wrote
        await queue(
            chat,
            Worded(
                "o_chen", "progress_added", "第二条：窗口已关", template_fields={"keyword2": "今天"}
            ),
            Worded("o_chen", "late_reply", "第三条：没有模板"),
        )
        [first, second, third] = await settled(chat, 3)
        assert (first.channel, second.channel) == ("custom", "template")
        assert (third.status, third.channel, third.errcode) == ("failed", None, None)
        assert third.last_error is not None and third.last_error.startswith("no_channel")
        items = await chat.outbox_json("o_chen")
        assert [i["kind"] for i in items] == ["text", "template"]
        assert items[1]["template_id"] == "TM_progress"
        assert items[1]["data"] == {
            "first": "第二条：窗口已关",
            "keyword1": "业务进度更新",
            "keyword2": "今天",
            "remark": "详情请问我",
        }
        # Writing again reopens the window.
        await chat.say("o_chen", "在吗")
        await queue(chat, Worded("o_chen", "late_reply", "第四条"))
        await settled(chat, 4)
        assert (await chat.outbox_json("o_chen"))[-1] == {
            "kind": "text",
            "text": "第四条",
            "time": clock.now().isoformat(),
        }


async def test_more_than_20_unanswered_messages_switch_to_the_template(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path), templates=TEMPLATES) as chat:
        await chat.say("o_chen", "你好")
        await queue(chat, *(Worded("o_chen", "progress_added", f"进度{i}") for i in range(22)))
        rs = await settled(chat, 22)
        assert Counter(r.channel for r in rs) == {"custom": 20, "template": 2}
        assert [i["kind"] for i in await chat.outbox_json("o_chen")][19:] == [
            "text",
            "template",
            "template",
        ]


async def test_unsubscribed_user_fails_with_43004_recorded(sqlite_url: str, tmp_path: Path) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path), templates=TEMPLATES) as chat:
        await chat.send_event("o_chen", "subscribe")
        await chat.send_event("o_chen", "unsubscribe")
        await queue(chat, Worded("o_chen", "progress_added", "您的业务已办结"))
        [row] = await settled(chat, 1)
        assert (row.status, row.channel, row.errcode, row.attempts) == (
            "failed",
            "custom",
            43004,
            1,
        )
        assert await chat.outbox_json("o_chen") == []


async def test_delivery_after_a_wechat_outage_is_exactly_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path)) as chat:
        for u in USERS:
            await chat.say(u, "你好")
        faults = chat.emulator.faults
        felt = []
        for mode in ("-1", "45011", "500"):
            # Counted in calls, not seconds: on a loaded machine a timed outage can end before
            # the sender's first call, and the test would then prove nothing.
            faults.inject(mode, calls=4)
            fault = faults.current
            await queue(
                chat, *(Worded(u, "late_reply", f"{mode}-{u}-{i}") for u in USERS for i in range(5))
            )
            for _ in range(400):  # wait for this outage to be served before the next replaces it
                if fault is not None and fault.hits >= 4:
                    break
                await asyncio.sleep(0.025)
            felt.append(fault.hits if fault else 0)
        assert felt == [4, 4, 4]
        rs = await settled(chat, 60, within=20)
        assert {r.status for r in rs} == {"sent"}
        assert max(r.attempts for r in rs) > 1  # the outage was felt...
        for u in USERS:  # ...and every message arrived once, in order per user
            assert texts(chat, u) == [
                f"{m}-{u}-{i}" for m in ("-1", "45011", "500") for i in range(5)
            ]


async def test_retryable_failures_give_up_after_max_attempts(
    sqlite_url: str, tmp_path: Path
) -> None:
    policy = OutboxPolicy(poll_s=0.05, backoff_base_s=0.01, backoff_cap_s=0.05, max_attempts=3)
    async with running_sandbox(make_settings(sqlite_url, tmp_path), policy=policy) as chat:
        await chat.say("o_chen", "你好")
        chat.emulator.faults.inject("-1", calls=10_000)
        await queue(chat, Worded("o_chen", "late_reply", "发不出去"))
        [row] = await settled(chat, 1)
        assert (row.status, row.errcode, row.attempts) == ("failed", -1, 3)
        assert row.last_error is not None and "system error" in row.last_error


async def test_restart_in_the_middle_of_a_drain_delivers_each_message_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    slow = OutboxPolicy(batch=5, concurrency=1, poll_s=0.05, backoff_base_s=0.01, stop_grace_s=5)
    delivered: list[str] = []
    async with running_sandbox(settings, policy=slow) as chat:
        for u in USERS:
            await chat.say(u, "你好")
        await queue(chat, *(Worded(u, "late_reply", f"{u}-{i}") for i in range(15) for u in USERS))
        await chat.wait_for(lambda: chat.emulator.delivered() >= 12)
        # Leaving the block stops the app as a deploy would, mid-drain.
        before = chat
    first = {u: texts(before, u) for u in USERS}  # including what went out while stopping
    states = Counter(r.status for r in await _rows_at(sqlite_url))
    assert states["pending"] > 0 and states["sending"] == 0
    async with running_sandbox(settings) as chat:
        rs = await settled(chat, 60)
        assert {r.status for r in rs} == {"sent"}
        for u in USERS:
            delivered = first[u] + texts(chat, u)
            assert delivered == [f"{u}-{i}" for i in range(15)]


async def _rows_at(url: str) -> list[OutboxRow]:
    from storage.engine import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            return list((await s.scalars(select(OutboxRow))).all())
    finally:
        await engine.dispose()


async def test_rows_claimed_by_a_crashed_worker_are_sent_once_its_lease_expires(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path)) as chat:
        await chat.sender.stop()  # we drive the queue by hand first
        await chat.say("o_chen", "你好")
        await chat.say("o_liu", "你好")
        await queue(chat, *(Worded("o_chen", "late_reply", f"m{i}") for i in range(4)))
        crashed = SqlOutboxQueue(chat.sessions)
        taken = await crashed.claim_due(datetime.now(UTC), 10, timedelta(seconds=0.5))
        assert len(taken) == 4  # ...and then that worker died without sending
        await queue(chat, Worded("o_chen", "late_reply", "m4"), Worded("o_liu", "late_reply", "l0"))
        sender = OutboxSender(chat.sessions, chat.client, TEMPLATES, SystemClock(), FAST)
        # o_liu's notice goes; o_chen's m4 may not overtake the four stuck before it.
        assert await sender.drain_once() == 1
        assert texts(chat, "o_chen") == [] and texts(chat, "o_liu") == ["l0"]
        await asyncio.sleep(0.6)
        assert await sender.drain_once() == 5  # the dead worker's leases ran out
        # The dead worker wakes up late: it may not overwrite the new outcome.
        assert not await crashed.mark_failed(taken[0], None, "too late")
        assert {r.status for r in await rows(chat)} == {"sent"}
        assert texts(chat, "o_chen") == [f"m{i}" for i in range(5)]


async def test_two_workers_draining_together_never_send_a_row_twice(
    db_url: str, tmp_path: Path
) -> None:
    policy = OutboxPolicy(batch=7, concurrency=4, poll_s=0.02, backoff_base_s=0.01)
    async with running_sandbox(make_settings(db_url, tmp_path), policy=policy) as chat:
        for u in USERS:
            await chat.say(u, "你好")
        other = OutboxSender(chat.sessions, chat.client, TEMPLATES, SystemClock(), policy)
        other.start()
        try:
            await queue(
                chat, *(Worded(u, "late_reply", f"{u}-{i}") for u in USERS for i in range(15))
            )
            rs = await settled(chat, 60, within=20)
        finally:
            await other.stop()
        assert {r.status for r in rs} == {"sent"} and {r.attempts for r in rs} == {1}
        for u in USERS:
            assert sorted(texts(chat, u)) == sorted(f"{u}-{i}" for i in range(15))
        assert chat.sender.stats.sent + other.stats.sent == 60


async def test_wechat_closing_the_window_first_falls_back_to_the_template(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The app thinks the window is open, WeChat disagrees (45015): the template goes instead."""
    from bot.sandbox.users import UserState

    async with running_sandbox(make_settings(sqlite_url, tmp_path), templates=TEMPLATES) as chat:
        await chat.say("o_chen", "你好")

        async def window_long_closed(openid: str) -> UserState:
            return UserState(True, True, datetime.now(UTC) - timedelta(days=3))

        chat.emulator.users = window_long_closed
        await queue(chat, Worded("o_chen", "progress_added", "进度"))
        [row] = await settled(chat, 1)
        assert (row.status, row.channel) == ("sent", "template")
        assert [i["kind"] for i in await chat.outbox_json("o_chen")] == ["template"]


async def test_a_template_id_wechat_does_not_know_is_recorded_as_40037(
    sqlite_url: str, tmp_path: Path
) -> None:
    wrong = StaticTemplateBook({"progress_added": Template("TM_typo", "进度")})
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=clock, templates=TEMPLATES) as chat:
        await chat.say("o_chen", "你好")
        clock.advance(hours=49)
        chat.sender.templates = wrong  # the firm saved a template id its account doesn't own
        await queue(chat, Worded("o_chen", "progress_added", "进度"))
        [row] = await settled(chat, 1)
        assert (row.status, row.channel, row.errcode, row.attempts) == (
            "failed",
            "template",
            40037,
            1,
        )
