"""Clients' short names where staff write one are masked like a company (nlu/shortnames.py)."""

from __future__ import annotations

import pytest

from nlu.shortnames import KNOWN, ShortNames

MASK = "\ue004"
NAMES = ShortNames(["注销", "开户", "年报", "执照"], MASK)
SEEN = {"工商", "银行", "社保", "今天", "我们", "客户"}  # pairs the model knows


def unseen(pair: str) -> bool:
    return pair not in SEEN


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("立方注销 材料交了", MASK + "注销 材料交了"),
        ("鼎新的执照下来了", MASK + "的执照下来了"),
        ("跟华茂说下费用到期了", "跟" + MASK + "说下费用到期了"),
        ("提醒永顺 合同快到期", "提醒" + MASK + " 合同快到期"),
        ("百川那单 核名过了", MASK + "那单 核名过了"),
    ],
)
def test_a_new_name_in_the_staff_place_is_masked_when_parsing(text: str, masked: str) -> None:
    assert NAMES.mask(text, unseen) == masked


@pytest.mark.parametrize(
    "text",
    [
        "工商的材料交了",  # a known word, not a name
        "银行开户约了",
        "今天的单子",
        "我们注销要多久",  # a pronoun
        "想升级一下套餐",  # 想 starts a sentence
        "老公的社保怎么交",  # a family member
        "淘宝的发票怎么开",  # a platform
    ],
)
def test_words_and_sentence_starts_are_left_alone(text: str) -> None:
    assert NAMES.mask(text, unseen) == text


def test_a_name_must_stand_where_staff_put_one() -> None:
    assert NAMES.mask("办好了立方的执照", unseen) == "办好了立方的执照"
    assert NAMES.mask("立方开心", unseen) == "立方开心"  # nothing after it says "company"


def test_training_masks_only_the_known_names() -> None:
    assert "星辰" in KNOWN
    assert NAMES.mask("星辰的执照下来了") == MASK + "的执照下来了"
    assert NAMES.mask("立方的执照下来了") == "立方的执照下来了"  # no `unseen` while training
    assert NAMES.mask("星辰的执照下来了", lambda pair: False) == MASK + "的执照下来了"


def test_the_parser_reads_a_new_client_exactly_like_a_known_one() -> None:
    from nlu.embedded import EmbeddedParser

    parser = EmbeddedParser.train(in_process=True)
    expected = {"{}的社保账户开了 还差公积金": "add_progress", "跟{}说下年费到期了": "remind_fee"}
    for text, intent in expected.items():
        known = parser.parse_sync(text.format("星辰"))
        for name in ("铭泰", "卓越", "盛邦"):
            result = parser.parse_sync(text.format(name))
            assert result.ranking == known.ranking, name
        assert known.intent == intent
    # a word the model knows at that place is read as itself
    assert (
        parser.parse_sync("工商的材料交了").ranking != parser.parse_sync("星辰的材料交了").ranking
    )
