"""Binding, end to end: a stranger binds with an invite code and becomes a client or staff."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.binding import create_invite
from domain.clock import FixedClock
from domain.identity import InviteKind, Role
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat
from tests.support.notices import rendered


async def seed(chat: Any) -> dict[str, Any]:
    """A firm (created by the app), an admin and an accountant bound already, a client contact
    and another accountant to bind."""
    async with SqlUnitOfWork(chat.sessions) as uow:
        firm = chat.pipeline.firm
        bound = {}
        for name, openid, admin in (("赵主管", "o_admin", True), ("王会计", "o_wang", False)):
            s = await uow.identities.add_staff(firm.id, name, is_admin=admin)
            first = await create_invite(
                uow, Actor.system(firm.id), InviteKind.STAFF, s.id, chat_now(chat)
            )
            await uow.identities.use_invite(firm.id, first.code, openid, chat_now(chat))
            await uow.identities.bind_openid(first, openid)
            bound[name] = s.id
        company = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司", bound["王会计"])
        liu = await uow.identities.add_contact(company.id, "刘先生")
        code = await create_invite(
            uow, Actor.system(firm.id), InviteKind.CONTACT, liu.id, chat_now(chat)
        )
        li = await uow.identities.add_staff(firm.id, "李会计")
        staff = await create_invite(
            uow, Actor.system(firm.id), InviteKind.STAFF, li.id, chat_now(chat)
        )
        await uow.commit()
    return {"code": code.code, "staff_code": staff.code, "firm": firm}


def chat_now(chat: Any) -> datetime:
    return chat.clock.now() if chat.clock else datetime.now(UTC)


@pytest.fixture
async def chat(db_url: str, tmp_path: Path) -> Any:
    clock = FixedClock(datetime.now(UTC))
    async with running_chat(make_settings(db_url, tmp_path), nlu=KeywordNLU(), clock=clock) as c:
        yield c


async def identity_of(chat: Any, openid: str) -> Any:
    async with SqlUnitOfWork(chat.sessions) as uow:
        return await uow.identities.resolve(chat.pipeline.firm, openid)


async def test_stranger_binds_over_two_turns_and_accountant_is_told(chat: Any) -> None:
    data = await seed(chat)
    assert "绑定" in (await chat.send_event("o_liu", "subscribe") or "")
    assert "6位绑定码" in (await chat.say("o_liu", "绑定") or "")
    assert "6位数字" in (await chat.say("o_liu", "12ab") or "")
    reply = await chat.say("o_liu", data["code"]) or ""
    assert "绑定成功" in reply and "杭州云帆科技有限公司" in reply
    ident = await identity_of(chat, "o_liu")
    assert ident.role is Role.CLIENT and ident.contact.name == "刘先生"
    async with chat.sessions() as s:
        notices = (await s.scalars(select(OutboxRow).where(OutboxRow.recipient == "o_wang"))).all()
    assert [n.kind for n in notices] == ["client_bound"]
    assert "刘先生" in rendered(notices[0])["text"]
    # The conversation is over: a greeting now knows who they are.
    assert "刘先生您好" in (await chat.say("o_liu", "你好") or "")


async def test_code_in_first_message_binds_at_once_and_cannot_be_reused(chat: Any) -> None:
    data = await seed(chat)
    assert "绑定成功" in (await chat.say("o_liu", f"绑定 {data['code']}") or "")
    reply = await chat.say("o_thief", f"绑定 {data['code']}") or ""
    assert "无效或已过期" in reply
    assert (await identity_of(chat, "o_thief")).role is Role.STRANGER


async def test_expired_code_is_refused(chat: Any) -> None:
    data = await seed(chat)
    chat.clock.advance(days=8)
    assert "过期" in (await chat.say("o_liu", f"绑定 {data['code']}") or "")
    assert (await identity_of(chat, "o_liu")).role is Role.STRANGER


async def test_cancel_leaves_the_flow_and_changes_nothing(chat: Any) -> None:
    await seed(chat)
    await chat.say("o_liu", "绑定")
    assert "已取消" in (await chat.say("o_liu", "取消") or "")
    assert "当前没有进行中的操作" in (await chat.say("o_liu", "取消") or "")
    assert (await identity_of(chat, "o_liu")).role is Role.STRANGER


async def test_idle_flow_expires(chat: Any) -> None:
    await seed(chat)
    await chat.say("o_liu", "绑定")
    chat.clock.advance(seconds=chat.settings.conversation_idle_s + 1)
    reply = await chat.say("o_liu", "123456") or ""
    assert "超时" in reply  # the stale flow was dropped, the digits were not taken as a code


async def test_two_strangers_racing_for_one_code_one_wins(chat: Any) -> None:
    data = await seed(chat)
    replies = await asyncio.gather(
        chat.say("o_a", f"绑定 {data['code']}"), chat.say("o_b", f"绑定 {data['code']}")
    )
    assert sum("绑定成功" in (r or "") for r in replies) == 1
    roles = {(await identity_of(chat, o)).role for o in ("o_a", "o_b")}
    assert roles == {Role.CLIENT, Role.STRANGER}


async def test_menu_click_routes_without_nlu(chat: Any) -> None:
    await seed(chat)
    nlu: KeywordNLU = chat.pipeline.ports.nlu
    before = len(nlu.calls)
    reply = await chat.send_event("o_wang", "CLICK", "help")
    assert reply is not None and "员工功能" in reply
    assert len(nlu.calls) == before
    unknown = await chat.send_event("o_wang", "CLICK", "no_such_intent")
    assert unknown is not None and "没太明白" in unknown


async def test_quick_reply_tap_routes_without_nlu(chat: Any) -> None:
    await seed(chat)
    nlu: KeywordNLU = chat.pipeline.ports.nlu
    before = len(nlu.calls)
    reply = await chat.say("o_wang", "看看帮助", menu_id="help")
    assert reply is not None and "员工功能" in reply
    assert len(nlu.calls) == before


async def test_unsubscribe_drops_an_open_flow(chat: Any) -> None:
    await seed(chat)
    await chat.say("o_liu", "绑定")
    assert await chat.send_event("o_liu", "unsubscribe") is None
    assert "当前没有进行中的操作" in (await chat.say("o_liu", "取消") or "")


async def outbox_of(chat: Any, openid: str) -> list[Any]:
    async with chat.sessions() as s:
        return list((await s.scalars(select(OutboxRow).where(OutboxRow.recipient == openid))).all())


async def test_staff_code_binds_typed_in_lower_case_and_the_admin_hears(chat: Any) -> None:
    data = await seed(chat)
    typed = data["staff_code"].lower()
    typed = f"{typed[:4]}-{typed[4:]}"  # as read out over the phone
    reply = await chat.say("o_li", f"绑定 {typed}") or ""
    assert "绑定成功" in reply and "员工" in reply
    assert (await identity_of(chat, "o_li")).role is Role.STAFF
    [told] = await outbox_of(chat, "o_admin")
    assert told.kind == "identity_bound" and "员工李会计" in rendered(told)["text"]


async def test_a_malformed_code_is_explained_and_the_next_message_is_read_as_the_code(
    chat: Any,
) -> None:
    data = await seed(chat)
    reply = await chat.say("o_liu", "绑定 12345") or ""
    assert "8位字母数字" in reply and "6位数字" in reply
    assert "绑定成功" in (await chat.say("o_liu", data["code"]) or "")


async def test_guessing_is_stopped_and_stays_stopped_across_a_restart(chat: Any) -> None:
    data = await seed(chat)
    wrong = [f"{(int(data['code']) + i) % 1_000_000:06d}" for i in range(1, 6)]
    for code in wrong:
        assert "无效或已过期" in (await chat.say("o_thief", f"绑定 {code}") or "")
    refused = await chat.say("o_thief", f"绑定 {data['code']}") or ""
    assert "以后再试" in refused and "绑定成功" not in refused
    # A restarted app (same database, same clock) still refuses.
    async with running_chat(chat.settings, nlu=KeywordNLU(), clock=chat.clock) as again:
        refused = await again.say("o_thief", f"绑定 {data['code']}") or ""
        assert "以后再试" in refused
        assert (await identity_of(again, "o_thief")).role is Role.STRANGER
        again.clock.advance(hours=1, seconds=1)
        assert "绑定成功" in (await again.say("o_thief", f"绑定 {data['code']}") or "")
