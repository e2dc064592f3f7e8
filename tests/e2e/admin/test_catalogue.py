"""The catalogue page (`/admin/catalogue`): admins set an item's price (empty: 面议) and whether
it is offered; the chat's 服务项目 shows the change at once; an accountant cannot open or post
it; a price that is not money is refused and nothing changes."""

from __future__ import annotations

import re

from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel


async def _item(panel: Panel, name: str) -> tuple[int, int | None, bool]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        items = await uow.catalogue.list_items(firm.id, active_only=False)
    item = next(i for i in items if i.name == name)
    return item.id, item.price_fen, item.active


async def test_an_admin_reprices_and_withdraws_items(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/catalogue")
    assert status == 200 and "公司注册" in body and "¥800.00" in body and "面议" in body
    item_id, _, _ = await _item(panel, "公司注册")

    status, _, headers = await admin.post(
        f"/catalogue/{item_id}", {"_csrf": admin.csrf, "price": "880", "active": "on"}
    )
    assert status == 303 and headers["Location"].endswith("/catalogue?saved=1")
    assert await _item(panel, "公司注册") == (item_id, 88000, True)
    shown = await panel.chat.say("o_demo_chen", "详情", menu_id=f"browse_services:i{item_id}")
    assert shown is not None and "【公司注册】¥880.00" in shown

    status, body, _ = await admin.post(
        f"/catalogue/{item_id}", {"_csrf": admin.csrf, "price": "很多钱", "active": "on"}
    )
    assert status == 400 and "留空表示面议" in body
    assert await _item(panel, "公司注册") == (item_id, 88000, True)

    status, _, _ = await admin.post(f"/catalogue/{item_id}", {"_csrf": admin.csrf, "price": ""})
    assert status == 303 and await _item(panel, "公司注册") == (item_id, None, False)
    _, body, _ = await admin.get("/catalogue")
    assert re.search(r"公司注册.*?面议（已下架）", body, re.S)


async def test_an_accountant_cannot_touch_the_catalogue(panel: Panel) -> None:
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.get("/catalogue")
    assert status in (403, 404)
    item_id, price, active = await _item(panel, "工商变更")
    status, _, _ = await wang.post(f"/catalogue/{item_id}", {"_csrf": wang.csrf, "price": "1"})
    assert status in (403, 404)
    assert await _item(panel, "工商变更") == (item_id, price, active)
