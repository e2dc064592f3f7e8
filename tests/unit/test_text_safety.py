"""`inert`: what someone typed, made safe to show to someone else in WeChat."""

from __future__ import annotations

import pytest

from handlers.text_safety import inert

MENU_LINK = '<a href="weixin://bizmsgmenu?msgmenucontent=抢单&msgmenuid=claim_task:R1001">抢单</a>'


def test_a_menu_link_is_neither_markup_nor_a_link_any_more() -> None:
    out = inert(f"营业执照{MENU_LINK}")
    assert "<" not in out and ">" not in out and "<a" not in out
    assert "weixin://" not in out.lower()
    assert out.startswith("营业执照＜a href=") and "抢单" in out  # still readable


@pytest.mark.parametrize(
    "typed",
    [
        "weixin://dl/business/?t=x",
        "WeiXin://bizmsgmenu?msgmenuid=1",
        "weixin ://bizmsgmenu",
        "javascript:alert(1)",
        "JavaScript :alert(1)",
        "vbscript:msgbox",
        "点这里weixin://bizmsgmenu?msgmenuid=cancel",  # glued to Chinese text
    ],
)
def test_acting_schemes_are_broken(typed: str) -> None:
    out = inert(typed).lower().replace(" ", "")
    assert "weixin:" not in out and "javascript:" not in out and "vbscript:" not in out


def test_entities_cannot_be_decoded_into_markup() -> None:
    out = inert("&lt;a href=x&gt; &#60;a&#62; &#x3c;a")
    assert "&lt;" not in out and "&#60;" not in out and "&#x3c;" not in out
    assert out.count("＆") == 5


@pytest.mark.parametrize(
    "plain",
    ["新公司注册，名称已核准", "A&B 贸易有限公司", "https://example.com/a?b=1&c=2", "", "R1001"],
)
def test_ordinary_text_is_left_alone(plain: str) -> None:
    assert inert(plain) == plain


def test_twice_is_the_same_as_once() -> None:
    once = inert(f"{MENU_LINK} javascript:x &lt;")
    assert inert(once) == once
