"""The blind-story runner's own rules, without an app: the stories file parses, messages read as
the user sees them, taps find their button, placeholders and checks mean what the format says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.stories.runner import (
    Check,
    Player,
    Received,
    StepFailed,
    Story,
    StoryFormatError,
    Timing,
    load_stories,
    received_from_view,
)

STORIES = Path(__file__).resolve().parents[1] / "e2e" / "stories" / "blind_2026-11-30.yml"


def player(numbers: list[str] | None = None) -> Player:
    p = Player(None, Story("T1", "", "", ()), b"", Timing())  # type: ignore[arg-type]
    p.numbers = list(numbers or [])
    return p


def test_the_blind_file_loads_with_every_step_understood() -> None:
    stories = load_stories(STORIES)
    assert [s.id for s in stories] == [f"S{i:02d}" for i in range(1, 59)]
    actions = {step.action for s in stories for step in s.steps}
    assert actions == {"say", "tap", "photo", "voice"}


def test_an_unknown_check_key_is_a_format_error() -> None:
    with pytest.raises(StoryFormatError):
        Check.parse({"anyof": ["x"]}, "here")


def test_quick_reply_links_become_buttons_and_leave_the_text() -> None:
    raw = (
        "请确认\n"
        '<a href="weixin://bizmsgmenu?msgmenucontent=确认&msgmenuid=answer:yes">确认</a>\n'
        '<a href="weixin://bizmsgmenu?msgmenucontent=取消&msgmenuid=answer:no">取消</a>'
    )
    msg = received_from_view({"kind": "text", "text": raw}, "reply")
    assert msg.text == "请确认"
    assert msg.quick == (("answer:yes", "确认"), ("answer:no", "取消"))
    assert msg.shown() == "请确认\n[确认] [取消]"


def test_a_msgmenu_offers_its_items_as_buttons() -> None:
    view = {
        "kind": "msgmenu",
        "text": "新单",
        "tail": "",
        "menu": [{"id": "c:R1001", "content": "抢单 R1001"}],
    }
    msg = received_from_view(view, "outbox")
    assert msg.quick == (("c:R1001", "抢单 R1001"),)


def test_a_tap_takes_the_exact_label_then_the_only_one_it_starts() -> None:
    p = player()
    p.last["wang"] = Received("outbox", "msgmenu", "新单", (("claim_task:R1001", "抢单 R1001"),))
    assert p.find_quick("wang", "抢单") == ("claim_task:R1001", "抢单 R1001")
    p.last["chen"] = Received("reply", "text", "", (("a:1", "好评"), ("a:2", "好评(5分)")))
    assert p.find_quick("chen", "好评") == ("a:1", "好评")


def test_a_tap_without_a_matching_button_fails_the_step() -> None:
    p = player()
    p.last["wang"] = Received("outbox", "template", "点下方“抢单”接单")
    with pytest.raises(StepFailed, match="no such quick reply"):
        p.find_quick("wang", "抢单")
    p.last["li"] = Received("outbox", "msgmenu", "", (("x", "抢单 R1001"), ("y", "抢单 R1002")))
    with pytest.raises(StepFailed, match="several"):
        p.find_quick("li", "抢单")


def test_placeholders_name_numbers_in_order_of_appearance() -> None:
    p = player(["R1001", "R1002"])
    assert p.fill("{R1} {R2} {R}") == "R1001 R1002 R1002"
    with pytest.raises(StepFailed):
        player(["R1001"]).fill("{R2}")
    with pytest.raises(StepFailed):
        player().fill("{R}呢")


def test_checks_any_all_none_silent_and_max_messages() -> None:
    p = player(["R1001"])
    msgs = [Received("reply", "text", "已提交，单号：R1001"), Received("outbox", "text", "通知")]
    assert p.judge("chen", Check(any=("R",), all=("{R}",), none=("已取消",)), msgs) == []
    assert p.judge("chen", Check(any=("评价", "打分")), msgs)
    assert p.judge("chen", Check(none=("单号",)), msgs)
    assert p.judge("chen", Check(max_messages=1), msgs)
    assert p.judge("wang", Check(silent=True), []) == []
    assert p.judge("wang", Check(silent=True), msgs[:1])
