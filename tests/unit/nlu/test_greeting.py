"""A greeting in front of a request, a greeting with an introduction (nlu.greeting), read by
the embedded parser the way the guideline says: the request wins, an introduction is a greeting."""

from __future__ import annotations

import pytest

from nlu.embedded import EmbeddedParser
from nlu.greeting import is_address, is_introduction, split_greeting
from nlu.textnorm import normalise


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("您好 这个月账做好没", "这个月账做好没"),
        ("你好呀，我要注销公司", "我要注销公司"),
        ("在吗在吗 帮我查下进度", "帮我查下进度"),
        ("hello, 发票收到没", "发票收到没"),
        ("喂 有没人在 帮我开个票", "帮我开个票"),
        ("您好", None),
        ("你好呀", None),
        ("帮我查下进度", None),
        ("你好a", None),
    ],
)
def test_the_rest_after_a_greeting(text: str, rest: str | None) -> None:
    assert split_greeting(normalise(text)) == rest


@pytest.mark.parametrize(
    ("rest", "intro"),
    [
        ("我是财务部的郝会计。", True),
        ("我杨会计", True),
        ("我是新来的出纳", True),
        ("这边是星河科技小李", True),
        ("我是张总 想问下年报", False),
        ("我要注销", False),
        ("我是来交票的", False),  # says why they came: a request
        ("我是张总,我的执照办好没", False),
        ("葛会计报到", True),  # checking in by name
        ("小邹报道啦", True),
        ("税务报到", False),  # a service: "你好 税务报到" asks for it
        ("我是会计部的白会计,打扰您了。", True),
        ("新来的小王报到,请多关照", True),
        ("我是白会计,打扰了,帮我查下进度", False),
        ("我是老周 做蜂蜜的公司那个", True),  # what the company does
        ("我是新来的出纳,今天第一次使用本助手。", True),
        ("我是王会计 开个户", False),  # a request, not a description
        ("我是老李 开个公司", False),
        ("我是老李 做建材的 想问下年报", False),
        ("我是记账部的会计,今天又来麻烦您了", True),
        ("我是王会计 帮我查下 麻烦您了", False),
    ],
)
def test_introductions(rest: str, intro: bool) -> None:
    assert is_introduction(rest) is intro


def test_an_address_is_not_a_request() -> None:
    assert is_address("会计") and is_address("王老师")
    assert not is_address("我杨会计")  # an introduction
    assert not is_address("帮我找下王会计")
    assert is_address("你们这边") and not is_address("你们这边能办执照吗")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("您好 那个注销 不要了", "cancel"),
        ("您好，这个月 账 做好没", "view_account"),
        ("您好，打扰了，我是财务部的郝会计。", "greet"),
        ("在吗 我杨会计", "greet"),
        ("早安呀会计", "greet"),
        ("在不在 有人吗 你们这边", "greet"),
        ("你好", "greet"),
    ],
)
def test_parser_reads_the_request_after_a_greeting(
    parser: EmbeddedParser, text: str, intent: str
) -> None:
    assert parser.parse_sync(text).intent == intent


def test_introduction_rule_is_certain_and_ranked_first(parser: EmbeddedParser) -> None:
    result = parser.parse_sync("你好，我是老弄堂面馆的阿强")
    assert result.intent == "greet" and result.confidence == 1.0
    assert result.ranking[0] == ("greet", 1.0)
