"""The board's filters in the URL: read leniently, written back for links."""

from __future__ import annotations

from datetime import UTC, date, datetime

from admin_web.board_query import MAX_PAGE, BoardQuery
from domain.board import Column
from domain.requests import Urgency


def test_filters_are_read_from_the_url() -> None:
    q = BoardQuery.parse(
        {
            "status": "overdue",
            "accountant": "2",
            "type": "营业执照",
            "client": "3",
            "urgency": "urgent",
            "from": "2026-03-01",
            "to": "2026-03-02",
            "page": "2",
        },
        may_pick_accountant=True,
    )
    assert q == BoardQuery(
        Column.OVERDUE, 2, "营业执照", 3, Urgency.URGENT, date(2026, 3, 1), date(2026, 3, 2), 2
    )
    f = q.to_filter()
    # Whole days in Beijing time: 2026-03-01 00:00 +08:00 up to 2026-03-03 00:00 +08:00.
    assert f.created_from == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert f.created_until == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def test_nonsense_is_dropped_not_an_error() -> None:
    q = BoardQuery.parse(
        {"status": "lost", "client": "-1", "urgency": "now!", "from": "yesterday", "page": "0"},
        may_pick_accountant=True,
    )
    assert q == BoardQuery()
    assert BoardQuery.parse({"page": "99999999"}, may_pick_accountant=True).page == MAX_PAGE


def test_an_accountant_cannot_pick_another_accountant() -> None:
    assert BoardQuery.parse({"accountant": "3"}, may_pick_accountant=False).accountant is None


def test_links_keep_the_filters_and_start_again_at_page_one() -> None:
    q = BoardQuery(status=Column.DONE, type="注销", page=3)
    assert (
        q.url("/admin/", status=Column.OVERDUE) == "/admin/?status=overdue&type=%E6%B3%A8%E9%94%80"
    )
    assert q.url("/admin/", page=4) == "/admin/?status=done&type=%E6%B3%A8%E9%94%80&page=4"
    assert BoardQuery().url("/admin/") == "/admin/"


def test_dates_may_bound_the_claim_or_the_completion() -> None:
    q = BoardQuery.parse({"on": "completed", "from": "2026-03-01"}, may_pick_accountant=False)
    assert q.to_filter().dated_by.value == "completed"
    assert q.params() == {"from": "2026-03-01", "on": "completed"}
    assert BoardQuery.parse({"on": "bogus"}, may_pick_accountant=False) == BoardQuery()
