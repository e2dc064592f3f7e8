"""The service catalogue is the one source of truth for the business types clients may ask for:
an admin adds an item with a new request type in the panel and a client raises it in words at
once, no list edited and no model retrained; an item taken off is neither offered nor created."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage.tables.requests import RequestRow
from storage.uow import SqlUnitOfWork
from tests.support.panel import (
    ADMIN,
    ADMIN_PASSWORD,
    STAFF_PASSWORD,
    WANG,
    Panel,
    running_panel,
)

CLIENT = "o_demo_chen"
NEW_TYPE = "跨境电商备案"


@pytest.fixture(scope="module")
def parser() -> Any:
    """The real embedded parser, built without request types: the app hands it the database's."""
    from nlu.backends import build_parser

    return build_parser("embedded", "")


@pytest.fixture
async def panel(settings: Settings, parser: Any) -> AsyncIterator[Panel]:
    async with running_panel(settings, nlu=parser) as panel:
        yield panel


async def _types_raised(panel: Panel) -> list[str]:
    async with panel.sessions() as session:
        return list(await session.scalars(select(RequestRow.type)))


async def _item_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        items = await uow.catalogue.list_items(firm.id, active_only=False)
    return next(i.id for i in items if i.name == name)


async def _say(panel: Panel, text: str) -> str:
    reply = await panel.chat.say(CLIENT, text)
    assert reply is not None, text
    return reply


async def test_a_new_catalogue_item_is_understood_and_raised_at_once(panel: Panel) -> None:
    # Before: nobody offers it, so the words name no business the firm does.
    first = await _say(panel, f"我想办个{NEW_TYPE}")
    assert "请问要办理哪项业务" in first and NEW_TYPE not in first
    await _say(panel, "取消")

    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, _, headers = await admin.post(
        "/catalogue/new",
        {
            "_csrf": admin.csrf,
            "category": "其他服务",
            "name": NEW_TYPE,
            "request_type": NEW_TYPE,
            "price": "1500",
            "duration": "5个工作日",
        },
    )
    assert status == 303 and headers["Location"].endswith("/catalogue?saved=new")
    _, body, _ = await admin.get("/catalogue")
    assert NEW_TYPE in body and "¥1,500.00" in body

    asked = await _say(panel, f"我想办个{NEW_TYPE}")
    assert f"好的，{NEW_TYPE}" in asked, asked
    await _say(panel, "亚马逊店铺要用，资料都准备好了")
    summary = await _say(panel, "普通")
    assert f"业务类型：{NEW_TYPE}\n" in summary, summary
    done = await _say(panel, "确认")
    assert "单号：R" in done and NEW_TYPE in done, done
    assert (await _types_raised(panel)).count(NEW_TYPE) == 1


async def test_an_item_taken_off_is_no_longer_offered_or_created(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    await admin.post(
        "/catalogue/new",
        {"_csrf": admin.csrf, "category": "其他服务", "name": NEW_TYPE, "price": ""},
    )
    item_id = await _item_id(panel, NEW_TYPE)
    status, _, _ = await admin.post(f"/catalogue/{item_id}", {"_csrf": admin.csrf, "price": ""})
    assert status == 303  # saved without 上架: withdrawn

    asked = await _say(panel, f"我想办个{NEW_TYPE}")
    assert "请问要办理哪项业务" in asked and NEW_TYPE not in asked, asked
    refused = await _say(panel, NEW_TYPE)
    assert "暂时没有这项业务" in refused, refused
    assert NEW_TYPE not in await _types_raised(panel)

    # A seed item withdrawn likewise: 商标注册 is not read from "注册个商标" any more.
    trademark = await _item_id(panel, "商标注册")
    await admin.post(f"/catalogue/{trademark}", {"_csrf": admin.csrf, "price": "1200"})
    await _say(panel, "取消")
    asked = await _say(panel, "帮我注册个商标")
    assert "商标注册" not in asked, asked
    assert "商标注册" not in await _types_raised(panel)


async def test_adding_an_item_is_for_admins_and_bad_input_changes_nothing(panel: Panel) -> None:
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.post(
        "/catalogue/new", {"_csrf": wang.csrf, "category": "其他服务", "name": NEW_TYPE}
    )
    assert status in (403, 404)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.post(
        "/catalogue/new", {"_csrf": admin.csrf, "category": "其他服务", "name": "公司注册"}
    )
    assert status == 409 and "已经有叫“公司注册”的服务项目了" in body
    status, body, _ = await admin.post(
        "/catalogue/new",
        {"_csrf": admin.csrf, "category": "其他服务", "name": NEW_TYPE, "price": "很多钱"},
    )
    assert status == 400 and "留空表示面议" in body
    status, body, _ = await admin.post(
        "/catalogue/new", {"_csrf": admin.csrf, "category": " ", "name": NEW_TYPE}
    )
    assert status == 422 and "有一项没填好" in body
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        names = [i.name for i in await uow.catalogue.list_items(firm.id, active_only=False)]
    assert NEW_TYPE not in names and names.count("公司注册") == 1
    asked = await _say(panel, f"我想办个{NEW_TYPE}")
    assert NEW_TYPE not in asked
