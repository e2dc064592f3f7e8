"""Job leases on a real database: one holder at a time, a lapsed or released lease is free, a
restarted instance frees what its previous run held, and `Jobs.stop()` waits for a run in
flight before the database goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.workers.scheduler import DISPATCH_JOB, Jobs
from domain.clock import SystemClock
from storage.engine import create_engine, session_factory
from storage.job_leases import SqlJobLeases
from tests.support.harness import make_settings

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_one_holder_at_a_time_until_release_or_lapse(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    leases = SqlJobLeases(sessions)
    assert await leases.take("scan", "aaaa.r1", NOW, 30)
    assert not await leases.take("scan", "bbbb.r1", NOW + timedelta(seconds=10), 30)
    assert await leases.take("scan", "aaaa.r1", NOW + timedelta(seconds=10), 30)  # its own
    assert await leases.renew("scan", "aaaa.r1", NOW + timedelta(seconds=20), 30)
    assert not await leases.renew("scan", "bbbb.r1", NOW + timedelta(seconds=20), 30)
    # Renewed to 50 s: still held at 45 s, free after.
    assert not await leases.take("scan", "bbbb.r1", NOW + timedelta(seconds=45), 30)
    assert await leases.take("scan", "bbbb.r1", NOW + timedelta(seconds=51), 30)
    assert not await leases.release("scan", "aaaa.r1", NOW + timedelta(seconds=52))
    assert await leases.release("scan", "bbbb.r1", NOW + timedelta(seconds=52))
    assert await leases.take("scan", "aaaa.r1", NOW + timedelta(seconds=52), 30)
    (state,) = await leases.states()
    assert (state.holder, state.runs) == ("aaaa.r1", 1)


async def test_a_restart_frees_its_own_previous_run_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    leases = SqlJobLeases(sessions)
    assert await leases.take("scan", "aaaa.old", NOW, 30)
    assert await leases.take("bill", "bbbb.r1", NOW, 30)
    assert await leases.release_predecessors("aaaa.new", NOW + timedelta(seconds=1)) == 1
    assert await leases.take("scan", "aaaa.new", NOW + timedelta(seconds=1), 30)
    assert not await leases.take("bill", "aaaa.new", NOW + timedelta(seconds=1), 30)


async def test_stop_waits_for_a_run_in_flight(db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    jobs = Jobs(sessions, SystemClock(), make_settings(db_url, tmp_path), holder="cccc.r1")
    finished = asyncio.Event()

    async def slow() -> None:
        await asyncio.sleep(0.3)
        finished.set()

    try:
        run = asyncio.create_task(jobs._run(DISPATCH_JOB, slow))
        await asyncio.sleep(0.05)
        await jobs.stop()
        assert finished.is_set()  # stop() returned only after the run ended...
        await run
        (state,) = await SqlJobLeases(sessions).states()
        assert state.runs == 1 and state.lease_until < datetime.now(UTC)  # ...and released it
    finally:
        await engine.dispose()
