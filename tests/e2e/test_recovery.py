"""Nothing accepted is lost: a message answered `success` survives the process dying."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from domain.clock import FixedClock
from handlers.replies import Reply
from handlers.router import Router
from handlers.turn import Turn
from storage.tables.messaging import InboundRow, OutboxRow
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat
from tests.support.notices import rendered


async def test_message_interrupted_by_a_crash_is_answered_after_restart(
    db_url: str, tmp_path: Path
) -> None:
    hang = Router("hang")

    @hang.intent("greet")
    async def never_finishes(turn: Turn) -> list[Reply]:
        await asyncio.Event().wait()
        return []

    clock = FixedClock(datetime.now(UTC))
    settings = make_settings(db_url, tmp_path, reply_budget_s=0.2, shutdown_grace_s=0.05)
    async with running_chat(settings, nlu=KeywordNLU(), clock=clock, routers=[hang]) as first:
        assert await first.say("o_crash", "你好", msg_id=777001) is None  # `success`
        async with first.sessions() as s:
            row = (await s.scalars(select(InboundRow))).one()
        assert row.status == "processing"
    # The process is gone (its handler was cancelled). A new one starts a few minutes later.
    clock.advance(minutes=3)
    async with running_chat(settings, nlu=KeywordNLU(), clock=clock) as second:
        async with second.sessions() as s:
            row = (await s.scalars(select(InboundRow))).one()
            notices = (await s.scalars(select(OutboxRow))).all()
        assert row.status == "late"
        assert [(n.recipient, n.kind) for n in notices] == [("o_crash", "late_reply")]
        assert "绑定" in rendered(notices[0])["text"]
        # WeChat's retry of that message now gets `success`, and nothing runs again.
        assert await second.say("o_crash", "你好", msg_id=777001) is None
        async with second.sessions() as s:
            assert len((await s.scalars(select(OutboxRow))).all()) == 1


async def test_the_scheduler_recovers_what_another_worker_left_behind(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A worker died; this one keeps running and picks the message up without a restart."""
    from bot.keys import SCHEDULER
    from bot.sandbox.courier import text_xml
    from bot.wechat.protocol import dedup_key, parse_xml
    from bot.workers.scheduler import RECOVERY_JOB

    clock = FixedClock(datetime.now(UTC))
    settings = make_settings(sqlite_url, tmp_path, scheduler=True, scheduler_interval_s=0.05)
    async with running_chat(settings, nlu=KeywordNLU(), clock=clock) as chat:
        assert chat.app[SCHEDULER].scheduler.get_job(RECOVERY_JOB) is not None
        fields = parse_xml(text_xml(chat.courier.account, "o_orphan", "你好", msg_id=4040).encode())
        async with chat.sessions() as s:  # what the dead worker had accepted
            s.add(
                InboundRow(
                    appid=settings.wechat_appid,
                    openid="o_orphan",
                    dedup_key=dedup_key(fields),
                    msg_type="text",
                    payload=fields,
                    status="processing",
                    received_at=clock.now(),
                )
            )
            await s.commit()
        clock.advance(minutes=3)
        for _ in range(200):
            async with chat.sessions() as s:
                notices = (await s.scalars(select(OutboxRow))).all()
            if notices:
                break
            await asyncio.sleep(0.02)
        assert [(n.recipient, n.kind) for n in notices] == [("o_orphan", "late_reply")]


async def test_a_restarted_instance_takes_back_its_own_messages_at_once(
    db_url: str, tmp_path: Path
) -> None:
    """Its own unanswered messages are its previous life's: no waiting for them to go stale.
    Another instance's are left alone until they do (that instance may still be on them)."""
    hang = Router("hang")

    @hang.intent("greet")
    async def never_finishes(turn: Turn) -> list[Reply]:
        await asyncio.Event().wait()
        return []

    clock = FixedClock(datetime.now(UTC))
    base = make_settings(db_url, tmp_path, reply_budget_s=0.2, shutdown_grace_s=0.05)
    mine, theirs = base.with_(instance_id="web-1"), base.with_(instance_id="web-2")
    async with running_chat(theirs, nlu=KeywordNLU(), clock=clock, routers=[hang]) as other:
        assert await other.say("o_theirs", "你好", msg_id=880001) is None
    async with running_chat(mine, nlu=KeywordNLU(), clock=clock, routers=[hang]) as first:
        assert await first.say("o_mine", "你好", msg_id=880002) is None
    clock.advance(seconds=5)  # a restart, seconds later
    async with running_chat(mine, nlu=KeywordNLU(), clock=clock) as second:
        async with second.sessions() as s:
            rows = {r.openid: r.status for r in (await s.scalars(select(InboundRow))).all()}
            notices = (await s.scalars(select(OutboxRow))).all()
        assert rows == {"o_mine": "late", "o_theirs": "processing"}
        assert [(n.recipient, n.kind) for n in notices] == [("o_mine", "late_reply")]
