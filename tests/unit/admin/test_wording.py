"""The panel words what the domain names: timeline entries from their facts, refusals from
their codes, and every status, column and role."""

from __future__ import annotations

from datetime import UTC, datetime

from admin_web.wording import (
    COLUMN_ZH,
    EVENT_ZH,
    ROLE_ZH,
    STATUS_ZH,
    describe,
    event_actor,
    event_detail,
    status_of,
)
from domain.board import Column
from domain.errors import Conflict, Forbidden, NotFound
from domain.requests import SYSTEM, EventKind, RequestEvent, Status
from domain.staff_access import PanelRole

AT = datetime(2026, 3, 2, tzinfo=UTC)


def test_every_status_column_role_and_event_kind_has_words() -> None:
    assert set(STATUS_ZH) == set(Status)
    assert set(COLUMN_ZH) == set(Column)
    assert set(ROLE_ZH) == set(PanelRole)
    assert set(EVENT_ZH) == set(EventKind)


def test_timeline_entries_are_worded_from_their_facts() -> None:
    assigned = RequestEvent(1, AT, EventKind.ASSIGNED, "赵主管", facts={"assignee": "王会计"})
    assert (event_actor(assigned), event_detail(assigned)) == ("赵主管", "指派给王会计")
    escalated = RequestEvent(1, AT, EventKind.ESCALATED, SYSTEM, facts={"pushes": 2})
    assert event_actor(escalated) == "系统" and "转管理员指派" in event_detail(escalated)
    rated = RequestEvent(
        1, AT, EventKind.RATED, "陈女士", "很快", facts={"attitude": 5, "speed": 4}
    )
    assert event_detail(rated) == "服务态度 5 分，办理速度 4 分：很快"
    # Entries from before facts existed keep their words in their text.
    old = RequestEvent(1, AT, EventKind.ASSIGNED, "赵主管", "指派给李会计")
    assert event_detail(old) == "指派给李会计"


def test_refusals_are_worded_from_their_codes() -> None:
    taken = Conflict("already_assigned", number="R1001", assignee="王会计")
    assert describe(taken) == "R1001 已经由王会计负责了。" and status_of(taken) == 409
    assert status_of(NotFound("assignee_not_found")) == 404
    assert status_of(Forbidden("admins_only_assign")) == 403
    assert describe(Conflict("something_new")) == "操作未完成，请刷新后重试。"
