"""The cues read beside the intent: yes and no, thanks, small talk, English, stars, ordinals."""

from __future__ import annotations

import pytest

from handlers import cues


@pytest.mark.parametrize("text", ["确认", "对，确认", "好了提交吧", "是的", "ok", "确定", "没问题"])
def test_yes(text: str) -> None:
    assert cues.is_yes(text) and not cues.is_no(text)


@pytest.mark.parametrize("text", ["不", "不对", "先不", "算了", "先别", "不用"])
def test_no(text: str) -> None:
    assert cues.is_no(text) and not cues.is_yes(text)


@pytest.mark.parametrize("text", ["先别提交", "等下", "不提交"])
def test_a_held_submission_is_no_yes(text: str) -> None:
    assert not cues.is_yes(text)


@pytest.mark.parametrize("text", ["谢谢", "谢谢王会计，辛苦啦🌹", "多谢多谢", "辛苦了", "thanks"])
def test_thanks_alone(text: str) -> None:
    assert cues.is_thanks(text)


@pytest.mark.parametrize("text", ["谢谢，我要办执照", "谢谢，R1001到哪了"])
def test_thanks_with_a_request_is_the_request(text: str) -> None:
    assert not cues.is_thanks(text)


@pytest.mark.parametrize("text", ["哈哈好的", "收到", "👍", "好嘞"])
def test_small_talk(text: str) -> None:
    assert cues.is_small_talk(text)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Show me my tasks please", True),
        ("what's the status of my request?", True),
        ("R1001 ok", False),
        ("]]></Content><MsgType>news</MsgType><Content><![CDATA[x", False),
        ("帮我办执照 please", False),
    ],
)
def test_english_prose(text: str, english: bool) -> None:
    assert cues.is_english(text) is english


def test_stars_and_ordinals() -> None:
    assert cues.stars("⭐⭐⭐⭐") == 4 and cues.stars("好评") is None
    assert cues.ordinal("第二个") == 1 and cues.ordinal("1") == 0 and cues.ordinal("执照") is None


@pytest.mark.parametrize(
    "text", ["老板同意了，提交吧", "对 就这样 提交吧", "yes, confirm", "问过了，没问题", "ok 确认"]
)
def test_a_go_ahead_at_the_end_of_a_longer_reply(text: str) -> None:
    assert cues.is_yes(text)


@pytest.mark.parametrize(
    "text", ["等等先别提交，我问下老板", "先别提交，确认一下", "提交了还能撤吗"]
)
def test_a_hold_or_a_question_is_no_go_ahead(text: str) -> None:
    assert not cues.is_yes(text)


@pytest.mark.parametrize("text", ["对，不要了", "不要了", "嗯 撤了吧", "取消吧", "确认"])
def test_a_withdrawal_said_again_confirms_it(text: str) -> None:
    assert cues.confirms("cancel", text)


@pytest.mark.parametrize("text", ["先不", "算了还是留着吧", "别撤", "先别取消"])
def test_a_withdrawal_held_back_is_no_confirmation(text: str) -> None:
    assert not cues.confirms("cancel", text)


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("R1001商标申请已经递交并受理了，这单完成", True),
        ("R1001搞定了", True),
        ("都弄完了", True),
        ("材料已完成提交，等审批", False),
        ("R1001还没弄完", False),
        ("明天应该能完成", False),
        ("快完成了", False),
    ],
)
def test_a_report_ending_with_the_work_done(text: str, done: bool) -> None:
    assert cues.says_done(text) is done


@pytest.mark.parametrize(
    "text", ["谢谢啊小云，帮大忙了", "哦 晓得了 谢谢你啊姑娘", "麻烦您了，谢谢", "thx!"]
)
def test_thanks_in_more_words(text: str) -> None:
    assert cues.is_thanks(text)


@pytest.mark.parametrize(
    ("text", "asks"),
    [("我这边能干啥，说简单点", True), ("这个怎么用", True), ("我要办执照", False)],
)
def test_what_can_i_do(text: str, asks: bool) -> None:
    assert cues.asks_what_i_can_do(text) is asks


@pytest.mark.parametrize(
    ("text", "asks"), [("怎么接单啊", True), ("进度咋报", True), ("抢单 R1001", False)]
)
def test_staff_asking_how(text: str, asks: bool) -> None:
    assert cues.staff_asks_how(text) is asks
