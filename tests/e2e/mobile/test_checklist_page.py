"""`/m/checklist` over real HTTP behind the sandbox's WeChat web authorisation: the client sees
this month's checklist and ticks their items with a tap, through the same service as the chat
("工资表确认了"), so a tick made in one place is done in the other and the accountant hears of
it the same way; the accountant's items are read-only; ticking twice changes nothing; another
company's checklist, a contact without the owner's leave, a forged form or another site's post
see and change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.actors import Actor
from domain.binding import create_invite
from domain.clock import FixedClock
from domain.filing import Checklist
from domain.identity import InviteKind
from storage.uow import SqlUnitOfWork
from tests.support.books_world import NOW, QINGHE, YUNFAN, BooksWorld, seed_books_world
from tests.support.harness import make_settings
from tests.support.mobile import MobileVisitor, Page, mobile_visitor
from tests.support.outbound import SandboxChat, running_sandbox

PERIOD = "2026-09"  # filed in October: NOW is 12 October 2026
TICK = "/m/checklist/tick"


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[tuple[SandboxChat, BooksWorld]]:
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=FixedClock(NOW)) as chat:
        seeded = await seed_books_world(chat.sessions, chat.pipeline.firm.id, settings.data_dir)
        yield chat, seeded


@pytest.fixture
async def phone(world: Any) -> AsyncIterator[MobileVisitor]:
    chat, _ = world
    async with mobile_visitor(str(chat.server.make_url("/"))) as visitor:
        yield visitor


async def checklist_of(chat: SandboxChat, company_id: int) -> Checklist | None:
    async with SqlUnitOfWork(chat.sessions) as uow:
        return await uow.filing.checklist(company_id, PERIOD)


async def done_at(chat: SandboxChat, company_id: int) -> dict[str, Any]:
    found = await checklist_of(chat, company_id)
    return {} if found is None else {i.key: i.done_at for i in found.items}


def states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-item="(\w+)" data-state="(\w+)"', html))


async def tick(phone: MobileVisitor, item: str, **extra: str) -> Page:
    """Tap 已准备好 and follow the redirect back to the list, as the browser does."""
    posted = await phone.post(TICK, {"item": item, **extra})
    if posted.status != 303:
        return posted
    return await phone.get(posted.headers["Location"])


async def add_contact(chat: SandboxChat, company_id: int, name: str, openid: str) -> None:
    firm_id = chat.pipeline.firm.id
    async with SqlUnitOfWork(chat.sessions) as uow:
        contact = await uow.identities.add_contact(company_id, name)
        invite = await create_invite(
            uow, Actor.system(firm_id), InviteKind.CONTACT, contact.id, NOW
        )
        await uow.identities.use_invite(firm_id, invite.code, openid, NOW)
        await uow.identities.bind_openid(invite, openid)
        await uow.commit()


async def test_the_client_sees_the_month_and_ticks_their_items_as_in_the_chat(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded = world
    await chat.say("o_wang", "你好")  # inside the 48-hour window: 客服 messages reach him
    page = await phone.open_as("o_liu", "/m/checklist")
    assert page.status == 200, page.text
    assert YUNFAN in page.text and QINGHE not in page.text
    assert "2026年9月申报" in page.text and "申报截止10月26日，还有 14 天" in page.text
    assert states(page.text) == {
        "invoices": "open",
        "bank": "open",
        "payroll": "open",
        "bookkeeping": "open",
        "vat": "open",
        "iit": "open",
        "debit": "open",
    }
    assert "10月21日前" in page.text  # 确认工资表's own deadline
    # Only the client's items carry a tap; the accountant's are shown, not offered.
    offered = set(re.findall(r'name="item" value="(\w+)"', page.text))
    assert offered == {"invoices", "bank", "payroll"}

    assert 'name="period" value="2026-09"' in page.text
    page = await tick(phone, "payroll", period=PERIOD)
    assert page.status == 200, page.text
    assert "收到，“确认工资表”已确认✅ 还有2项待完成。" in page.text
    assert states(page.text)["payroll"] == "done"
    first = (await done_at(chat, seeded.yunfan))["payroll"]
    assert first is not None

    again = await tick(phone, "payroll")  # a second tap (or a reload of the form)
    assert "“确认工资表”之前已经确认过了" in again.text
    assert (await done_at(chat, seeded.yunfan))["payroll"] == first
    # The chat reads the same checklist.
    assert "之前已经确认过了" in (await chat.say("o_liu", "工资表确认了") or "")
    assert "还有1项" in (await chat.say("o_liu", "银行流水发你了") or "")
    page = await phone.get("/m/checklist")
    assert states(page.text)["bank"] == "done"

    page = await tick(phone, "invoices")
    assert "您这边的资料都齐了" in page.text
    assert "已准备好" not in page.text.split('data-party="staff"')[0]

    async def told_complete() -> bool:
        texts = [str(i.get("text", "")) for i in await chat.outbox_json("o_wang")]
        return any("确认进项发票" in t and "客户资料已齐" in t for t in texts)

    await chat.wait_for(told_complete)
    texts = [str(i.get("text", "")) for i in await chat.outbox_json("o_wang")]
    assert sum("刘先生已确认" in t for t in texts) == 3  # payroll, bank, invoices: once each


async def test_the_accountants_items_and_bad_input_change_nothing(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded = world
    assert (await phone.open_as("o_liu", "/m/checklist")).status == 200
    before = await done_at(chat, seeded.yunfan)

    refused = await tick(phone, "vat")
    assert refused.status == 403 and "由会计完成" in refused.text
    assert (await tick(phone, "no_such_item")).status == 404
    for bad in ("", "PAYROLL", "payroll'; --", "x" * 80):
        assert (await tick(phone, bad)).status == 400, bad
    other_site = await phone.post(TICK, {"item": "payroll"}, origin="https://evil.example")
    assert other_site.status == 403
    # A page shown for August's checklist, tapped once the month has turned: not moved over.
    stale = await phone.post(TICK, {"item": "payroll", "period": "2026-08"})
    assert stale.status == 409 and "请刷新页面" in stale.text
    async with mobile_visitor(phone.origin) as nobody:  # no session at all
        assert (await nobody.post(TICK, {"item": "payroll"})).status == 401
    assert await done_at(chat, seeded.yunfan) == before
    assert all(at is None for at in before.values())


async def test_another_companys_checklist_shows_and_changes_nothing(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded = world
    await phone.open_as("o_liu", "/m/checklist")  # 云帆's checklist exists
    async with mobile_visitor(phone.origin) as chen:
        own = await chen.open_as("o_chen", "/m/checklist")
        assert own.status == 200 and QINGHE in own.text and YUNFAN not in own.text
        theirs = await chen.get(f"/m/checklist?company={seeded.yunfan}")
        assert theirs.status == 404 and YUNFAN not in theirs.text
        assert 'data-item="' not in theirs.text
        posted = await chen.post(TICK, {"item": "payroll", "company": str(seeded.yunfan)})
        assert posted.status == 404 and YUNFAN not in posted.text
    assert all(at is None for at in (await done_at(chat, seeded.yunfan)).values())
    assert all(at is None for at in (await done_at(chat, seeded.qinghe)).values())


async def test_only_contacts_allowed_to_see_the_books_see_the_checklist(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded = world
    await add_contact(chat, seeded.yunfan, "王出纳", "o_cashier")
    async with mobile_visitor(phone.origin) as cashier:
        page = await cashier.open_as("o_cashier", "/m/checklist")
        assert page.status == 403 and "需要刘先生同意" in page.text
        assert 'data-item="' not in page.text
        assert (await cashier.post(TICK, {"item": "payroll"})).status == 403
        assert all(at is None for at in (await done_at(chat, seeded.yunfan)).values())
        assert "王出纳现在也能查看" in (await chat.say("o_liu", "让王出纳也能看账") or "")
        page = await tick(cashier, "payroll")
        assert page.status == 200 and states(page.text)["payroll"] == "done"


async def test_the_checklist_is_linked_from_the_start_page_and_the_books(
    world: Any, phone: MobileVisitor
) -> None:
    chat, _ = world
    listed = await chat.say("o_liu", "申报清单")  # the chat's checklist links to the page
    assert listed is not None and "/m/checklist" in listed and "在手机上查看和勾选" in listed
    home = await phone.open_as("o_liu", "/m/")
    assert 'href="/m/checklist"' in home.text and "申报清单" in home.text
    books = await phone.get("/m/books")
    assert 'href="/m/checklist"' in books.text
    async with mobile_visitor(phone.origin) as wang:  # staff: the chat's 本月申报 is theirs
        staff_home = await wang.open_as("o_wang", "/m/")
        assert 'href="/m/checklist"' not in staff_home.text
        assert (await wang.get("/m/checklist")).status == 403
