"""Logging in: the right password lets in; failures are limited per account and per address,
and while either is locked even the right password is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.identity import Staff
from domain.staff_access import AccessPolicy, Refusal
from domain.staff_logins import (
    bootstrap_admin,
    issue_link,
    link_holder,
    log_in,
    set_password,
    set_password_by_link,
)
from tests.unit.admin.fakes import AccessUow, PlainHasher

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = "春眠不觉晓处处闻啼鸟夜来风雨声"
POLICY = AccessPolicy(failures_per_account=5, failures_per_address=20, window=timedelta(minutes=15))


@pytest.fixture
async def uow() -> AccessUow:
    u = AccessUow()
    firm = await u.identities.add_firm("示范", "wx1")
    await u.identities.add_staff(firm.id, "赵主管", "13800000001", is_admin=True)
    wang = await u.identities.add_staff(firm.id, "王会计", "13800000002")
    await set_password(u, wang, GOOD, NOW, PlainHasher())
    return u


async def wang(uow: AccessUow) -> Staff:
    s = await uow.identities.staff_by_name(1, "王会计")
    assert s is not None
    return s


async def attempt(
    uow: AccessUow, login: str, password: str, *, at: datetime = NOW, address: str = "10.0.0.1"
) -> Refusal | None:
    result = await log_in(uow, 1, login, password, address, at, PlainHasher(), POLICY)
    return result.refusal


async def test_the_right_password_logs_in_by_name_or_phone(uow: AccessUow) -> None:
    assert await attempt(uow, "王会计", GOOD) is None
    assert await attempt(uow, "138 0000 0002", GOOD) is None
    assert await attempt(uow, "+8613800000002", GOOD) is None


async def test_five_failures_lock_the_account_even_against_the_right_password(
    uow: AccessUow,
) -> None:
    for _ in range(5):
        assert await attempt(uow, "王会计", "wrong password!") is Refusal.WRONG
    assert await attempt(uow, "王会计", GOOD) is Refusal.ACCOUNT_LOCKED
    # By phone it is the same account.
    assert await attempt(uow, "13800000002", GOOD) is Refusal.ACCOUNT_LOCKED
    # The lock ends a window after the failures; then the right password works again.
    later = NOW + POLICY.window + timedelta(seconds=1)
    assert await attempt(uow, "王会计", GOOD, at=later) is None


async def test_a_locked_account_counts_no_more_failures(uow: AccessUow) -> None:
    for _ in range(5):
        await attempt(uow, "王会计", "nope nope nope")
    for minute in range(1, 10):
        await attempt(uow, "王会计", "nope", at=NOW + timedelta(minutes=minute))
    assert len(uow.staff_access.failures) == 5


async def test_one_address_trying_many_accounts_is_locked_out(uow: AccessUow) -> None:
    for i in range(20):
        assert await attempt(uow, f"员工{i}", "Password1!", address="203.0.113.9") is Refusal.WRONG
    assert await attempt(uow, "王会计", GOOD, address="203.0.113.9") is Refusal.ADDRESS_LOCKED
    assert await attempt(uow, "王会计", GOOD, address="198.51.100.7") is None


async def test_an_unknown_name_fails_as_a_wrong_password_does_and_costs_a_hash(
    uow: AccessUow,
) -> None:
    hasher = PlainHasher()
    result = await log_in(uow, 1, "不存在", "whatever", "10.0.0.1", NOW, hasher, POLICY)
    assert result.refusal is Refusal.WRONG
    assert hasher.verified == [None]  # verified against nothing: the same work as a real check
    for _ in range(4):
        await attempt(uow, "不存在", "whatever")
    assert await attempt(uow, "不存在", "whatever") is Refusal.ACCOUNT_LOCKED


async def test_success_forgives_earlier_failures_of_the_account(uow: AccessUow) -> None:
    for _ in range(4):
        await attempt(uow, "王会计", "wrong wrong wrong")
    assert await attempt(uow, "王会计", GOOD) is None
    for _ in range(4):
        assert await attempt(uow, "王会计", "wrong wrong wrong") is Refusal.WRONG


async def test_an_inactive_staff_member_cannot_log_in(uow: AccessUow) -> None:
    staff = await wang(uow)
    uow.identities.staff[staff.id] = replace(staff, active=False)
    assert await attempt(uow, "王会计", GOOD) is Refusal.WRONG


async def test_the_first_admin_gets_the_bootstrap_password_once(uow: AccessUow) -> None:
    hasher = PlainHasher()
    admin = await bootstrap_admin(uow, 1, "bootstrap-pass-123", NOW, hasher)
    assert admin is not None and admin.name == "赵主管"
    assert await attempt(uow, "赵主管", "bootstrap-pass-123") is None
    assert await bootstrap_admin(uow, 1, "another-one-456", NOW, hasher) is None
    assert await attempt(uow, "赵主管", "another-one-456") is Refusal.WRONG


async def test_a_link_sets_a_password_once_and_retires_earlier_links(uow: AccessUow) -> None:
    staff = await wang(uow)
    first, _ = await issue_link(uow, staff, NOW, POLICY)
    token, expires = await issue_link(uow, staff, NOW, POLICY)
    assert expires == NOW + POLICY.link_lifetime
    assert await link_holder(uow, first, NOW) is None
    new = "秋水共长天一色落霞与孤鹜齐飞"
    assert await set_password_by_link(uow, token, new, NOW, PlainHasher()) == staff
    assert await set_password_by_link(uow, token, new + "!", NOW, PlainHasher()) is None
    assert await attempt(uow, "王会计", new) is None
    assert (await uow.staff_access.credential(staff.id)).version == 2  # type: ignore[union-attr]


async def test_a_link_expires(uow: AccessUow) -> None:
    token, expires = await issue_link(uow, await wang(uow), NOW, POLICY)
    assert await link_holder(uow, token, expires) is None
