"""Chat typed in pinyin read as characters (nlu.pinyin), and English left alone."""

from __future__ import annotations

import pytest

from nlu.embedded import EmbeddedParser
from nlu.pinyin import read_pinyin, syllables_of
from nlu.textnorm import normalise


@pytest.mark.parametrize(
    ("token", "syllables"),
    [
        ("zhuxiao", ("zhu", "xiao")),
        ("zaima", ("zai", "ma")),
        ("xian", ("xian",)),  # one syllable, not xi-an
        ("kuaiji", ("kuai", "ji")),
        ("hello", None),
        ("status", None),
    ],
)
def test_tokens_split_into_syllables(token: str, syllables: tuple[str, ...] | None) -> None:
    assert syllables_of(token) == syllables


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("wo xiang lian xi wo men de kuai ji", "我想联系我们的会计"),
        ("zaima", "在吗"),
        ("zai ma", "在吗"),
        ("fp dai kai hao le mei", "发票 代开好了没"),
        ("shang biao zhu ce duo shao qian a", "商标注册多少钱啊"),
        ("bu shi", "不是"),
        ("ok xie xie", "ok 谢谢"),
        ("r2031 zm yang le", "r2031 怎么 样了"),
        ("cf 老周家", "催费 老周家"),
        ("kx wd rw", "看下 我的 任务"),
        ("r2031 bj", "r2031 办结"),
    ],
)
def test_pinyin_runs_become_characters(text: str, read: str) -> None:
    assert read_pinyin(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "need to deregister my shenzhen company",  # "shenzhen" is pinyin, the message is not
        "hi there, anyone around?",  # "anyone" splits into an-yo-ne
        "a long day",  # every token is also an English word
        "how is it going",
        "pdf 发你了",
        "已经办好了",
        "wc 这么贵",  # an exclamation in chat, not 完成: left out of the staff shorthand
        "明天3pm来拿",  # afternoon, not 排名
    ],
)
def test_english_and_chinese_are_left_alone(text: str) -> None:
    assert read_pinyin(text) == text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("wo xiang lian xi wo men de kuai ji", "contact_accountant"),
        ("shang biao zhu ce duo shao qian a", "browse_services"),
        ("bu ban le, qu xiao ba", "cancel"),
        ("zaima", "greet"),
        ("jd r2031", "claim_task"),
        ("tx 老周家 jf", "remind_fee"),
        ("wd hp you ji ge", "my_stats"),
    ],
)
def test_parser_understands_pinyin(parser: EmbeddedParser, text: str, intent: str) -> None:
    assert parser.parse_sync(normalise(text)).intent == intent
