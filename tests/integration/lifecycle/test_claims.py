"""Claims and timers against a real database (SQLite always, PostgreSQL when configured):
the service functions, each call in its own unit of work, racing for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import dispatch, dispatch_timers, lifecycle
from domain.actors import actor_of
from domain.dispatch_policy import DispatchPolicy
from domain.errors import Conflict, DomainError
from domain.identity import Firm, Identity
from domain.requests import EventKind, Status, Urgency
from handlers.error_texts import error_text
from handlers.request_words import latest_note
from storage.engine import create_engine, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.stories import seed_story_people

APPID = "wx_lifecycle_test"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
POLICY = DispatchPolicy()


@dataclass
class Db:
    sessions: async_sessionmaker[AsyncSession]
    firm: Firm
    clients: list[str]
    staff: list[str]
    admins: list[str]

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    async def who(self, openid: str) -> Identity:
        async with self.uow() as uow:
            return await uow.identities.resolve(self.firm, openid)

    async def raise_one(self, urgency: Urgency = Urgency.NORMAL, at: datetime = MONDAY_10) -> str:
        client = await self.who(self.clients[0])
        async with self.uow() as uow:
            req = await lifecycle.raise_request(
                uow, actor_of(client), "营业执照", "新公司注册", urgency, ["m1"], at, POLICY
            )
            await uow.commit()
        return req.number


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Db]:
    people = await seed_story_people(db_url, APPID, clients=2, staff=20)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.firm_by_appid(APPID)
    assert firm is not None
    yield Db(sessions, firm, people.clients, people.staff, people.admins)
    await engine.dispose()


async def test_twenty_concurrent_claims_have_exactly_one_winner(db: Db) -> None:
    number = await db.raise_one()
    staff = [await db.who(s) for s in db.staff]

    async def claim(ident: Identity) -> str:
        async with db.uow() as uow:
            try:
                await dispatch.claim(uow, actor_of(ident), number, MONDAY_10, POLICY)
            except Conflict as exc:
                return error_text(exc)
            await uow.commit()
            return "won"

    results = await asyncio.gather(*(claim(s) for s in staff))
    assert results.count("won") == 1
    winner = staff[results.index("won")]
    refusals = [r for r in results if r != "won"]
    assert len(refusals) == 19
    assert all(winner.display_name in r and "手慢了一步" in r for r in refusals)
    async with db.uow() as uow:
        req = await uow.requests.get(db.firm.id, number)
        events = await uow.requests.events(req.id)  # type: ignore[union-attr]
    assert req is not None and req.status is Status.CLAIMED and req.handler_id == winner.staff.id  # type: ignore[union-attr]
    assert [e.kind for e in events].count(EventKind.CLAIMED) == 1


async def test_request_numbers_are_unique_under_concurrency(db: Db) -> None:
    numbers = await asyncio.gather(*(db.raise_one() for _ in range(10)))
    assert sorted(numbers, key=lambda n: int(n[1:])) == [f"R{1001 + i}" for i in range(10)]


async def test_scan_is_idempotent_across_two_workers(db: Db) -> None:
    number = await db.raise_one()
    later = MONDAY_10 + timedelta(minutes=31)

    async def scan() -> dispatch_timers.ScanReport:
        async with db.uow() as uow:
            report = await dispatch_timers.scan(uow, later, POLICY)
            await uow.commit()
            return report

    reports = await asyncio.gather(scan(), scan())
    assert sum(r.repushed for r in reports) == 1
    async with db.sessions() as s:
        pushes = await s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "request_raised")
        )
    assert pushes == 2 * len(db.staff) + 2 * len(db.admins)
    async with db.uow() as uow:
        req = await uow.requests.get(db.firm.id, number)
    assert req is not None and req.push_count == 2 and req.status is Status.SUBMITTED


async def test_progress_only_by_the_holder_and_completion_only_once(db: Db) -> None:
    number = await db.raise_one()
    first, second = actor_of(await db.who(db.staff[0])), actor_of(await db.who(db.staff[1]))
    async with db.uow() as uow:
        await dispatch.claim(uow, first, number, MONDAY_10, POLICY)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(DomainError) as not_theirs:
            await lifecycle.add_progress(uow, second, number, "我来", [], MONDAY_10)
        assert "不是您的单" in error_text(not_theirs.value)
        await lifecycle.add_progress(uow, first, number, "已提交", ["p1"], MONDAY_10)
        await lifecycle.complete(uow, first, number, "", MONDAY_10)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(DomainError) as twice:
            await lifecycle.complete(uow, first, number, "", MONDAY_10)
        assert "已经办结" in error_text(twice.value)
        req = await uow.requests.get(db.firm.id, number)
    assert req is not None and req.status is Status.COMPLETED
    assert req.first_progress_at == MONDAY_10 and latest_note(req) == "已办结"
