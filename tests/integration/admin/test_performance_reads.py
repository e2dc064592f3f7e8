"""绩效's figures on a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set):
medians of time to claim and to complete computed by the database, clients served, fees
collected, and the monthly counts of the trend chart."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.billing import BillKind, NewBill
from domain.clock import SHANGHAI
from domain.performance import last_months, median
from domain.requests import Status
from storage.tables.requests import RequestRow
from storage.uow import SqlUnitOfWork
from tests.integration.admin.test_panel_reads import NOW, _request, world


async def _claimed(uow: SqlUnitOfWork, rid: int, staff: int, at: datetime) -> None:
    assert await uow.requests.transition(
        rid, frozenset({Status.SUBMITTED}), Status.CLAIMED, at, handler_id=staff, claimed_at=at
    )


async def _completed(uow: SqlUnitOfWork, rid: int, at: datetime) -> None:
    assert await uow.requests.transition(
        rid, frozenset({Status.CLAIMED}), Status.COMPLETED, at, completed_at=at
    )


async def test_medians_and_fees_per_accountant(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
        raised = NOW - timedelta(days=2)
        n = 0
        claim_wang = [10, 20, 40, 1000]  # median 30; the mean (267.5) would hide the rest
        claim_li = [5, 7, 100]  # median 7
        done_wang = {0: 60, 1: 120, 2: 600}  # minutes from raised to completed: median 120
        for who, minutes_list in (("wang", claim_wang), ("li", claim_li)):
            for i, minutes in enumerate(minutes_list):
                n += 1
                company = "a" if (who == "wang" and i != 1) else ("c" if who == "wang" else "b")
                rid = await _request(uow, ids, n, company, raised)
                await _claimed(uow, rid, ids[who], raised + timedelta(minutes=minutes))
                if who == "wang" and i in done_wang:
                    done = raised + timedelta(minutes=max(done_wang[i], minutes + 1))
                    await _completed(uow, rid, done)

        async def bill(number: int, company: str, fen: int, paid: datetime | None) -> None:
            made = await uow.billing.add_bill(
                NewBill(ids["firm"], f"B{number}", ids[company], BillKind.ONE_OFF, "代账费", fen,
                        date(2026, 11, 1), NOW - timedelta(days=40), source_ref=f"t{number}")
            )  # fmt: skip
            assert made is not None
            if paid is not None:
                assert await uow.billing.mark_bill_paid(made.id, 0, paid, paid)

        await bill(1, "a", 30_000, NOW - timedelta(days=1))  # 王会计's client, in the period
        await bill(2, "c", 5_000, NOW - timedelta(days=30))  # paid before the period
        await bill(3, "c", 7_000, None)  # not paid
        await bill(4, "b", 1_200, NOW - timedelta(days=2))  # 李会计's client
        await uow.commit()

        rows = {f.name: f for f in await uow.panel_reads.team_figures(ids["firm"], since, until)}
        wang, li = rows["王会计"], rows["李会计"]
        assert wang.claimed == 4 and li.claimed == 3
        assert wang.median_minutes_to_claim is not None
        assert abs(wang.median_minutes_to_claim - (median(claim_wang) or 0)) < 0.05  # 30
        assert li.median_minutes_to_claim is not None
        assert abs(li.median_minutes_to_claim - 7) < 0.05
        assert wang.completed == 3 and wang.median_minutes_to_complete is not None
        assert abs(wang.median_minutes_to_complete - 120) < 0.05
        assert li.median_minutes_to_complete is None
        assert (wang.served, li.served) == (2, 0)  # 青禾 and 明远
        assert (wang.fees_fen, li.fees_fen) == (30_000, 1_200)


async def test_monthly_counts_split_by_beijing_months(db_url: str) -> None:
    async with world(db_url) as (uow, ids):
        # 23:30 on 31 October in Beijing is still October there (15:30 UTC).
        late_october = datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI)
        november = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
        for n, at, who in ((1, late_october, "wang"), (2, november, "wang"), (3, november, "li")):
            rid = await _request(uow, ids, n, "a", at - timedelta(minutes=5))
            await _claimed(uow, rid, ids[who], at)
        await _completed(uow, 2, november + timedelta(hours=1))
        await uow.commit()
        today = date(2026, 11, 20)
        starts = last_months(today)
        assert (
            len(starts) == 12 and starts[0] == date(2025, 12, 1) and starts[-1] == date(2026, 11, 1)
        )
        bounds = [datetime.combine(d, datetime.min.time(), SHANGHAI) for d in starts]
        bounds.append(datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI))
        team = await uow.panel_reads.monthly_counts(ids["firm"], None, bounds)
        by = {m.month: (m.claimed, m.completed) for m in team}
        assert by["2026-10"] == (1, 0) and by["2026-11"] == (2, 1)
        assert sum(c for c, _ in by.values()) == 3
        own = await uow.panel_reads.monthly_counts(ids["firm"], ids["li"], bounds)
        assert {m.month: m.claimed for m in own}["2026-11"] == 1
        assert {m.month: m.claimed for m in own}["2026-10"] == 0


async def test_medians_of_one_even_odd_and_no_values_match_the_counting_window(
    db_url: str,
) -> None:
    """The medians as the page reads them (PostgreSQL: ordered-set aggregates in the grouped
    pass; SQLite: middle ranks picked by the counts) equal, to the bit, what one statement
    that counts as it ranks gives, and the reference median; an empty period has none."""
    async with world(db_url) as (uow, ids):
        since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
        raised = NOW - timedelta(days=2)
        claims = {"wang": [13], "li": [10, 20, 35, 47, 300, 7]}  # one value; six (even)
        done = {"wang": [], "li": [70, 100, 2000]}  # none; three (odd)
        n = 0
        for who in ("wang", "li"):
            for i, minutes in enumerate(claims[who]):
                n += 1
                rid = await _request(uow, ids, n, "a", raised)
                await _claimed(uow, rid, ids[who], raised + timedelta(minutes=minutes))
                if i < len(done[who]):
                    await _completed(uow, rid, raised + timedelta(minutes=done[who][i]))
        await uow.commit()

        reads = uow.panel_reads
        rows = {f.name: f for f in await reads.team_figures(ids["firm"], since, until)}
        wang, li = rows["王会计"], rows["李会计"]
        assert (wang.claimed, li.claimed, wang.completed, li.completed) == (1, 6, 0, 3)
        for got, values in (
            (wang.median_minutes_to_claim, claims["wang"]),
            (li.median_minutes_to_claim, claims["li"]),
            (li.median_minutes_to_complete, done["li"]),
        ):
            assert got is not None and abs(got - (median(values) or 0)) < 0.001
        assert wang.median_minutes_to_complete is None

        claim = reads._minutes(RequestRow.claimed_at, RequestRow.created_at)
        finish = reads._minutes(RequestRow.completed_at, RequestRow.created_at)
        firm = RequestRow.firm_id == ids["firm"]
        claimed_in = (firm, reads._in(RequestRow.claimed_at, since, until))
        done_in = (firm, reads._in(RequestRow.completed_at, since, until))
        counted = {
            **await reads._window_medians("claimed", claim, claimed_in),
            **await reads._window_medians("completed", finish, done_in),
        }
        assert counted[("claimed", ids["wang"])] == wang.median_minutes_to_claim
        assert counted[("claimed", ids["li"])] == li.median_minutes_to_claim
        assert counted[("completed", ids["li"])] == li.median_minutes_to_complete

        # Counts that no longer hold (work claimed between the two statements): the
        # medians are ranked again, not read at the wrong ranks.
        stale = {ids["wang"]: 1, ids["li"]: 5}
        again = await reads._sqlite_medians([("claimed", claim, claimed_in, stale)])
        assert again[("claimed", ids["li"])] == li.median_minutes_to_claim
        assert again[("claimed", ids["wang"])] == wang.median_minutes_to_claim

        empty = await reads.team_figures(
            ids["firm"], NOW + timedelta(days=1), NOW + timedelta(days=2)
        )
        assert all(
            (f.claimed, f.completed, f.median_minutes_to_claim, f.median_minutes_to_complete)
            == (0, 0, None, None)
            for f in empty
        )
