"""Binding against guessing and hijacks, with in-memory fakes: limits on wrong codes per
WeChat user and across the firm, the admins' alerts, who hears of a binding, and rebinding."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actors import Actor
from domain.binding import BindingLocked, bind, create_invite
from domain.binding_policy import BindingPolicy
from domain.errors import DomainError
from domain.identity import Firm, Identity, Invite, InviteKind, Role
from domain.invite_codes import new_code
from handlers.error_texts import error_text
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
POLICY = BindingPolicy()


@dataclass
class Firmly:
    uow: FakeUnitOfWork
    firm: Firm
    staff_code: str  # 李会计, not bound yet
    contact_code: str  # 刘先生 of 云帆科技 (accountant 王会计), not bound yet
    ids: dict[str, int]
    lookups: list[str]

    async def who(self, openid: str) -> Identity:
        return await self.uow.identities.resolve(self.firm, openid)

    async def bind(self, openid: str, code: str, now: datetime = NOW) -> Identity:
        return await bind(self.uow, self.firm, openid, code, now, POLICY)

    async def refusal(self, openid: str, code: str, now: datetime = NOW) -> DomainError:
        with pytest.raises(DomainError) as caught:
            await self.bind(openid, code, now)
        return caught.value

    def told(self, openid: str, kind: str | None = None) -> list[Any]:
        return [
            n for n in self.uow.outbox.notices if n.recipient == openid and kind in (None, n.kind)
        ]


def wrong_contact_code(right: str, i: int) -> str:
    return f"{(int(right) + 1 + i) % 1_000_000:06d}"


@pytest.fixture
async def f() -> Firmly:
    uow = FakeUnitOfWork()
    ids = uow.identities
    firm = await ids.add_firm("测试代账", "wx")
    admin = await ids.add_staff(firm.id, "赵主管", is_admin=True)
    wang = await ids.add_staff(firm.id, "王会计")
    li = await ids.add_staff(firm.id, "李会计")
    ids.staff[admin.id] = replace(admin, openid="o_admin")
    ids.staff[wang.id] = replace(wang, openid="o_wang")
    company = await ids.add_company(firm.id, "云帆科技", wang.id)
    liu = await ids.add_contact(company.id, "刘先生")
    staff_code = (
        await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, li.id, NOW)
    ).code
    contact_code = (
        await create_invite(uow, Actor.system(firm.id), InviteKind.CONTACT, liu.id, NOW)
    ).code
    lookups: list[str] = []
    real_get = ids.get_invite

    async def spying_get(firm_id: int, code: str) -> Invite | None:
        lookups.append(code)
        return await real_get(firm_id, code)

    ids.get_invite = spying_get  # type: ignore[method-assign]
    people = {"admin": admin.id, "wang": wang.id, "li": li.id, "liu": liu.id}
    return Firmly(uow, firm, staff_code, contact_code, people, lookups)


async def test_brute_force_stops_after_five_wrong_codes_even_for_the_right_one(f: Firmly) -> None:
    for i in range(5):
        err = await f.refusal("o_thief", wrong_contact_code(f.contact_code, i), NOW)
        assert err.code == "invalid"
    looked_up = len(f.lookups)
    locked = await f.refusal("o_thief", f.contact_code, NOW + timedelta(minutes=1))
    assert isinstance(locked, BindingLocked) and locked.code == "locked"
    assert locked.until == NOW + timedelta(hours=1)
    assert "11:00以后再试" in error_text(locked)  # the first failure's hour is up at 11:00
    assert len(f.lookups) == looked_up  # not even looked up while locked out
    assert (await f.who("o_thief")).role is Role.STRANGER
    # Another WeChat user is not held back by the thief's lock-out.
    assert (await f.bind("o_liu", f.contact_code, NOW + timedelta(minutes=2))).role is Role.CLIENT


async def test_the_lock_out_ends_when_the_window_has_passed(f: Firmly) -> None:
    for i in range(5):
        await f.refusal("o_slow", wrong_contact_code(f.contact_code, i), NOW + timedelta(minutes=i))
    still = await f.refusal("o_slow", f.contact_code, NOW + timedelta(minutes=59))
    assert still.code == "locked"
    bound = await f.bind("o_slow", f.contact_code, NOW + timedelta(hours=1, seconds=1))
    assert bound.role is Role.CLIENT


async def test_malformed_codes_are_explained_and_not_counted(f: Firmly) -> None:
    for typed in ("12345", "12ab", "ABC", "AB0K9PQR", "1234567") * 3:
        err = await f.refusal("o_li", typed)
        assert err.code == "bad_code"
        assert "8位字母数字" in error_text(err) and "6位数字" in error_text(err)
    assert f.lookups == []
    assert (await f.bind("o_li", f.staff_code.lower())).role is Role.STAFF


async def test_a_contact_shaped_code_never_binds_staff(f: Firmly) -> None:
    # An old six-digit staff code (issued before staff codes grew) is no staff code any more.
    old = Invite("654321", f.firm.id, InviteKind.STAFF, f.ids["li"], NOW + timedelta(days=5))
    assert await f.uow.identities.add_invite(old)
    err = await f.refusal("o_li", "654321")
    assert err.code == "invalid"
    assert (await f.who("o_li")).role is Role.STRANGER


async def test_expired_codes_fail_by_lifetime(f: Firmly) -> None:
    err = await f.refusal("o_li", f.staff_code, NOW + timedelta(hours=24))
    assert err.code == "invalid"
    assert (await f.bind("o_liu", f.contact_code, NOW + timedelta(hours=71))).role is Role.CLIENT


async def test_a_firm_wide_burst_pauses_binding_and_alerts_the_admins_once(f: Firmly) -> None:
    for i in range(POLICY.max_failures_global):
        at = NOW + timedelta(seconds=10 * i)
        await f.refusal(f"o_bot{i % 15}", new_code(InviteKind.STAFF), at)
    assert len(f.told("o_admin", "binding_paused")) == 1
    alert = f.told("o_admin", "binding_paused")[0]
    assert "30次" in alert.text and "15个微信用户" in alert.text
    assert f.told("o_wang", "binding_paused") == []  # admins only
    # Paused for everyone, the right code too, and nothing is looked up meanwhile.
    looked_up = len(f.lookups)
    paused = await f.refusal("o_liu", f.contact_code, NOW + timedelta(minutes=6))
    assert isinstance(paused, BindingLocked) and paused.code == "paused"
    assert paused.until == NOW + timedelta(minutes=10)
    for i in range(20):  # the burst goes on: still one alert
        await f.refusal(f"o_more{i}", new_code(InviteKind.STAFF), NOW + timedelta(minutes=7))
    assert len(f.lookups) == looked_up
    assert len(f.told("o_admin", "binding_paused")) == 1
    # The pause is brief: once the window frees up, binding works again.
    later = NOW + timedelta(minutes=10, seconds=1)
    assert (await f.bind("o_liu", f.contact_code, later)).role is Role.CLIENT


async def test_a_new_burst_after_a_quiet_spell_alerts_again(f: Firmly) -> None:
    for i in range(POLICY.max_failures_global):
        await f.refusal(f"o_a{i}", new_code(InviteKind.STAFF), NOW)
    later = NOW + timedelta(hours=2)
    for i in range(POLICY.max_failures_global):
        await f.refusal(f"o_b{i}", new_code(InviteKind.STAFF), later)
    assert len(f.told("o_admin", "binding_paused")) == 2


async def test_a_contact_binding_is_told_to_the_accountant_and_the_admins(f: Firmly) -> None:
    await f.bind("o_liu", f.contact_code, NOW)
    [to_accountant] = f.told("o_wang")
    assert to_accountant.kind == "client_bound"
    assert "刘先生" in to_accountant.text and "11-23 10:00" in to_accountant.text
    assert "尾号o_liu" in to_accountant.text
    [to_admin] = f.told("o_admin")
    assert to_admin.kind == "identity_bound"
    assert "云帆科技的联系人刘先生" in to_admin.text and "11-23 10:00" in to_admin.text
    assert f.told("o_liu") == []


async def test_a_staff_binding_is_told_to_the_admins_but_not_the_binder(f: Firmly) -> None:
    await f.bind("o_li", f.staff_code, NOW)
    [to_admin] = f.told("o_admin")
    assert to_admin.kind == "identity_bound" and "员工李会计" in to_admin.text
    assert f.told("o_li") == [] and f.told("o_wang") == []
    # An admin binding their own (new) code is not told about themselves.
    fresh = await create_invite(
        f.uow, Actor.system(f.firm.id), InviteKind.STAFF, f.ids["admin"], NOW
    )
    await f.bind("o_admin", fresh.code, NOW)
    assert [n.kind for n in f.told("o_admin")] == ["identity_bound"]


async def test_an_accountant_who_is_admin_hears_once(f: Firmly) -> None:
    wang = f.uow.identities.staff[f.ids["wang"]]
    f.uow.identities.staff[wang.id] = replace(wang, is_admin=True)
    await f.bind("o_liu", f.contact_code, NOW)
    assert [n.kind for n in f.told("o_wang")] == ["client_bound"]


async def test_a_bound_person_is_never_silently_moved_by_an_older_code(f: Firmly) -> None:
    # A second code for 刘先生 from before anyone bound (added straight to the repository:
    # today a new code retires the older ones); the real owner binds with the first.
    spare = Invite("246810", f.firm.id, InviteKind.CONTACT, f.ids["liu"], NOW + timedelta(days=1))
    assert await f.uow.identities.add_invite(spare)
    await f.bind("o_liu", f.contact_code, NOW)
    err = await f.refusal("o_thief", "246810", NOW + timedelta(minutes=1))
    assert err.code == "taken"
    assert (await f.who("o_liu")).role is Role.CLIENT
    assert (await f.who("o_thief")).role is Role.STRANGER
    assert (await f.uow.identities.get_invite(f.firm.id, "246810")).used_at is None  # type: ignore[union-attr]


async def test_a_code_issued_for_a_new_phone_moves_the_binding_and_tells_the_old_one(
    f: Firmly,
) -> None:
    await f.bind("o_liu", f.contact_code, NOW)
    fresh = await create_invite(
        f.uow, Actor.system(f.firm.id), InviteKind.CONTACT, f.ids["liu"], NOW
    )
    assert fresh.replaces_openid == "o_liu"
    f.uow.outbox.notices.clear()
    bound = await f.bind("o_liu_new_phone", fresh.code, NOW + timedelta(minutes=5))
    assert bound.role is Role.CLIENT and bound.contact is not None
    assert (await f.who("o_liu")).role is Role.STRANGER
    [old_phone] = f.told("o_liu")
    assert old_phone.kind == "binding_replaced" and "刘先生" in old_phone.text
    [to_admin] = f.told("o_admin")
    assert "原来绑定的微信已自动解绑" in to_admin.text


async def test_a_rebinding_code_moves_only_the_binding_it_was_issued_for(f: Firmly) -> None:
    await f.bind("o_liu", f.contact_code, NOW)
    fresh = await create_invite(
        f.uow, Actor.system(f.firm.id), InviteKind.CONTACT, f.ids["liu"], NOW
    )
    # Meanwhile the binding moved elsewhere (say an admin rebound by hand): the code is stale.
    liu = f.uow.identities.contacts[f.ids["liu"]]
    f.uow.identities.contacts[liu.id] = replace(liu, openid="o_liu_tablet")
    err = await f.refusal("o_thief", fresh.code, NOW + timedelta(minutes=5))
    assert err.code == "taken"
    assert (await f.who("o_liu_tablet")).role is Role.CLIENT


async def test_every_binding_notice_has_a_template_for_outside_the_48_hours(f: Firmly) -> None:
    from bot.outbox.templates import SANDBOX_TEMPLATES

    await f.bind("o_liu", f.contact_code, NOW)
    fresh = await create_invite(
        f.uow, Actor.system(f.firm.id), InviteKind.CONTACT, f.ids["liu"], NOW
    )
    await f.bind("o_liu_new_phone", fresh.code, NOW)
    for i in range(POLICY.max_failures_global):
        await f.refusal(f"o_bot{i}", new_code(InviteKind.STAFF), NOW)
    kinds = {n.kind for n in f.uow.outbox.notices}
    assert kinds == {"client_bound", "identity_bound", "binding_replaced", "binding_paused"}
    assert kinds <= SANDBOX_TEMPLATES.keys()
