"""Pure rules of the outbound side: backoff, template data, the menu, the emulator's checks."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.outbox.render import Message
from bot.outbox.sender import OutboxPolicy, backoff
from bot.outbox.templates import SANDBOX_TEMPLATES, StaticTemplateBook, Template, template_data
from bot.sandbox.faults import Faults
from bot.sandbox.menu_rules import menu_problem
from bot.sandbox.web import reply_view
from bot.wechat.menu import MENU, Button, click_keys, menu_json


def test_backoff_doubles_from_two_seconds_up_to_ten_minutes_with_jitter() -> None:
    p = OutboxPolicy()
    rng = random.Random(7)
    for attempts, full in [(1, 2), (2, 4), (3, 8), (9, 512), (10, 600), (30, 600)]:
        for _ in range(20):
            assert full / 2 <= backoff(attempts, p, rng) <= full


def test_template_data_defaults_and_notice_fields() -> None:
    t = Template("TM_1", "业务进度更新", remark="有问题随时问我")
    at = datetime(2026, 11, 20, 2, 5, tzinfo=UTC)
    data = template_data(Message("已提交", template_fields={"keyword2": "X"}), t, at)
    assert data == {
        "first": "已提交",
        "keyword1": "业务进度更新",
        "keyword2": "X",
        "remark": "有问题随时问我",
    }
    long = template_data(Message("字" * 500), t, at)
    assert len(long["first"]) == 180 and long["keyword2"] == "11-20 10:05"  # Shanghai time


def test_template_fields_map_notice_fields_onto_the_templates_own_keys() -> None:
    book = StaticTemplateBook.from_mapping(
        {
            "request_raised": {
                "template_id": "TM_x",
                "title": "新业务",
                "fields": {
                    "thing1": "{type}",
                    "character_string2": "{number}",
                    "time3": "{time}",
                    "thing4": "{missing}",
                },
            }
        }
    )
    t = book.for_kind("request_raised")
    assert t is not None
    notice = Message("新业务", template_fields={"number": "R1", "type": "变更"})
    data = template_data(notice, t, datetime(2026, 11, 20, 2, 5, tzinfo=UTC))
    assert data == {
        "thing1": "变更",
        "character_string2": "R1",
        "time3": "11-20 10:05",
        "thing4": "",
    }


def test_template_book_ignores_entries_without_an_id() -> None:
    book = StaticTemplateBook.from_mapping({"a": {"template_id": "TM_a"}, "b": {"title": "x"}})
    assert book.for_kind("a") is not None and book.for_kind("b") is None
    assert book.template_ids() == {"TM_a"}
    assert "late_reply" in SANDBOX_TEMPLATES


def test_menu_keys_are_intents_and_fit_wechat_limits() -> None:
    assert menu_problem(menu_json()) is None
    keys = click_keys()
    assert {
        "raise_request",
        "check_progress",
        "pay_fee",
        "upload_invoice",
        "contact_accountant",
    } <= set(keys)
    from nlu.intents import ALL_INTENTS

    assert set(keys) <= set(ALL_INTENTS)
    assert len(MENU) <= 3
    with pytest.raises(ValueError):
        menu_json((Button("一二三四五六"),))


@pytest.mark.parametrize(
    ("menu", "code"),
    [
        ({"button": []}, 40016),
        ({"button": [{"name": "x", "type": "nope"}]}, 40017),
        ({"button": [{"name": "超过十六个字节的名字", "type": "click", "key": "k"}]}, 40018),
        ({"button": [{"name": "x", "type": "click", "key": "k" * 129}]}, 40019),
        (
            {
                "button": [
                    {"name": "x", "sub_button": [{"name": "s", "type": "click", "key": "k"}] * 6}
                ]
            },
            40023,
        ),
        ({"button": [{"name": "x", "type": "view"}]}, 40027),
    ],
)
def test_emulator_refuses_menus_wechat_refuses(menu: dict[str, object], code: int) -> None:
    problem = menu_problem(menu)
    assert problem is not None and problem[0] == code


def test_faults_run_out_by_count() -> None:
    f = Faults()
    f.inject("-1", calls=2)
    assert [f.take("/cgi-bin/token") for _ in range(3)] == ["-1", "-1", None]
    f.inject("500", calls=5, path_prefix="/cgi-bin/message/")
    assert f.take("/cgi-bin/token") is None and f.take("/cgi-bin/message/custom/send") == "500"
    with pytest.raises(ValueError):
        f.inject("boom")


def test_reply_view_reads_news_and_text() -> None:
    news = (
        "<xml><MsgType><![CDATA[news]]></MsgType><ArticleCount>2</ArticleCount><Articles>"
        "<item><Title>A</Title><Description>d</Description><PicUrl></PicUrl><Url>u</Url></item>"
        "<item><Title>B</Title></item></Articles></xml>"
    )
    view = reply_view(news)
    assert view is not None and [a["title"] for a in view["articles"]] == ["A", "B"]
    assert reply_view("<xml><MsgType>text</MsgType><Content>hi</Content></xml>") == {
        "kind": "text",
        "text": "hi",
    }
    assert reply_view(None) is None


def test_error_classes() -> None:
    from bot.wechat import WeChatError

    assert WeChatError(-1, "busy").retryable and WeChatError(45011, "quota").retryable
    assert WeChatError(45009, "daily quota").retryable  # the outbox tries again later
    for code in (45015, 45047, 43004, 40003, 40037, 40007):
        assert not WeChatError(code, "final").retryable
