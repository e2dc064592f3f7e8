"""A seeded firm (admins, accountants, client companies with bound contacts) on a real
database, SQLite always and PostgreSQL when configured, and an in-memory WeChat Pay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain import payments
from domain.actors import Actor
from domain.billing import Bill, Cycle
from domain.identity import ClientCompany, Firm
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.pay_fakes import FakeGateway
from tests.support.stories import StoryPeople, seed_story_people

APPID = "wx_billing_test"
# 2026-01-01 10:00 in Shanghai.
NEW_YEAR = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


@dataclass
class Books:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    firm: Firm
    companies: list[ClientCompany]
    people: StoryPeople
    gateway: FakeGateway

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    @property
    def system(self) -> Actor:
        return Actor.system(self.firm.id)

    async def contract(
        self,
        company: int = 0,
        fee_fen: int = 30000,
        cycle: Cycle = Cycle.MONTHLY,
        starts_on: date = date(2026, 1, 1),
        ends_on: date | None = None,
    ) -> int:
        async with self.uow() as uow:
            c = await payments.add_contract(
                uow,
                self.system,
                self.companies[company].id,
                fee_fen,
                cycle,
                starts_on,
                NEW_YEAR,
                ends_on=ends_on,
            )
            await uow.commit()
            return c.id

    async def issue(self, now: datetime = NEW_YEAR) -> payments.IssueReport:
        async with self.uow() as uow:
            report = await payments.issue_due_bills(uow, now)
            await uow.commit()
            return report

    async def bill(self, number: str) -> Bill:
        async with self.uow() as uow:
            bill = await uow.billing.bill_by_number(self.firm.id, number)
        assert bill is not None
        return bill

    async def one_off(self, amount_fen: int = 50000, title: str = "工商变更服务费") -> Bill:
        async with self.uow() as uow:
            bill = await payments.add_one_off_bill(
                uow, self.system, self.companies[0].id, title, amount_fen, NEW_YEAR
            )
            await uow.commit()
            return bill


@pytest.fixture
async def books(db_url: str) -> AsyncIterator[Books]:
    people = await seed_story_people(db_url, APPID, clients=3, staff=2, admins=1)
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.firm_by_appid(APPID)
        assert firm is not None
        companies = list(await uow.identities.list_companies(firm.id))
    yield Books(db_url, engine, sessions, firm, companies, people, FakeGateway())
    await engine.dispose()
