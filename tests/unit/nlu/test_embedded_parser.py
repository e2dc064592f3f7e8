"""The embedded parser: intents on hand-picked messages, bad input, and the result contract."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nlu import intents as names
from nlu.backends import build_parser
from nlu.classifier import TrainingChild, join_spaced_out
from nlu.embedded import EmbeddedParser
from nlu.training_data import load_dir
from nlu.types import Entity, Parser, ParseResult

from .conftest import TODAY


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("你好呀，在不在", names.GREET),
        ("这个号都能干点啥", names.HELP),
        ("我想注册个公司，麻烦帮我办", names.RAISE_REQUEST),
        ("我那个执照办到哪一步了", names.CHECK_PROGRESS),
        ("这个月的代账费我转给你们", names.PAY_FEE),
        ("这个月的票拍给你", names.UPLOAD_INVOICE),
        ("会计很耐心，给五星好评", names.RATE_ACCOUNTANT),
        ("拖了半个月都没人管，我要投诉", names.COMPLAIN),
        ("让我的会计给我打个电话", names.CONTACT_ACCOUNTANT),
        ("你们注销公司怎么收费", names.BROWSE_SERVICES),
        ("我现在还欠多少服务费", names.PAY_FEE),  # the firm's fee: pay_fee since nlu13
        ("上个月我们公司利润多少", names.VIEW_ACCOUNT),
        ("算了，这个不办了", names.CANCEL),
        ("对的，就是这家", names.AFFIRM),
        ("不是这个", names.DENY),
        ("R1024这单我接了", names.CLAIM_TASK),
        ("我手上还有几单没办完", names.MY_TASKS),
        ("R1024 材料已经交到工商局了", names.ADD_PROGRESS),
        ("R1024 已经办结了", names.COMPLETE_TASK),
        ("提醒一下客户把上个月的费用交了", names.REMIND_FEE),
        ("我这个月办结了几单", names.MY_STATS),
        ("今天中午吃啥好呢", names.OUT_OF_SCOPE),
    ],
)
def test_intents_of_hand_picked_messages(parser: EmbeddedParser, text: str, intent: str) -> None:
    result = parser.parse_sync(text, TODAY)
    assert result.intent == intent, result.ranking[:3]


def test_result_carries_text_entities_and_a_sorted_ranking(parser: EmbeddedParser) -> None:
    result = parser.parse_sync("帮我加急办个执照", TODAY)
    assert result.text == "帮我加急办个执照"
    assert result.intent == names.RAISE_REQUEST
    assert result.entity("urgency") == "urgent"
    assert result.entity("request_type") == "营业执照"
    assert result.entity("amount") is None
    scores = [score for _, score in result.ranking]
    assert scores == sorted(scores, reverse=True)
    assert result.ranking[0] == (result.intent, result.confidence)
    assert 0.0 < result.confidence <= 1.0


def test_entities_named_lists_every_value() -> None:
    result = ParseResult(
        "R1 和 R2",
        names.CHECK_PROGRESS,
        0.9,
        (Entity("task_ref", "R1", 0, 2), Entity("task_ref", "R2", 5, 7)),
    )
    assert result.entities_named("task_ref") == ["R1", "R2"]
    assert result.entities_named("amount") == []
    assert result.entity("task_ref") == "R1"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\t\n", "😀😀😀", "👍", "？？？", "......", "\x00\x01\x02", "\u200b\u200b"],
)
def test_nothing_to_understand_is_fallback(parser: EmbeddedParser, text: str) -> None:
    result = parser.parse_sync(text, TODAY)
    assert result.intent == names.NLU_FALLBACK
    assert result.confidence == 0.0
    assert result.entities == ()


@pytest.mark.parametrize(
    "text",
    ["the weather is lovely today, regards", "asdfghjkl qwerty", "Lorem ipsum dolor sit amet"],
)
def test_english_that_fits_nothing_is_not_a_client_intent(
    parser: EmbeddedParser, text: str
) -> None:
    assert parser.parse_sync(text, TODAY).intent in (names.NLU_FALLBACK, names.OUT_OF_SCOPE)


def test_english_greeting_is_a_greeting(parser: EmbeddedParser) -> None:
    assert parser.parse_sync("hello", TODAY).intent == names.GREET


def test_traditional_characters_are_understood(parser: EmbeddedParser) -> None:
    result = parser.parse_sync("我的營業執照辦到哪一步了", TODAY)
    assert result.intent == names.CHECK_PROGRESS
    assert result.entity("request_type") == "营业执照"


def test_control_characters_inside_text_do_not_break_parsing(parser: EmbeddedParser) -> None:
    result = parser.parse_sync("我要\x00投诉\x1b你们\u202e会计", TODAY)
    assert result.intent == names.COMPLAIN


def test_ten_thousand_characters_parse_quickly(parser: EmbeddedParser) -> None:
    text = "我要投诉" + "啊" * 9996
    started = time.perf_counter()
    result = parser.parse_sync(text, TODAY)
    assert time.perf_counter() - started < 0.1
    assert result.text == text
    assert result.intent in (*names.ALL_INTENTS, names.NLU_FALLBACK)


def test_non_string_input_does_not_raise(parser: EmbeddedParser) -> None:
    assert parser.parse_sync(None, TODAY).intent == names.NLU_FALLBACK  # type: ignore[arg-type]


async def test_async_parse_matches_sync_parse(parser: EmbeddedParser) -> None:
    assert await parser.parse("R88 办完了", TODAY) == parser.parse_sync("R88 办完了", TODAY)


def test_parse_defaults_to_todays_date(parser: EmbeddedParser) -> None:
    period = parser.parse_sync("交本月的费用").entity("period")
    assert period is not None and len(period) == 7 and period[4] == "-"


def test_low_confidence_becomes_fallback() -> None:
    strict = EmbeddedParser.train(threshold=0.999)
    result = strict.parse_sync("嗯那个啥", TODAY)
    assert result.intent == names.NLU_FALLBACK
    assert result.ranking[0][0] != names.NLU_FALLBACK  # the ranking still shows the guesses


def test_build_parser_embedded_is_a_parser() -> None:
    built = build_parser("embedded", "http://127.0.0.1:1")
    assert isinstance(built, EmbeddedParser)
    assert isinstance(built, Parser)


def test_build_parser_rejects_unknown_backends() -> None:
    with pytest.raises(ValueError, match="unknown NLU backend"):
        build_parser("spacy", "")


def test_in_process_training_gives_the_same_model(parser: EmbeddedParser) -> None:
    local = EmbeddedParser.train(in_process=True)
    for text in ("我那个执照办到哪一步了", "给个差评", "R7 我接"):
        here, there = local.parse_sync(text, TODAY), parser.parse_sync(text, TODAY)
        assert here.intent == there.intent
        assert here.confidence == pytest.approx(there.confidence, abs=1e-6)


def test_the_training_child_learns_exactly_what_in_process_training_learns() -> None:
    """Bit for bit: the model cache and the fallback to in-process training rely on it."""
    data = load_dir()
    alone = EmbeddedParser(data, in_process=True)._classifier.arrays
    child = EmbeddedParser(data)._classifier.arrays
    assert child.vocabulary == alone.vocabulary
    assert np.array_equal(child.idf, alone.idf)
    assert np.array_equal(child.coef, alone.coef)
    assert np.array_equal(child.intercept, alone.intercept)
    assert child.labels == alone.labels


def test_training_keeps_scikit_learn_out_of_the_parsing_process() -> None:
    root = Path(__file__).resolve().parents[3]
    script = (
        "import sys\n"
        "from nlu.backends import build_parser\n"
        "p = build_parser('embedded', '')\n"
        "assert p.parse_sync('给个差评').intent == 'rate_accountant'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
        check=True,
    )
    assert done.stdout.decode().strip() == "[]"


def test_a_failing_training_child_falls_back_to_in_process_training(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: TrainingChild, timeout: float = 0) -> None:
        self.kill()
        raise subprocess.SubprocessError("exit 1: MemoryError")

    monkeypatch.setattr(TrainingChild, "result", broken)
    caplog.set_level(logging.WARNING, logger="nlu.classifier")
    fallback_trained = EmbeddedParser.train()
    assert fallback_trained.parse_sync("给个差评", TODAY).intent == names.RATE_ACCOUNTANT
    assert any("training in-process" in r.getMessage() for r in caplog.records)


def test_a_run_of_digits_reads_as_one_number(parser: EmbeddedParser) -> None:
    # A long number (a code, a phone number, 12315) must not weigh more than a short one: the
    # digits of complaints' "12315" once pulled "验证码是1234567" to complain.
    features = parser._classifier._features
    assert features("验证码是1234567") == features("验证码是7")
    assert parser.parse_sync("验证码是1234567", TODAY).intent != names.COMPLAIN


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("可 以 发 语 音 吗 , 打 字 太 慢", "可以发语音吗 , 打字太慢"),  # every character spaced
        ("好 的 谢 谢", "好的谢谢"),
        ("油票 拍了", "油票 拍了"),  # a phrase boundary, not spaced-out typing
        ("您好 我帮定的 好像不是我家店", "您好 我帮定的 好像不是我家店"),
        ("我 评分", "我 评分"),  # too short to tell
    ],
)
def test_spaced_out_typing_is_read_joined_up(text: str, read: str) -> None:
    assert join_spaced_out(text) == read


def test_a_spaced_out_message_means_what_it_says(parser: EmbeddedParser) -> None:
    joined = parser.parse_sync("今年到现在公司赚了多少钱 麻烦告诉我一下")
    spaced = parser.parse_sync("今 年 到 现 在 公 司 赚 了 多 少 钱 ， 麻 烦 告 诉 我 一 下")
    assert joined.intent == spaced.intent == names.VIEW_ACCOUNT
