"""The panel's read models and its tag and audit repositories on a real database (SQLite, and
PostgreSQL when TEST_POSTGRES_URL is set): the client list's tag filters and search, the
team's figures for a period, the firm's money, the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

from domain.actors import Actor
from domain.audit import entry
from domain.billing import BillKind, NewBill
from domain.client_tags import ClientFilter
from domain.complaints import NewComplaint
from domain.ratings import Rating
from domain.requests import NewRequest, Status, Urgency
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


@asynccontextmanager
async def world(url: str) -> AsyncIterator[tuple[SqlUnitOfWork, dict[str, int]]]:
    """A firm with two accountants and three clients (and another firm with one), in one
    unit of work left open for the test."""
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            yield uow, await _people(uow)
    finally:
        await engine.dispose()


async def _people(uow: SqlUnitOfWork) -> dict[str, int]:
    firm = await uow.identities.add_firm("示范代账", "wx_reads")
    other = await uow.identities.add_firm("别家", "wx_other")
    wang = await uow.identities.add_staff(firm.id, "王会计", "1", False)
    li = await uow.identities.add_staff(firm.id, "李会计", "2", False)
    ids = {"firm": firm.id, "other": other.id, "wang": wang.id, "li": li.id}
    for key, name, acc in (
        ("a", "杭州青禾餐饮", wang.id),
        ("b", "杭州云帆100%科技", li.id),
        ("c", "杭州明远贸易", wang.id),
    ):
        ids[key] = (await uow.identities.add_company(firm.id, name, acc)).id
        await uow.identities.add_contact(ids[key], "联系人")
    ids["x"] = (await uow.identities.add_company(other.id, "别家的客户", None)).id
    await uow.commit()
    return ids


async def test_tags_filter_clients_by_every_tag_asked(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        small = await uow.tags.add(ids["firm"], "小规模", "纳税人类型")
        special = await uow.tags.add(ids["firm"], "电子专票", "")
        assert small and special
        assert await uow.tags.add(ids["firm"], "小规模", "") is None
        assert await uow.tags.tag([ids["a"], ids["b"]], small.id) == 2
        assert await uow.tags.tag([ids["b"], ids["a"]], small.id) == 0
        assert await uow.tags.tag([ids["b"], ids["c"]], special.id) == 2
        await uow.commit()

        async def names(wanted: ClientFilter) -> set[str]:
            page = await uow.panel_reads.clients(ids["firm"], wanted, 20)
            assert page.total == len(page.items)
            return {c.name for c in page.items}

        assert await names(ClientFilter()) == {"杭州青禾餐饮", "杭州云帆100%科技", "杭州明远贸易"}
        assert await names(ClientFilter(tag_ids=(small.id,))) == {
            "杭州青禾餐饮",
            "杭州云帆100%科技",
        }
        assert await names(ClientFilter(tag_ids=(small.id, special.id))) == {"杭州云帆100%科技"}
        assert await names(ClientFilter(search="100%")) == {"杭州云帆100%科技"}
        assert await names(ClientFilter(search="%")) == {"杭州云帆100%科技"}  # a literal %
        assert await names(ClientFilter(accountant_id=ids["wang"])) == {
            "杭州青禾餐饮",
            "杭州明远贸易",
        }
        found = await uow.panel_reads.clients(ids["firm"], ClientFilter(tag_ids=(small.id,)), 20)
        row = next(c for c in found.items if c.id == ids["b"])
        assert row.tags == ("电子专票", "小规模")  # by group, then name
        assert (row.accountant, row.contacts, row.open_requests) == ("李会计", 1, 0)
        # Paging: one a page, the total kept.
        page2 = await uow.panel_reads.clients(ids["firm"], ClientFilter(page=2), 1)
        assert (page2.total, page2.pages, len(page2.items)) == (3, 3, 1)
        assert await uow.tags.untag(ids["a"], small.id)
        assert not await uow.tags.untag(ids["a"], small.id)
        assert [t.name for t in await uow.tags.of_company(ids["b"])] == ["电子专票", "小规模"]


async def _request(
    uow: SqlUnitOfWork, ids: dict[str, int], n: int, company: str, created: datetime
) -> int:
    req = await uow.requests.add(
        NewRequest(
            ids["firm"], f"R{n}", ids[company], None, "o", "营业执照", "", Urgency.NORMAL, (),
            created, None,
        )
    )  # fmt: skip
    return req.id


async def test_team_figures_count_the_period_only(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        since, until = NOW - timedelta(days=7), NOW
        # 王会计: two claimed in the period after 30 and 90 minutes, one completed; one
        # claimed before the period. 李会计: nothing.
        for n, minutes in ((1, 30), (2, 90)):
            rid = await _request(uow, ids, n, "a", NOW - timedelta(days=1))
            claimed = NOW - timedelta(days=1) + timedelta(minutes=minutes)
            assert await uow.requests.transition(
                rid, frozenset({Status.SUBMITTED}), Status.CLAIMED, claimed,
                handler_id=ids["wang"], claimed_at=claimed,
            )  # fmt: skip
        old = await _request(uow, ids, 3, "c", NOW - timedelta(days=30))
        assert await uow.requests.transition(
            old, frozenset({Status.SUBMITTED}), Status.CLAIMED, NOW - timedelta(days=30),
            handler_id=ids["wang"], claimed_at=NOW - timedelta(days=30),
        )  # fmt: skip
        assert await uow.requests.transition(
            old, frozenset({Status.CLAIMED}), Status.COMPLETED, NOW - timedelta(hours=1),
            completed_at=NOW - timedelta(hours=1),
        )  # fmt: skip
        at = NOW - timedelta(hours=1)
        await uow.ratings.save(Rating(old, ids["firm"], ids["c"], ids["wang"], 2, 4, "", at, at))
        await uow.complaints.add(
            NewComplaint(ids["firm"], "C1", ids["c"], "o", "客户", "慢", at, staff_id=ids["wang"])
        )
        await uow.commit()
        figures = {f.name: f for f in await uow.panel_reads.team_figures(ids["firm"], since, until)}
        wang, li = figures["王会计"], figures["李会计"]
        assert (wang.claimed, wang.completed, wang.ratings, wang.low_ratings) == (2, 1, 1, 1)
        assert (wang.attitude, wang.speed, wang.complaints, wang.clients) == (2.0, 4.0, 1, 2)
        assert wang.minutes_to_claim is not None and abs(wang.minutes_to_claim - 60) < 0.1
        assert (li.claimed, li.completed, li.ratings, li.clients) == (0, 0, 0, 1)
        assert li.attitude is None and li.minutes_to_claim is None


async def test_money_outstanding_overdue_ageing_and_paid(db_url: str) -> None:
    today = date(2026, 11, 20)
    month_start = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 11-01 00:00 in Beijing
    async with world(db_url) as (uow, ids):

        async def bill(n: int, fen: int, due: date, firm: str = "firm") -> int:
            made = await uow.billing.add_bill(
                NewBill(ids[firm], f"B{n}", ids["a" if firm == "firm" else "x"], BillKind.ONE_OFF,
                        "代账费", fen, due, NOW, source_ref=f"t{n}")
            )  # fmt: skip
            assert made is not None
            return made.id

        await bill(1, 10_000, today)  # due today: outstanding, not overdue
        await bill(2, 20_000, today - timedelta(days=30))  # 0-30
        await bill(3, 40_000, today - timedelta(days=31))  # 31-60
        await bill(4, 80_000, today - timedelta(days=91))  # 90+
        paid = await bill(5, 5_000, today - timedelta(days=3))
        assert await uow.billing.mark_bill_paid(paid, 0, NOW - timedelta(days=1), NOW)
        earlier = await bill(6, 7_000, today - timedelta(days=40))
        assert await uow.billing.mark_bill_paid(earlier, 0, month_start - timedelta(hours=1), NOW)
        await bill(7, 999_999, today - timedelta(days=100), firm="other")  # another firm's
        await uow.commit()
        m = await uow.panel_reads.money(ids["firm"], today, month_start)
        assert (m.outstanding_fen, m.outstanding_bills) == (150_000, 4)
        assert (m.overdue_fen, m.overdue_bills) == (140_000, 3)
        assert m.ageing_fen == (20_000, 40_000, 0, 80_000)
        assert (m.paid_this_month_fen, m.paid_this_month_bills) == (5_000, 1)
        assert [(x.month, x.paid_fen) for x in m.by_month][-2:] == [
            ("2026-10", 7_000),
            ("2026-11", 5_000),
        ]
        assert len(m.by_month) == 6


async def test_the_audit_log_pages_newest_first_and_filters(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        admin = Actor.system(ids["firm"])
        for i in range(3):
            await uow.audit.add(
                entry(admin, "tag_defined", f"标签{i}", NOW + timedelta(minutes=i), None, {"i": i})
            )
        await uow.audit.add(entry(admin, "staff_added", "孙会计", NOW))
        await uow.audit.add(entry(Actor.system(ids["other"]), "staff_added", "别家", NOW))
        await uow.commit()
        items, total = await uow.audit.page(ids["firm"], None, 1, 2)
        assert total == 4 and [e.target for e in items] == ["标签2", "标签1"]
        assert items[0].after == {"i": 2}
        items, total = await uow.audit.page(ids["firm"], "staff_added", 1, 10)
        assert (total, [e.target for e in items]) == (1, ["孙会计"])
