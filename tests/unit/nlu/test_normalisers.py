"""Entity normalisers: numerals, money, periods, and the extractor's canonical values."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.embedded import EmbeddedParser
from nlu.numerals import amount_to_fen, cn_to_int
from nlu.periods import normalise_period
from nlu.textnorm import normalise

from .conftest import TODAY


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("十", 10),
        ("十五", 15),
        ("二十三", 23),
        ("一百零八", 108),
        ("两千", 2000),
        ("两千五", 2500),
        ("一万五", 15000),
        ("3万5", 35000),
        ("一千零五", 1005),
        ("壹仟贰佰", 1200),
        ("二〇二四", 2024),
        ("1,200", 1200),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "abc", "十x"])
def test_non_numerals_are_none(text: str) -> None:
    assert cn_to_int(text) is None


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("3块5", 350),
        ("两千元", 200000),
        ("800元", 80000),
        ("三百块钱", 30000),
        ("1.5万元", 1500000),
        ("3元5角2分", 352),
        ("5毛", 50),
        ("¥1,200", 120000),
        ("￥500", 50000),
        ("800rmb", 80000),
        ("一千二百块", 120000),
    ],
)
def test_amounts_become_integer_fen(text: str, fen: int) -> None:
    assert amount_to_fen(text) == fen


@pytest.mark.parametrize("text", ["块", "元", "很多钱"])
def test_non_amounts_are_none(text: str) -> None:
    assert amount_to_fen(text) is None


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("本月", "2025-06"),
        ("这个月", "2025-06"),
        ("上个月", "2025-05"),
        ("上月", "2025-05"),
        ("上上个月", "2025-04"),
        ("下个月", "2025-07"),
        ("2024年3月", "2024-03"),
        ("2024-03", "2024-03"),
        ("24年5月", "2024-05"),
        ("去年12月", "2024-12"),
        ("3月份", "2025-03"),
        ("十一月", "2024-11"),  # a later month than now means last year's
        ("第一季度", "2025-Q1"),
        ("一季度", "2025-Q1"),
        ("Q2", "2025-Q2"),
        ("第三季度", "2024-Q3"),
        ("本季度", "2025-Q2"),
        ("上季度", "2025-Q1"),
        ("2024年第四季度", "2024-Q4"),
        ("去年四季度", "2024-Q4"),
    ],
)
def test_periods_resolve_against_the_reference_date(text: str, period: str) -> None:
    assert normalise_period(text, TODAY) == period


def test_relative_periods_cross_year_boundaries() -> None:
    assert normalise_period("上个月", date(2025, 1, 10)) == "2024-12"
    assert normalise_period("上季度", date(2025, 2, 1)) == "2024-Q4"
    assert normalise_period("下个月", date(2024, 12, 31)) == "2025-01"


@pytest.mark.parametrize("text", ["十三月", "第五季度", "昨天"])
def test_non_periods_are_none(text: str) -> None:
    assert normalise_period(text, TODAY) is None


def test_text_normalisation_keeps_length_and_maps_forms() -> None:
    raw = "我的營業執照\x00Ｒ１０２４\u200b"
    clean = normalise(raw)
    assert len(clean) == len(raw)
    assert clean == "我的营业执照 r1024 "


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("R1024", "task_ref", "R1024"),
        ("r77", "task_ref", "R77"),
        ("#88", "task_ref", "R88"),
        ("12号单", "task_ref", "R12"),
        ("单号56", "task_ref", "R56"),
        ("加急", "urgency", "urgent"),
        ("特急", "urgency", "urgent"),
        ("不着急", "urgency", "normal"),
        ("慢慢来", "urgency", "normal"),
        ("5星", "rating", "5"),
        ("三颗星", "rating", "3"),
        ("好评", "rating", "5"),
        ("中评", "rating", "3"),
        ("差评", "rating", "1"),
        ("打4分", "rating", "4"),
        ("服务态度", "aspect", "态度"),
        ("效率", "aspect", "速度"),
        ("业务水平", "aspect", "专业"),
        ("执照", "request_type", "营业执照"),
        ("换法人", "request_type", "工商变更"),
        ("对公户", "request_type", "银行开户"),
        ("年报", "request_type", "工商年报"),
        ("代账", "request_type", "代理记账"),
        ("升一般纳税人", "request_type", "一般纳税人认定"),
        ("3块5", "amount", "350"),
        ("两千元", "amount", "200000"),
        ("上个月", "period", "2025-05"),
        ("第一季度", "period", "2025-Q1"),
    ],
)
def test_a_bare_answer_fills_its_slot(
    parser: EmbeddedParser, text: str, entity: str, value: str
) -> None:
    found = parser.extract_entities(text, TODAY)
    assert [(e.entity, e.value) for e in found] == [(entity, value)]
    assert (found[0].start, found[0].end) == (0, len(text))


def test_entities_in_a_sentence_have_spans_in_the_original_text(parser: EmbeddedParser) -> None:
    text = "帮我们星辰科技有限公司加急办个執照，上个月交了3块5"
    found = parser.extract_entities(text, TODAY)
    assert [(e.entity, e.value, text[e.start : e.end]) for e in found] == [
        ("company", "星辰科技有限公司", "星辰科技有限公司"),
        ("urgency", "urgent", "加急"),
        ("request_type", "营业执照", "執照"),
        ("period", "2025-05", "上个月"),
        ("amount", "350", "3块5"),
    ]


def test_longest_match_wins_over_a_contained_word(parser: EmbeddedParser) -> None:
    # "不着急" must not also yield "着急" (urgent).
    found = parser.extract_entities("不着急", TODAY)
    assert [(e.entity, e.value) for e in found] == [("urgency", "normal")]


def test_a_company_word_without_a_name_is_not_a_company(parser: EmbeddedParser) -> None:
    found = parser.extract_entities("想注销我的个体户", TODAY)
    assert [(e.entity, e.value) for e in found] == [("request_type", "注销")]


def test_durations_and_dates_are_not_periods_or_task_refs(parser: EmbeddedParser) -> None:
    assert parser.extract_entities("等了三个月了", TODAY) == ()
    assert parser.extract_entities("12号去银行", TODAY) == ()


def test_a_rate_of_good_reviews_is_not_a_rating(parser: EmbeddedParser) -> None:
    assert parser.extract_entities("我的好评率多少", TODAY) == ()
    assert parser.extract_entities("差评数有几个", TODAY) == ()


@pytest.mark.parametrize("verb", ["通知", "提醒", "催", "告诉", "联系"])
def test_a_verb_before_a_company_name_is_not_part_of_it(parser: EmbeddedParser, verb: str) -> None:
    found = parser.extract_entities(f"{verb}晨曦文化传媒有限公司续费", TODAY)
    assert [(e.entity, e.value) for e in found] == [("company", "晨曦文化传媒有限公司")]
