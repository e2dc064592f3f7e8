"""English inside Chinese chat is read for its meaning before features are taken."""

from __future__ import annotations

import re

import pytest

from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.english import PHRASES, WORDS, gloss
from nlu.textnorm import normalise

from .conftest import TODAY


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("invoice 发你了", "发票 发你了"),
        ("Invoices 都拍了", "发票 都拍了"),  # case folded by textnorm, plural by the stemmer
        ("uploading receipts now", "上传 票据 现在"),
        ("P&L 有吗", "利润表 有吗"),
        ("who's our contact person?", "谁是 我们的 联系人 ?"),
        ("8 out of 10", "8 分"),
        ("催一下 overdue 的", "催一下 逾期 的"),
    ],
)
def test_known_english_becomes_its_chinese_meaning(raw: str, read: str) -> None:
    assert _squash(gloss(normalise(raw))) == read


def test_unknown_words_and_chinese_stay_as_they_are() -> None:
    assert gloss("我要办营业执照") == "我要办营业执照"
    assert _squash(gloss("what's the weather like")) == "什么 weather like"
    assert _squash(gloss("shopify 店铺")) == "shopify 店铺"


def test_a_word_inside_another_word_is_not_glossed() -> None:
    # "tax" inside "taxi", "rate" inside "separate", "bill" inside "billion"
    assert _squash(gloss("taxi separate billion")) == "taxi separate billion"


def test_glossary_keys_are_lower_case_like_the_folded_text() -> None:
    for key in list(PHRASES) + list(WORDS):
        assert key == key.lower() == key.strip(), key


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("invoice 拍好了 发这里可以吗", names.UPLOAD_INVOICE),
        ("我们的 accountant 是谁，能 call me back 吗", names.CONTACT_ACCOUNTANT),
        ("any update on 执照?", names.CHECK_PROGRESS),
        ("这个月的 P&L 发我看看", names.VIEW_ACCOUNT),
        # "there" reads as nothing: what follows the greeting is empty, not a request
        ("hi there 👋", names.GREET),
        ("hey there", names.GREET),
        ("what's on my plate today?", names.MY_TASKS),
        ("any complaints against me lately?", names.MY_STATS),
        ("法人变更做好没有啊，already two weeks liao", names.CHECK_PROGRESS),  # Singlish
        ("never mind, hold off on the 注销, scratch that", names.CANCEL),
        ("any news on the legal rep change?", names.CHECK_PROGRESS),
        ("how much tax do we owe this quarter", names.VIEW_ACCOUNT),
    ],
)
def test_mixed_messages_are_understood(parser: EmbeddedParser, text: str, intent: str) -> None:
    result = parser.parse_sync(text, TODAY)
    assert result.intent == intent, result.ranking[:3]
