"""Outbox leases are short and renewed while a send runs: a live sender keeps its rows however
long WeChat takes, a dead one's rows are taken over once its 30-second lease runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.outbox.sender import OutboxPolicy, OutboxSender
from bot.outbox.templates import StaticTemplateBook
from bot.runtime.run_id import RUN_ID
from domain.clock import FixedClock
from domain.notices import Notice
from storage.outbox import SqlOutboxQueue
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.harness import make_settings
from tests.support.notices import late_reply
from tests.support.outbound import SandboxChat, running_sandbox


async def queue(chat: SandboxChat, *notices: Notice) -> None:
    now = chat.clock.now() if chat.clock else datetime.now(UTC)
    async with SqlUnitOfWork(chat.sessions) as uow:
        for n in notices:
            await uow.outbox.add(n, now)
        await uow.commit()


async def rows(chat: SandboxChat) -> list[OutboxRow]:
    async with chat.sessions() as s:
        return list((await s.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


def texts(chat: SandboxChat, openid: str) -> list[str]:
    return [m["text"] for m in chat.emulator.outbox(openid)]


async def test_the_heartbeat_keeps_a_long_send_from_being_taken_over(
    db_url: str, tmp_path: Path
) -> None:
    lease_s = 0.6
    policy = OutboxPolicy(lease_s=lease_s, heartbeat_s=0.15, poll_s=0.05, backoff_base_s=0.01)
    async with running_sandbox(make_settings(db_url, tmp_path), policy=policy) as chat:
        await chat.say("o_chen", "你好")
        sending = asyncio.Event()
        real_send = chat.client.send_text

        async def slow_send(openid: str, text: str) -> None:
            sending.set()
            await asyncio.sleep(4 * lease_s)  # WeChat takes its time
            await real_send(openid, text)

        chat.client.send_text = slow_send  # type: ignore[method-assign]
        await queue(chat, late_reply("o_chen", "慢慢发"))
        await asyncio.wait_for(sending.wait(), 5)
        (row,) = await rows(chat)
        assert row.status == "sending"
        assert row.lease_token is not None and row.lease_token.split(":")[0].endswith(f".{RUN_ID}")

        other = SqlOutboxQueue(chat.sessions)
        loop = asyncio.get_running_loop()
        end = loop.time() + 3 * lease_s
        while loop.time() < end:  # well past the first lease, another worker tries
            assert await other.claim_due(datetime.now(UTC), 10, timedelta(seconds=lease_s)) == []
            await asyncio.sleep(0.05)

        await chat.wait_for(lambda: texts(chat, "o_chen") == ["慢慢发"], 5)
        await chat.wait_for(lambda: chat.sender.stats.sent == 1, 5)
        (row,) = await rows(chat)
        assert (row.status, row.attempts, row.lease_token) == ("sent", 1, None)
        assert texts(chat, "o_chen") == ["慢慢发"]


async def test_a_dead_senders_rows_are_taken_over_once_its_short_lease_runs_out(
    sqlite_url: str, tmp_path: Path
) -> None:
    policy = OutboxPolicy()
    assert policy.lease_s <= 30 and policy.heartbeat_s * 3 <= policy.lease_s
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    async with running_sandbox(make_settings(sqlite_url, tmp_path), clock=clock) as chat:
        await chat.sender.stop()  # we drive the queue by hand
        await chat.say("o_chen", "你好")
        await queue(chat, late_reply("o_chen", "接手"))
        dead = SqlOutboxQueue(chat.sessions)
        (taken,) = await dead.claim_due(
            clock.now(), 10, timedelta(seconds=policy.lease_s), holder="0dead0"
        )
        assert taken.lease_token.startswith("0dead0:")
        # ...and that process died: nobody renews its lease.
        sender = OutboxSender(chat.sessions, chat.client, StaticTemplateBook({}), clock, policy)
        clock.advance(seconds=policy.lease_s - 1)
        assert await sender.drain_once() == 0
        clock.advance(seconds=2)
        assert await sender.drain_once() == 1
        assert texts(chat, "o_chen") == ["接手"]
        (row,) = await rows(chat)
        assert (row.status, row.attempts, row.lease_token) == ("sent", 2, None)
        # Were the dead one to come back, its lease token no longer counts for anything.
        assert not await dead.mark_sent(taken, "custom", clock.now())
        assert await dead.renew(taken.lease_token, clock.now() + timedelta(minutes=1)) == set()


async def test_a_restarted_instance_takes_back_its_own_leases_at_once(
    db_url: str, tmp_path: Path
) -> None:
    """Its previous run's leases are dead work: free at once. Another instance's (which may be
    alive and mid-send) are left to run out."""
    from storage.engine import create_engine, session_factory
    from storage.leases import lease_holder, release_predecessors

    engine = create_engine(db_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox.add(late_reply("o_mine", "我的"), now)
        await uow.outbox.add(late_reply("o_theirs", "别人的"), now)
        await uow.commit()
    queue_ = SqlOutboxQueue(sessions)
    lease = timedelta(seconds=30)
    (mine,) = await queue_.claim_due(now, 1, lease, holder=lease_holder("web-1", "run1"))
    (theirs,) = await queue_.claim_due(now, 1, lease, holder=lease_holder("web-2", "run7"))
    assert {mine.notice.recipient, theirs.notice.recipient} == {"o_mine", "o_theirs"}
    # web-1 restarts a second later, with a new run id.
    later = now + timedelta(seconds=1)
    again = lease_holder("web-1", "run2")
    assert await release_predecessors(sessions, OutboxRow, again, later) == 1
    claimed = await queue_.claim_due(later, 10, lease, holder=again)
    assert [c.notice.recipient for c in claimed] == [mine.notice.recipient]
    await engine.dispose()
