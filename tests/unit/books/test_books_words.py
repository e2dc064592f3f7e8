"""How the chat reads a books question: which figure, which whole year, which company staff
mean; and how figures are worded. (Periods: tests/unit/nlu/test_period_reference.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.identity import ClientCompany
from handlers.book_answer_texts import change, wan, warning_text
from handlers.books import companies_named, topic_of, year_in

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("这个月利润多少", "profit"),
        ("上个月赚了多少钱", "profit"),
        ("今年营收多少", "revenue"),
        ("上个季度交了多少税", "tax"),
        ("账上还有多少钱", "cash"),
        ("报税了吗", "filing"),
        ("这个月的税报了没有啊", "filing"),
        ("客户欠我们的钱还有多少没收回来", "receivable"),
        ("看下公司的账", "overview"),
    ],
)
def test_the_figure_asked_for(text: str, topic: str) -> None:
    assert topic_of(text) == topic


def test_whole_years() -> None:
    assert year_in("今年营收多少", NOW) == "2026"
    assert year_in("去年交了多少税", NOW) == "2025"
    assert year_in("去年9月利润", NOW) is None  # a month of it
    assert year_in("2025年收入", NOW) == "2025"


def test_staff_name_a_company_by_its_short_name() -> None:
    companies = [
        ClientCompany(1, 1, "杭州青禾餐饮管理有限公司"),
        ClientCompany(2, 1, "杭州云帆科技有限公司"),
        ClientCompany(3, 1, "杭州云帆物流有限公司"),
    ]
    assert [c.id for c in companies_named("青禾上个月利润多少", companies)] == [1]
    assert [c.id for c in companies_named("云帆科技这个月", companies)] == [2]
    assert {c.id for c in companies_named("云帆这个月", companies)} == {2, 3}  # ask which
    assert companies_named("明远贸易", companies) == []


def test_changes_and_amounts_in_words() -> None:
    assert change(12_000, 10_000, "上月") == "比上月多 20.00元（+20.0%）"
    assert change(8_000, 10_000, "上月") == "比上月少 20.00元（-20.0%）"
    assert change(5, 5, "去年同月") == "与去年同月持平"
    assert change(5, None, "上月") == ""
    assert wan(24_600_000) == "24.6万元" and wan(30_000_000) == "30万元"
    text = warning_text(
        "quarter_near",
        "2026-Q3",
        {"sales": 24_600_000, "line": 30_000_000, "left": 5_400_000},
        "王会计",
    )
    assert text == (
        "您本季度销售额已达 24.6万元，距 30万元免税额度还剩 5.4万元，"
        "超过后整季都要缴增值税，开票前可以先问问王会计。"
    )


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("工资表确认了", True),
        ("银行流水发你们了", True),
        ("进项发票已经确认", True),
        ("已确认，下个月的发票呢", False),  # done said before the item, about another thing
        ("交完了，给我开张发票", False),
        ("发票发你了", True),
    ],
)
def test_an_item_is_said_done_right_after_it_is_named(text: str, done: bool) -> None:
    from handlers.books import said_done

    names = ("确认工资表", "工资表", "银行流水", "流水", "进项发票", "发票")
    assert said_done(text, names) is done
