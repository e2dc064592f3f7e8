"""Inbound retention: messages older than INBOUND_RETENTION_DAYS lose their payload and stored
reply, keep their row and dedup key; newer ones and ones still being handled are untouched;
running it again, or in two processes at once, changes nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.workers.jobs import run_inbound_retention
from bot.workers.scheduler import RETENTION_JOB, Jobs
from domain.clock import FixedClock
from storage.engine import create_engine, session_factory
from storage.inbound import SqlInboundLog
from storage.tables.messaging import InboundRow

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
PAYLOAD = {"MsgType": "text", "Content": "我的手机号13800000000", "FromUserName": "o_a"}


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[Any]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


async def add(sessions: Any, key: str, age: timedelta, status: str, reply: str | None) -> None:
    async with sessions() as s, s.begin():
        s.add(
            InboundRow(
                appid="wx1",
                openid="o_a",
                dedup_key=key,
                msg_type="text",
                payload=dict(PAYLOAD),
                status=status,
                reply_xml=reply,
                received_at=NOW - age,
                answered_at=None if status == "processing" else NOW - age,
            )
        )


async def by_key(sessions: Any) -> dict[str, InboundRow]:
    async with sessions() as s:
        return {r.dedup_key: r for r in (await s.scalars(select(InboundRow))).all()}


@pytest.fixture
async def mixed(sessions: Any) -> Any:
    await add(sessions, "old-answered", timedelta(days=31), "answered", "<xml>旧回复</xml>")
    await add(sessions, "old-late", timedelta(days=45), "late", None)
    await add(sessions, "old-answered-2", timedelta(days=90), "answered", "<xml>更旧</xml>")
    await add(sessions, "old-processing", timedelta(days=40), "processing", None)
    await add(sessions, "recent", timedelta(days=29, hours=23), "answered", "<xml>新</xml>")
    return sessions


async def test_old_payloads_are_cleared_and_everything_else_is_kept(mixed: Any) -> None:
    cleared = await run_inbound_retention(mixed, FixedClock(NOW), 30, batch=2)
    assert cleared == 3
    rows = await by_key(mixed)
    assert set(rows) == {"old-answered", "old-late", "old-answered-2", "old-processing", "recent"}
    for key in ("old-answered", "old-late", "old-answered-2"):
        assert (rows[key].payload, rows[key].reply_xml) == ({}, None), key
        assert rows[key].status in {"answered", "late"} and rows[key].received_at < NOW
    assert rows["old-processing"].payload == PAYLOAD  # crash recovery still needs it
    assert (rows["recent"].payload, rows["recent"].reply_xml) == (PAYLOAD, "<xml>新</xml>")
    # The dedup row is still there for WeChat's retries, and the user's last interaction known.
    async with mixed() as s:
        log = SqlInboundLog(s)
        assert (await log.get("wx1", "old-answered")) is not None
        assert await log.last_interaction("o_a") == NOW - timedelta(days=29, hours=23)


async def test_retention_is_idempotent_and_safe_to_run_twice_at_once(mixed: Any) -> None:
    clock = FixedClock(NOW)
    first, second = await asyncio.gather(
        run_inbound_retention(mixed, clock, 30, batch=1),
        run_inbound_retention(mixed, clock, 30, batch=1),
    )
    assert first + second == 3  # each row cleared once, by one of them
    assert await run_inbound_retention(mixed, clock, 30) == 0
    clock.advance(days=1)  # a day later "recent" is old too
    assert await run_inbound_retention(mixed, clock, 30) == 1


async def test_zero_days_keeps_everything(mixed: Any) -> None:
    assert await run_inbound_retention(mixed, FixedClock(NOW), 0) == 0
    assert (await by_key(mixed))["old-answered"].payload == PAYLOAD


async def test_the_scheduler_runs_retention_from_the_setting(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = Settings.from_mapping(
        {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path), "INBOUND_RETENTION_DAYS": "7"}
    )
    assert settings.inbound_retention_days == 7
    assert Settings.from_mapping({}).inbound_retention_days == 30
    engine = create_engine(sqlite_url)
    sessions = session_factory(engine)
    try:
        await add(sessions, "eight-days", timedelta(days=8), "answered", "<xml/>")
        jobs = Jobs(sessions, FixedClock(NOW), settings)
        jobs.start()
        try:
            assert jobs.scheduler.get_job(RETENTION_JOB) is not None
            await jobs.inbound_retention()
        finally:
            await jobs.stop()
        assert (await by_key(sessions))["eight-days"].payload == {}
        off = Jobs(sessions, FixedClock(NOW), settings.with_(inbound_retention_days=0))
        off.start()
        try:
            assert off.scheduler.get_job(RETENTION_JOB) is None
        finally:
            await off.stop()
    finally:
        await engine.dispose()
