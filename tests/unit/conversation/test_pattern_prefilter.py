"""The router's one-regex check before its typed-command patterns matches exactly the texts
one of the patterns matches, flags and named groups included."""

from __future__ import annotations

import re

import pytest

from handlers.app import build_root
from handlers.router import any_of

TEXTS = [
    "你好",
    "绑定 AB3K9PQR",
    "抢单 R1001",
    "GRAB it 1234",
    "Claim task: r 1234!",
    "done R1001",
    "进度 R1001 已提交\n工商局",
    "完成 青禾 记账",
    "申报完成 青禾 增值税 1234.56",
    "更正 金额 46.62",
    "发票 青禾 上月",
    "R1001到哪一步了",
    "1001",
    "退款 B1024 200元",
    "账单 示例科技 工商变更 800元",
    "我要办营业执照",
    "这个月的记账费怎么交",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_joined_pattern_agrees_with_the_routes(text: str) -> None:
    routes = build_root().router.pattern_routes
    joined = any_of(rx for rx, _ in routes)
    assert joined is not None
    assert (joined.fullmatch(text) is not None) == any(rx.fullmatch(text) for rx, _ in routes)


def test_flags_stay_with_their_pattern_and_names_may_repeat() -> None:
    joined = any_of(
        [re.compile(r"(?i)grab (?P<n>\d+)"), re.compile(r"(?s)进度(?P<n>.*)"), re.compile("x")]
    )
    assert joined is not None
    assert joined.fullmatch("GRAB 12")
    assert joined.fullmatch("进度 a\nb")
    assert not joined.fullmatch("X")  # the first pattern's (?i) is not everyone's


def test_a_back_reference_by_name_is_not_joined() -> None:
    assert any_of([re.compile(r"(?P<a>\d)(?P=a)")]) is None
