"""A firm's own wording of notices: what may be saved (pure rules), who may save it, and that
the latest saved version is the one in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import notice_wording
from domain.actors import Actor, ActorKind
from domain.errors import Forbidden, Invalid
from domain.message_templates import (
    LIMITS,
    MessageTemplate,
    fill,
    fixed_length,
    placeholders_in,
    validate_template,
)
from domain.notices import NoticeKind
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CLAIMED = NoticeKind.TASK_CLAIMED


def codes(template: MessageTemplate) -> list[tuple[str, str]]:
    return [(p.code, p.part) for p in validate_template(template)]


def test_a_template_using_the_kinds_placeholders_is_fine() -> None:
    assert (
        validate_template(MessageTemplate(CLAIMED, "{handler}接手了{title}", "{number}受理")) == ()
    )


def test_an_unknown_placeholder_is_named() -> None:
    [problem] = validate_template(MessageTemplate(CLAIMED, "您好{client}，{handler}接手了"))
    assert (problem.code, problem.part, problem.facts["name"]) == (
        "unknown_placeholder",
        "text",
        "client",
    )
    assert "handler" in problem.facts["known"]
    # Another kind offers other names: the progress note is no claim's.
    assert codes(MessageTemplate(CLAIMED, "{progress}")) == [("unknown_placeholder", "text")]
    assert codes(MessageTemplate(NoticeKind.PROGRESS_ADDED, "{progress}")) == []


def test_a_placeholder_must_be_plain() -> None:
    for text in ("{title", "{handler.name}", "{handler[0]}", "{handler:>10}", "{handler!r}", "{}"):
        assert codes(MessageTemplate(CLAIMED, text)) == [("malformed", "text")], text
    assert codes(MessageTemplate(CLAIMED, "括号{{要双写}}")) == []


def test_too_long_for_a_template_message_field() -> None:
    title = "业" * (LIMITS["title"] + 1)
    assert codes(MessageTemplate(CLAIMED, title=title)) == [("too_long", "title")]
    # Placeholders do not count: their values come later (and are cut to fit then).
    assert codes(MessageTemplate(CLAIMED, title="{title}" * 5)) == []
    assert fixed_length("{number}已受理") == 3
    remark = "谢" * (LIMITS["remark"] + 1)
    [problem] = validate_template(MessageTemplate(CLAIMED, remark=remark))
    assert (problem.code, problem.facts["limit"]) == ("too_long", LIMITS["remark"])
    assert codes(MessageTemplate(CLAIMED, "字" * (LIMITS["text"] + 1))) == [("too_long", "text")]


def test_an_empty_template_says_nothing_to_save() -> None:
    assert codes(MessageTemplate(CLAIMED)) == [("empty", "text")]


def test_filling_leaves_a_retired_placeholder_empty() -> None:
    assert placeholders_in("{a}和{b}") == ["a", "b"]
    assert fill("{handler}和{gone}", {"handler": "王会计"}) == "王会计和"
    assert fill("{handler}", {"handler": "{不是占位符}"}) == "{不是占位符}"


async def test_admins_save_versions_and_the_latest_is_in_force() -> None:
    uow = FakeUnitOfWork()
    admin = Actor(ActorKind.ADMIN, 1, "赵主管", staff_id=7)
    first = MessageTemplate(CLAIMED, "{handler}接手了")
    second = MessageTemplate(CLAIMED, "{handler}接手了{title}", title="已受理")
    v1 = await notice_wording.save_template(uow, admin, first, NOW)
    v2 = await notice_wording.save_template(uow, admin, second, NOW + timedelta(hours=1))
    assert (v1.version, v2.version, v2.saved_by) == (1, 2, 7)
    assert await notice_wording.wording_in_force(uow, admin) == {CLAIMED: second}
    history = await notice_wording.template_history(uow, admin, CLAIMED)
    assert [s.template for s in history] == [second, first]


async def test_only_admins_save_and_only_valid_templates() -> None:
    uow = FakeUnitOfWork()
    staff = Actor(ActorKind.STAFF, 1, "王会计", staff_id=8)
    with pytest.raises(Forbidden):
        await notice_wording.save_template(uow, staff, MessageTemplate(CLAIMED, "{handler}"), NOW)
    admin = Actor(ActorKind.ADMIN, 1, "赵主管", staff_id=7)
    with pytest.raises(Invalid) as refused:
        await notice_wording.save_template(uow, admin, MessageTemplate(CLAIMED, "{who}"), NOW)
    assert refused.value.code == "template_invalid"
    assert [p.code for p in refused.value.facts["problems"]] == ["unknown_placeholder"]
    assert await uow.templates.latest(1) == {}
