"""A request's timeline reads the same whether its events carry facts (since the domain stopped
wording them) or their old wording, and a request's latest word is derived the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from domain.requests import SYSTEM, EventKind, RequestEvent, ServiceRequest, Status, Urgency
from handlers.request_words import latest_note
from handlers.requests import event_line

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 11-23 10:00 in Shanghai


def event(kind: EventKind, actor: str, text: str = "", **facts: object) -> RequestEvent:
    return RequestEvent(1, AT, kind, actor, text, facts=facts)


def test_the_systems_steps_are_worded_from_their_facts_as_they_were_stored_before() -> None:
    pairs = [
        (event(EventKind.PUSHED, SYSTEM, again=True), event(EventKind.PUSHED, "系统", "再次推送")),
        (
            event(EventKind.ESCALATED, SYSTEM, pushes=2),
            event(EventKind.ESCALATED, "系统", "超时无人接单，已转管理员指派"),
        ),
        (
            event(EventKind.REMINDED, SYSTEM, handler="王会计"),
            event(EventKind.REMINDED, "系统", "提醒王会计更新进度"),
        ),
        (
            event(EventKind.RELEASED, SYSTEM, handler="王会计"),
            event(EventKind.RELEASED, "系统", "王会计超时未更新进度，已退回抢单池"),
        ),
        (
            event(EventKind.ASSIGNED, "赵主管", assignee="李会计"),
            event(EventKind.ASSIGNED, "赵主管", "指派给李会计"),
        ),
        (
            event(EventKind.RATED, "刘先生", "太慢了", attitude=2, speed=1, changed=True),
            event(EventKind.RATED, "刘先生", "修改评价：服务态度2分、办理速度1分；太慢了"),
        ),
    ]
    for new, old in pairs:
        assert event_line(new) == event_line(old), new.kind
    assert (
        event_line(pairs[3][0]) == "11-23 10:00 系统 退回抢单池：王会计超时未更新进度，已退回抢单池"
    )
    assert event_line(pairs[4][0]) == "11-23 10:00 赵主管 指派给李会计"


def test_the_latest_word_on_a_request() -> None:
    req = ServiceRequest(
        1, 1, "R1", 1, None, "o", "营业执照", "", Urgency.NORMAL, (), Status.CLAIMED, AT
    )
    assert latest_note(req) == ""
    photos_only = replace(req, status=Status.IN_PROGRESS, first_progress_at=AT)
    assert latest_note(photos_only) == "[图片]"
    assert latest_note(replace(photos_only, latest_progress="已提交")) == "已提交"
    assert latest_note(replace(photos_only, status=Status.COMPLETED)) == "已办结"
    assert latest_note(replace(req, latest_progress="[图片]")) == "[图片]"  # stored before
