"""Binding codes: their shapes, reading what people type, their lifetimes, the window maths."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor
from domain.binding import create_invite
from domain.binding_policy import BindingPolicy, blocked_until
from domain.identity import InviteKind
from domain.invite_codes import (
    STAFF_ALPHABET,
    STAFF_CODE_LENGTH,
    new_code,
    read_code,
    shape_of,
)
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_staff_codes_are_eight_unambiguous_characters_with_forty_bits() -> None:
    assert not set("0O1IL") & set(STAFF_ALPHABET)
    assert len(set(STAFF_ALPHABET)) == len(STAFF_ALPHABET) == 31
    assert STAFF_CODE_LENGTH >= 8
    assert math.log2(len(STAFF_ALPHABET)) * STAFF_CODE_LENGTH > 39
    codes = [new_code(InviteKind.STAFF) for _ in range(2000)]
    assert all(len(c) == 8 and set(c) <= set(STAFF_ALPHABET) for c in codes)
    assert len(set(codes)) == len(codes)
    # Every symbol turns up (16,000 draws of 31 symbols): the whole alphabet is in use.
    assert set("".join(codes)) == set(STAFF_ALPHABET)
    assert all(shape_of(c) is InviteKind.STAFF for c in codes)


def test_contact_codes_stay_six_digits() -> None:
    codes = [new_code(InviteKind.CONTACT) for _ in range(200)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert all(shape_of(c) is InviteKind.CONTACT for c in codes)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("AB3K9PQR", ("AB3K9PQR", InviteKind.STAFF)),
        ("ab3k9pqr", ("AB3K9PQR", InviteKind.STAFF)),  # case-insensitive
        ("ab3k-9pqr", ("AB3K9PQR", InviteKind.STAFF)),
        ("ＡＢ３Ｋ９ＰＱＲ", ("AB3K9PQR", InviteKind.STAFF)),  # full-width from a Chinese IME
        ("绑定码：ab3k 9pqr", ("AB3K9PQR", InviteKind.STAFF)),
        ("123456", ("123456", InviteKind.CONTACT)),
        ("我的码是 123 456", ("123456", InviteKind.CONTACT)),
        ("１２３４５６", ("123456", InviteKind.CONTACT)),
    ],
)
def test_a_code_is_read_however_it_is_typed(typed: str, expected: tuple[str, InviteKind]) -> None:
    assert read_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "12ab",
        "12345",
        "1234567",
        "AB3K9PQ",
        "AB3K9PQRS",
        "AB0K9PQR",
        "AB1K9PQR",
        "ABOK9PQR",
        "ABIK9PQR",
        "ABLK9PQR",
        "你好",
        "",
    ],
)
def test_anything_else_is_no_code(typed: str) -> None:
    assert read_code(typed) is None


async def test_staff_codes_live_a_day_and_contact_codes_three() -> None:
    uow = FakeUnitOfWork()
    firm = await uow.identities.add_firm("测试代账", "wx")
    wang = await uow.identities.add_staff(firm.id, "王会计")
    company = await uow.identities.add_company(firm.id, "云帆科技", wang.id)
    liu = await uow.identities.add_contact(company.id, "刘先生")
    staff = await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, wang.id, NOW)
    contact = await create_invite(uow, Actor.system(firm.id), InviteKind.CONTACT, liu.id, NOW)
    assert staff.expires_at == NOW + timedelta(hours=24)
    assert contact.expires_at == NOW + timedelta(hours=72)
    assert shape_of(staff.code) is InviteKind.STAFF
    assert shape_of(contact.code) is InviteKind.CONTACT
    short = BindingPolicy(staff_code_ttl=timedelta(hours=2))
    assert (
        await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, wang.id, NOW, short)
    ).expires_at == (NOW + timedelta(hours=2))


async def test_a_new_code_retires_the_persons_older_ones() -> None:
    uow = FakeUnitOfWork()
    firm = await uow.identities.add_firm("测试代账", "wx")
    wang = await uow.identities.add_staff(firm.id, "王会计")
    li = await uow.identities.add_staff(firm.id, "李会计")
    old = await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, wang.id, NOW)
    other = await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, li.id, NOW)
    new = await create_invite(
        uow, Actor.system(firm.id), InviteKind.STAFF, wang.id, NOW + timedelta(hours=1)
    )
    later = NOW + timedelta(hours=1, seconds=1)
    assert not (await uow.identities.get_invite(firm.id, old.code)).usable(later)  # type: ignore[union-attr]
    assert (await uow.identities.get_invite(firm.id, new.code)).usable(later)  # type: ignore[union-attr]
    assert (await uow.identities.get_invite(firm.id, other.code)).usable(later)  # type: ignore[union-attr]


def test_a_sliding_window_opens_when_enough_failures_have_aged_out() -> None:
    hour = timedelta(hours=1)
    times = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert blocked_until(times[1:], 5, hour, NOW) is None  # four: still allowed
    assert blocked_until(times, 5, hour, NOW) == NOW + timedelta(minutes=10)  # oldest ages out
    seven = [*times, NOW - timedelta(minutes=5), NOW]
    assert blocked_until(seven, 5, hour, NOW) == NOW + timedelta(minutes=30)  # three must go
    assert blocked_until(times, 5, hour, NOW + timedelta(minutes=10)) is None
    stale = [NOW - timedelta(hours=2)] * 10
    assert blocked_until(stale, 5, hour, NOW) is None
