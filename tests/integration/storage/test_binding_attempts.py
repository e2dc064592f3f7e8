"""The binding guard's storage against a real database (SQLite always, PostgreSQL when
configured), with two engines standing in for two worker processes: failures and bursts are
shared, the limits hold across them, a racing burst alerts once, and a refused binding changes
nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.actors import Actor
from domain.binding import BindingLocked, bind, create_invite
from domain.binding_policy import BindingFailure, BindingPolicy
from domain.errors import DomainError
from domain.identity import Firm, Identity, Invite, InviteKind, Role
from domain.invite_codes import new_code
from storage.engine import create_engine, session_factory
from storage.tables.identity import BindingFailureRow
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
POLICY = BindingPolicy()


@dataclass
class Two:
    """One database, two processes' worth of engines."""

    a: async_sessionmaker[AsyncSession]
    b: async_sessionmaker[AsyncSession]
    firm: Firm
    staff_code: str
    contact_code: str
    liu_id: int

    async def who(self, sessions: async_sessionmaker[AsyncSession], openid: str) -> Identity:
        async with SqlUnitOfWork(sessions) as uow:
            return await uow.identities.resolve(self.firm, openid)

    async def attempt(
        self, sessions: async_sessionmaker[AsyncSession], openid: str, code: str, at: datetime
    ) -> DomainError | Identity:
        """One chat turn's worth: bind in a unit of work, committed whatever the outcome."""
        async with SqlUnitOfWork(sessions) as uow:
            try:
                result: DomainError | Identity = await bind(
                    uow, self.firm, openid, code, at, POLICY
                )
            except DomainError as exc:
                result = exc
            await uow.commit()
        return result


@pytest.fixture
async def two(db_url: str) -> AsyncIterator[Two]:
    engines: list[AsyncEngine] = [create_engine(db_url), create_engine(db_url)]
    a, b = (session_factory(e) for e in engines)
    async with SqlUnitOfWork(a) as uow:
        ids = uow.identities
        firm = await ids.add_firm("测试代账", "wx_guard")
        admin = await ids.add_staff(firm.id, "赵主管", is_admin=True)
        first = await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, admin.id, NOW)
        await ids.use_invite(firm.id, first.code, "o_admin", NOW)
        assert await ids.bind_openid(first, "o_admin")
        li = await ids.add_staff(firm.id, "李会计")
        company = await ids.add_company(firm.id, "云帆科技")
        liu = await ids.add_contact(company.id, "刘先生")
        staff_code = (
            await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, li.id, NOW)
        ).code
        contact_code = (
            await create_invite(uow, Actor.system(firm.id), InviteKind.CONTACT, liu.id, NOW)
        ).code
        await uow.commit()
    yield Two(a, b, firm, staff_code, contact_code, liu.id)
    for e in engines:
        await e.dispose()


async def test_failures_in_one_process_lock_out_in_the_other(two: Two) -> None:
    for i in range(POLICY.max_failures_per_user):
        sessions = two.a if i % 2 else two.b
        wrong = new_code(InviteKind.STAFF)
        result = await two.attempt(sessions, "o_thief", wrong, NOW + timedelta(minutes=i))
        assert isinstance(result, DomainError) and result.code == "invalid"
    # The right code, through the other process, a minute later: still refused.
    locked = await two.attempt(two.a, "o_thief", two.staff_code, NOW + timedelta(minutes=5))
    assert isinstance(locked, BindingLocked) and locked.code == "locked"
    assert locked.until == NOW + timedelta(hours=1)
    assert (await two.who(two.b, "o_thief")).role is Role.STRANGER
    # And the lock-out ends on time, whichever process answers.
    bound = await two.attempt(two.b, "o_thief", two.staff_code, NOW + timedelta(hours=1, seconds=1))
    assert isinstance(bound, Identity) and bound.role is Role.STAFF


