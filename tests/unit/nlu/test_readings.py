"""Asking instead of guessing: when a parse carries two readings, and when it carries none."""

from __future__ import annotations

from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.readings import close_readings
from nlu.types import ParseResult

from .conftest import TODAY


def test_two_close_readings_are_offered_best_first() -> None:
    ranking = [(names.CHECK_PROGRESS, 0.41), (names.RAISE_REQUEST, 0.33), (names.HELP, 0.1)]
    assert close_readings(ranking) == (names.CHECK_PROGRESS, names.RAISE_REQUEST)


def test_a_clear_winner_or_thin_scores_are_not_a_question() -> None:
    assert close_readings([(names.PAY_FEE, 0.8), (names.VIEW_ACCOUNT, 0.1)]) == ()
    assert close_readings([(names.PAY_FEE, 0.12), (names.VIEW_ACCOUNT, 0.1)]) == ()
    assert close_readings([(names.PAY_FEE, 0.9)]) == ()


def test_out_of_scope_is_never_offered_as_a_reading() -> None:
    assert close_readings([(names.OUT_OF_SCOPE, 0.4), (names.GREET, 0.35)]) == ()
    assert close_readings([(names.GREET, 0.4), (names.OUT_OF_SCOPE, 0.35)]) == ()


def test_parse_results_carry_readings_only_when_unsure(parser: EmbeddedParser) -> None:
    clear = parser.parse_sync("我要投诉你们会计态度太差", TODAY)
    assert clear.alternatives == () and not clear.ambiguous
    vague = ("进度", "我的单子呢", "帮我看看", "那个钱", "单子的事", "那个注销", "执照多久")
    results = [parser.parse_sync(text, TODAY) for text in vague]
    unsure = [r for r in results if r.ambiguous]
    assert unsure, [(r.text, r.ranking[:2]) for r in results]
    for r in unsure:
        assert r.alternatives == tuple(name for name, _ in r.ranking[:2])


def test_json_shape_mentions_readings_only_when_there_are_some() -> None:
    plain = ParseResult("你好", names.GREET, 0.9)
    assert "alternatives" not in plain.to_json()
    unsure = ParseResult("x", names.PAY_FEE, 0.4, alternatives=(names.PAY_FEE, names.VIEW_ACCOUNT))
    assert unsure.to_json()["alternatives"] == [names.PAY_FEE, names.VIEW_ACCOUNT]
