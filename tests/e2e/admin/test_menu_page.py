"""The Official Account menu in the panel: the built-in menu is what an admin starts from; a menu
breaking WeChat's rules is refused with each problem named and nothing sent; a good one is
published through the sandbox's menu/create, kept as a version and audit-logged; a refusal
from WeChat is shown and changes nothing; an earlier version can be loaded again."""

from __future__ import annotations

from typing import Any

from tests.support.panel import ADMIN, ADMIN_PASSWORD, Browser, Panel

GOOD = {
    "b1_name": "办事",
    "b1s1_name": "办理业务",
    "b1s1_type": "click",
    "b1s1_key": "raise_request",
    "b1s2_name": "官网<script>alert(1)</script>",
    "b1s2_type": "view",
    "b1s2_url": "https://example.com/about",
    "b2_name": "交费",
    "b2_type": "click",
    "b2_key": "pay_fee",
}


def live_names(panel: Panel) -> list[str]:
    """The top-level names of the menu the sandbox's WeChat now has."""
    menu = panel.chat.emulator.menu or {}
    return [b["name"] for b in menu.get("button", [])]


async def publish(admin: Browser, fields: dict[str, str]) -> tuple[int, str, Any]:
    return await admin.post("/menu", {"_csrf": admin.csrf, "action": "publish", **fields})


async def test_a_good_menu_is_published_kept_and_audited(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/menu")
    assert status == 200 and 'value="我要办事"' in body  # the built-in menu to start from
    before = panel.chat.emulator.menu

    status, body, _ = await admin.post("/menu", {"_csrf": admin.csrf, "action": "preview", **GOOD})
    assert status == 200 and "检查通过" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
    assert panel.chat.emulator.menu == before  # a preview sends nothing

    status, _, headers = await publish(admin, GOOD)
    assert status == 303 and headers["Location"] == "/admin/menu?published=1"
    assert panel.chat.emulator.menu == {
        "button": [
            {
                "name": "办事",
                "sub_button": [
                    {"type": "click", "name": "办理业务", "key": "raise_request"},
                    {
                        "type": "view",
                        "name": "官网<script>alert(1)</script>",
                        "url": "https://example.com/about",
                    },
                ],
            },
            {"type": "click", "name": "交费", "key": "pay_fee"},
        ]
    }
    status, body, _ = await admin.get("/menu?published=1")
    assert "已发布（第 1 版）" in body and "第 1 版（线上）" in body and 'value="办事"' in body
    _, body, _ = await admin.get("/audit?action=menu_published")
    assert "v1" in body and "办事[办理业务" in body and "我要办事" not in body  # no version before

    # Version 2, then load version 1 back into the form.
    status, _, _ = await publish(admin, {**GOOD, "b2_name": "我的"})
    assert status == 303 and live_names(panel) == ["办事", "我的"]
    _, body, _ = await admin.get("/audit?action=menu_published")
    assert "v2" in body and "交费" in body and "我的" in body  # before and after
    status, body, _ = await admin.get("/menu?version=1")
    assert status == 200 and "已载入第 1 版" in body and 'value="交费"' in body
    status, _, _ = await admin.get("/menu?version=9")
    assert status == 404


async def test_a_menu_breaking_the_rules_is_refused_with_each_problem(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    before = panel.chat.emulator.menu
    bad = {
        "b1_name": "一二三四五六",  # 18 bytes: over 16
        "b1_type": "click",
        "b1_key": "raise_request",
        "b2_name": "链接",
        "b2s1_name": "子" * 21,  # 63 bytes: over 60
        "b2s1_type": "view",
        "b2s1_url": "javascript:alert(1)",
        "b2s2_name": "坏功能",
        "b2s2_type": "click",
        "b2s2_key": "drop_tables",
        "b3_name": "长链接",
        "b3_type": "view",
        "b3_url": "https://example.com/" + "a" * 1010,
    }
    status, body, _ = await publish(admin, bad)
    assert status == 422 and "没有发布" in body
    assert "第 1 个主菜单：名称“一二三四五六”有 18 字节，最多 16 字节" in body
    assert "第 2 个主菜单的第 1 个子菜单：名称" in body and "最多 60 字节" in body
    assert "网址要以 https:// 或 http:// 开头" in body
    assert "“drop_tables”不是机器人认识的功能" in body
    assert "第 3 个主菜单：网址有 1030 字节，最多 1024 字节" in body
    status, body, _ = await publish(
        admin, {"b1_name": "", "b1s1_name": "孤儿", "b1s1_type": "click", "b1s1_key": "help"}
    )
    assert status == 422 and "第 1 个主菜单：请填写名称" in body
    status, body, _ = await publish(admin, {})
    assert status == 422 and "菜单至少要有一个按钮" in body
    assert panel.chat.emulator.menu == before
    _, body, _ = await admin.get("/audit?action=menu_published")
    assert "v1" not in body


async def test_wechat_refusing_the_menu_is_shown_and_nothing_is_kept(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    before = panel.chat.emulator.menu
    panel.chat.emulator.faults.inject("45011", calls=10, path_prefix="/cgi-bin/menu/")
    try:
        status, body, _ = await publish(admin, GOOD)
    finally:
        panel.chat.emulator.faults.clear()
    assert status == 502 and "发布失败" in body and "45011" in body and "线上菜单没有改变" in body
    assert 'value="办事"' in body  # the draft stays in the form
    assert panel.chat.emulator.menu == before
    _, body, _ = await admin.get("/menu")
    assert "还没有从后台发布过菜单" in body
    _, body, _ = await admin.get("/audit?action=menu_published")
    assert "v1" not in body
    # Once WeChat answers again the same menu goes through.
    status, _, _ = await publish(admin, GOOD)
    assert status == 303 and live_names(panel) == ["办事", "交费"]


async def test_forged_or_missing_csrf_publishes_nothing(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    before = panel.chat.emulator.menu
    status, _, _ = await admin.post("/menu", {"_csrf": "forged", "action": "publish", **GOOD})
    assert status == 403
    status, _, _ = await admin.post("/menu", {"action": "publish", **GOOD})
    assert status == 403
    assert panel.chat.emulator.menu == before