async def test_failures_are_listed_per_openid_and_old_ones_forgotten(two: Two) -> None:
    fid = two.firm.id
    async with SqlUnitOfWork(two.a) as uow:
        repo = uow.binding_attempts
        for minutes, openid in ((-20 * 24 * 60, "o_x"), (-30, "o_x"), (-20, "o_y"), (-10, "o_x")):
            at = NOW + timedelta(minutes=minutes)
            await repo.add_failure(fid, BindingFailure(openid, at), at - POLICY.keep_failures)
        await uow.commit()
    async with SqlUnitOfWork(two.b) as uow:
        repo = uow.binding_attempts
        mine = await repo.failures_since(fid, NOW - timedelta(hours=1), "o_x")
        assert [f.at for f in mine] == [NOW - timedelta(minutes=30), NOW - timedelta(minutes=10)]
        everyone = await repo.failures_since(fid, NOW - timedelta(minutes=25))
        assert [f.openid for f in everyone] == ["o_y", "o_x"]
        # The 20-day-old failure went when a newer one was recorded.
        kept = await uow.session.scalar(select(func.count()).select_from(BindingFailureRow))
        assert kept == 3
        assert await repo.failures_since(fid, NOW - timedelta(days=30), "o_nobody") == []


async def test_a_burst_starts_once_across_processes_and_again_after_a_quiet_spell(
    two: Two,
) -> None:
    fid = two.firm.id
    until = NOW + POLICY.global_window

    async def note(sessions: async_sessionmaker[AsyncSession], at: datetime) -> bool:
        async with SqlUnitOfWork(sessions) as uow:
            started = await uow.binding_attempts.note_burst(fid, at, at + POLICY.global_window)
            await uow.commit()
        return started

    racing = await asyncio.gather(*(note(s, NOW) for s in (two.a, two.b, two.a, two.b)))
    assert sorted(racing) == [False, False, False, True]
    # Still going on five minutes later: extended, not restarted.
    assert await note(two.b, NOW + timedelta(minutes=5)) is False
    assert await note(two.a, until + timedelta(minutes=1)) is False  # extended to 15 min
    quiet = NOW + timedelta(minutes=5) + POLICY.global_window + timedelta(minutes=20)
    assert await note(two.a, quiet) is True


async def test_the_firm_wide_pause_alerts_the_admins_once_across_processes(two: Two) -> None:
    results = []
    for i in range(POLICY.max_failures_global + 6):
        sessions = two.a if i % 2 else two.b
        at = NOW + timedelta(seconds=5 * i)
        results.append(await two.attempt(sessions, f"o_bot{i}", new_code(InviteKind.STAFF), at))
    codes = [r.code for r in results if isinstance(r, DomainError)]
    assert codes == ["invalid"] * POLICY.max_failures_global + ["paused"] * 6
    async with two.a() as s:
        alerts = (
            await s.scalars(select(OutboxRow).where(OutboxRow.kind == "binding_paused"))
        ).all()
    assert [n.recipient for n in alerts] == ["o_admin"]


async def test_a_refused_binding_changes_nothing(two: Two) -> None:
    """The target moves only from no one, the binder, or the openid the code may replace; and
    the binder's earlier binding is released only if the new one happens."""
    async with SqlUnitOfWork(two.a) as uow:
        ids = uow.identities
        li = await ids.staff_by_name(two.firm.id, "李会计")
        admin = await ids.staff_by_name(two.firm.id, "赵主管")
        assert li is not None and admin is not None
        fresh = await create_invite(uow, Actor.system(two.firm.id), InviteKind.STAFF, li.id, NOW)
        await uow.commit()
    assert fresh.replaces_openid is None
    assert isinstance(await two.attempt(two.b, "o_li", fresh.code, NOW), Identity)
    # A code for the admin that predates the admin's binding (it may replace no one).
    stale = Invite("ZZZZZZZZ", two.firm.id, InviteKind.STAFF, admin.id, NOW + timedelta(days=1))
    async with SqlUnitOfWork(two.a) as uow:
        assert await uow.identities.bind_openid(stale, "o_li") is False
        await uow.commit()
    assert (await two.who(two.b, "o_admin")).role is Role.ADMIN
    li_now = await two.who(two.b, "o_li")  # not released by the refused attempt
    assert li_now.role is Role.STAFF and li_now.display_name == "李会计"
    async with SqlUnitOfWork(two.a) as uow:
        assert await uow.identities.bind_openid(fresh, "o_li") is True  # already o_li: fine
        await uow.commit()
    # The one openid a rebinding code was issued for can be moved.
    async with SqlUnitOfWork(two.a) as uow:
        moving = await create_invite(
            uow, Actor.system(two.firm.id), InviteKind.STAFF, admin.id, NOW
        )
        assert moving.replaces_openid == "o_admin"
        assert await uow.identities.bind_openid(moving, "o_admin_new_phone") is True
        await uow.commit()
    assert (await two.who(two.b, "o_admin_new_phone")).role is Role.ADMIN
    assert (await two.who(two.b, "o_admin")).role is Role.STRANGER
