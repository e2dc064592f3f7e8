"""The board counts and pages each column part by part (`storage.board._parts`: one status and
its timer rule); the parts must agree with the domain's own rule for a single request
(`domain.board.column_of`): every status, late or not, falls in exactly one column's parts.
Counts past the cap say "more than", and the pager then follows the rows, not the total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from admin_web.templating import tally
from domain.board import COLUMNS, COUNT_CAP, BoardPage, column_of
from domain.requests import ServiceRequest, Status, Urgency
from storage.board import _parts

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("late", [True, False])
def test_the_counted_column_is_the_requests_own_column(status: Status, late: bool) -> None:
    due = NOW - timedelta(minutes=1) if late else NOW + timedelta(minutes=1)
    req = ServiceRequest(
        1, 1, "R1001", 1, None, "o", "营业执照", "", Urgency.NORMAL, (), status, NOW, due_at=due
    )
    holding = [
        column
        for column in COLUMNS
        for part_status, overdue in _parts(column)
        if part_status is status and overdue in (None, late)
    ]
    assert holding == [column_of(req, NOW)]


def test_a_count_past_the_cap_says_more_than() -> None:
    assert tally(COUNT_CAP) == str(COUNT_CAP)
    assert tally(COUNT_CAP + 1) == f"{COUNT_CAP}+"
    assert tally(0) == "0"


def test_the_pager_follows_the_rows_past_the_cap() -> None:
    exact = BoardPage([], 45, 2, 20)
    assert exact.exact and exact.pages == 3 and exact.has_next
    last = BoardPage([], 45, 3, 20)
    assert not last.has_next
    beyond = BoardPage([], COUNT_CAP + 1, 80, 20, more=True)
    assert not beyond.exact and beyond.has_next
    assert not BoardPage([], COUNT_CAP + 1, 81, 20, more=False).has_next
