"""The pure rules behind the menu and home-page editors: WeChat's byte limits counted as WeChat
counts them (a Chinese character is 3 bytes), only the bot's own keys, only http(s) links; the
home page ordered by order numbers, announcements gone after their end date, no script links;
the problems worded with where they are; the sandbox's own menu checks accept what passes."""

from __future__ import annotations

from datetime import date

from admin_web.layout_words import (
    HOME_PROBLEM_ZH,
    MENU_PROBLEM_ZH,
    home_problems_zh,
    menu_problems_zh,
)
from bot.sandbox.menu_rules import menu_problem
from bot.wechat.menu import menu_json
from domain import home_page, oa_menu
from domain.home_page import Announcement, Featured, HomeLayout, Slide
from domain.oa_menu import MenuButton

KEYS = ("raise_request", "pay_fee", "help")


def codes(buttons: tuple[MenuButton, ...]) -> list[tuple[str, int, int]]:
    return [(p.code, p.top, p.sub) for p in oa_menu.problems(buttons, KEYS)]


def test_names_are_limited_in_bytes_at_the_exact_edges() -> None:
    five = MenuButton("一二三四五", "click", key="help")  # 15 bytes
    six = MenuButton("一二三四五六", "click", key="help")  # 18 bytes
    sixteen = MenuButton("a" * 16, "click", key="help")
    assert codes((five, sixteen)) == []
    assert codes((six,)) == [("name_too_long", 1, 0)]
    sub_ok = MenuButton("菜单", sub=(MenuButton("子" * 20, "click", key="help"),))  # 60 bytes
    sub_long = MenuButton("菜单", sub=(MenuButton("子" * 20 + "a", "click", key="help"),))
    assert codes((sub_ok,)) == []
    assert codes((sub_long,)) == [("name_too_long", 1, 1)]


def test_counts_keys_and_links() -> None:
    button = MenuButton("a", "click", key="help")
    assert codes((button,) * 4)[0] == ("too_many_buttons", 0, 0)
    assert codes((MenuButton("a", sub=(button,) * 6),)) == [("too_many_subs", 1, 0)]
    assert codes(()) == [("menu_empty", 0, 0)]
    assert codes((MenuButton("a", "click", key="drop"),)) == [("key_unknown", 1, 0)]
    long_key = MenuButton("a", "click", key="k" * 129)
    assert [p.code for p in oa_menu.problems((long_key,))] == ["key_too_long"]
    assert codes((MenuButton("a", "view", url="https://x.cn/" + "a" * 1011),)) == []
    assert codes((MenuButton("a", "view", url="https://x.cn/" + "a" * 1012),)) == [
        ("url_too_long", 1, 0)
    ]
    for url in ("javascript:alert(1)", "ftp://x", "https://x.cn/a b", ""):
        assert codes((MenuButton("a", "view", url=url),))[0][0] in ("url_bad", "url_missing")
    mini = MenuButton("a", "miniprogram", url="https://x.cn", appid="wx123", pagepath="p/i")
    assert codes((mini,)) == []
    assert codes((MenuButton("a", "miniprogram", url="https://x.cn"),)) == [
        ("appid_bad", 1, 0),
        ("pagepath_missing", 1, 0),
    ]
    assert codes((MenuButton("a"),)) == [("action_missing", 1, 0)]


def test_what_passes_is_what_the_sandbox_accepts_and_round_trips() -> None:
    buttons = (
        MenuButton("办事", sub=(MenuButton("办理业务", "click", key="raise_request"),)),
        MenuButton("官网", "view", url="https://example.com"),
        MenuButton("小程序", "miniprogram", url="https://x.cn", appid="wx1", pagepath="p"),
    )
    body = oa_menu.to_wechat(buttons)
    assert menu_problem(body) is None
    assert oa_menu.from_wechat(body) == buttons
    built_in = oa_menu.from_wechat(menu_json())
    assert oa_menu.problems(built_in, oa_menu.click_keys_of(built_in)) == []


def test_menu_problems_are_worded_with_where_they_are() -> None:
    worded = menu_problems_zh(oa_menu.problems((MenuButton("一二三四五六", "view", url="x"),)))
    assert worded[0].startswith("第 1 个主菜单：名称“一二三四五六”有 18 字节，最多 16 字节")
    assert "网址要以 https://" in worded[1]
    assert set(MENU_PROBLEM_ZH) >= {
        "menu_empty", "too_many_buttons", "too_many_subs", "name_missing", "name_too_long",
        "action_missing", "type_unknown", "key_missing", "key_too_long", "key_unknown",
        "url_missing", "url_too_long", "url_bad", "appid_bad", "pagepath_missing",
    }  # fmt: skip


def test_the_home_page_is_ordered_and_announcements_end() -> None:
    layout = HomeLayout(
        (Slide("https://a/2.png", "二", order=20), Slide("https://a/1.png", "一", order=10)),
        (Announcement("旧", date(2026, 1, 31)), Announcement("新", date(2026, 2, 1), 5)),
        (Featured(7, 2), Featured(3, 1)),
    )
    shown = layout.showing(date(2026, 2, 1))
    assert [s.title for s in shown.slides] == ["一", "二"]
    assert [a.text for a in shown.announcements] == ["新"]
    assert [f.item_id for f in shown.services] == [3, 7]
    assert [a.text for a in layout.showing(date(2026, 2, 2)).announcements] == []
    assert home_page.from_json(home_page.to_json(layout)) == layout


def test_home_links_and_images_never_carry_script() -> None:
    for bad in ("javascript:alert(1)", "//evil.example", "data:text/html,x", "/m/a b", "\\\\x"):
        assert not home_page.link_ok(bad), bad
    for good in ("https://example.com/x", "/m/bills", "http://example.com"):
        assert home_page.link_ok(good), good
    assert home_page.image_ok("/m/home/images/12")
    assert not home_page.image_ok("/m/home/images/12/../../x")
    assert not home_page.image_ok("http://plain.example/x.png")


def test_home_problems_name_the_row() -> None:
    layout = HomeLayout(
        (Slide("", "无图"),),
        (Announcement("过期", date(2026, 1, 1)),),
        (Featured(1), Featured(1), Featured(2), Featured(9)),
    )
    found = home_page.problems(layout, {1: True, 2: False}, date(2026, 2, 1))
    assert [(p.code, p.section, p.row) for p in found] == [
        ("image_missing", "slide", 1),
        ("until_past", "announcement", 1),
        ("service_twice", "service", 2),
        ("service_inactive", "service", 3),
        ("service_unknown", "service", 4),
    ]
    worded = home_problems_zh(found)
    assert worded[0] == "轮播图第 1 条：请填写图片地址或上传图片。"
    assert all(p.code in HOME_PROBLEM_ZH for p in found)
