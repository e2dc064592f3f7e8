"""Binding, end to end: a stranger binds with an invite code and becomes a client or staff."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from domain.binding import create_invite
from domain.clock import FixedClock
from domain.identity import InviteKind, Role
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat


async def seed(chat: Any) -> dict[str, Any]:
    """A firm (created by the app), an accountant bound already, a client contact to bind."""
    async with SqlUnitOfWork(chat.sessions) as uow:
        firm = chat.pipeline.firm
        wang = await uow.identities.add_staff(firm.id, "王会计", "13800000002")
        staff_code = await create_invite(uow, firm.id, InviteKind.STAFF, wang.id, chat_now(chat))
        await uow.identities.use_invite(firm.id, staff_code.code, "o_wang", chat_now(chat))
        await uow.identities.bind_openid(staff_code, "o_wang")
        company = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司", wang.id)
        liu = await uow.identities.add_contact(company.id, "刘先生")
        code = await create_invite(uow, firm.id, InviteKind.CONTACT, liu.id, chat_now(chat))
        await uow.commit()
    return {"code": code.code, "firm": firm}


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
    assert "刘先生" in notices[0].payload["text"]
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
