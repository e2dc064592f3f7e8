"""The board's SQL agrees with the domain's columns, keeps an accountant to their own work and
clients, and filters and pages as asked; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.board import COLUMNS, BoardFilter, Column, Viewer, column_of
from domain.requests import NewRequest, ServiceRequest, Status, Urgency
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def seed(db_url: str) -> dict[str, int]:
    """A firm with an admin and two accountants, each with a client, and requests in every
    column."""
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        ids = uow.identities
        firm = await ids.add_firm("示范", "wx1")
        other = await ids.add_firm("别家", "wx2")
        admin = await ids.add_staff(firm.id, "赵主管", is_admin=True)
        wang = await ids.add_staff(firm.id, "王会计")
        li = await ids.add_staff(firm.id, "李会计")
        qinghe = await ids.add_company(firm.id, "青禾", wang.id)
        yunfan = await ids.add_company(firm.id, "云帆", li.id)
        elsewhere = await ids.add_company(other.id, "别家客户")

        async def add(
            company: int,
            status: Status,
            *,
            handler: int | None = None,
            due: timedelta | None = timedelta(minutes=10),
            type_: str = "营业执照",
            urgency: Urgency = Urgency.NORMAL,
            age: timedelta = timedelta(hours=1),
            firm_id: int = firm.id,
        ) -> ServiceRequest:
            number = await uow.requests.next_number(firm_id, "R")
            req = await uow.requests.add(
                NewRequest(
                    firm_id,
                    number,
                    company,
                    None,
                    "o",
                    type_,
                    "x",
                    urgency,
                    (),
                    NOW - age,
                    NOW + due if due is not None else None,
                )
            )
            if status is not Status.SUBMITTED or handler:
                await uow.requests.transition(
                    req.id, frozenset({Status.SUBMITTED}), status, NOW, handler_id=handler
                )
            return req

        await add(qinghe.id, Status.SUBMITTED)  # unclaimed
        await add(qinghe.id, Status.SUBMITTED, due=-timedelta(minutes=1))  # overdue
        await add(yunfan.id, Status.ESCALATED, due=None, urgency=Urgency.URGENT)
        await add(yunfan.id, Status.CLAIMED, handler=wang.id, type_="注销")  # wang's, li's client
        await add(yunfan.id, Status.ASSIGNED, handler=li.id, due=-timedelta(hours=1))  # overdue
        await add(qinghe.id, Status.IN_PROGRESS, handler=wang.id, due=None)
        await add(yunfan.id, Status.COMPLETED, handler=li.id, due=None, age=timedelta(days=3))
        await add(qinghe.id, Status.CANCELLED, due=None)
        await add(elsewhere.id, Status.SUBMITTED, firm_id=other.id)
        await uow.commit()
    await engine.dispose()
    return {"firm": firm.id, "admin": admin.id, "wang": wang.id, "li": li.id, "yunfan": yunfan.id}


async def test_counts_and_columns_agree_with_the_domain(db_url: str) -> None:
    ids = await seed(db_url)
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        admin = Viewer(ids["firm"])
        counts = await uow.board.counts(admin, BoardFilter(), NOW)
        assert counts == {
            Column.UNCLAIMED: 1,
            Column.CLAIMED: 1,
            Column.IN_PROGRESS: 1,
            Column.OVERDUE: 2,
            Column.ESCALATED: 1,
            Column.DONE: 1,
            Column.CANCELLED: 1,
        }
        for column in COLUMNS:
            page = await uow.board.page(admin, BoardFilter(), column, NOW, 1, 20)
            assert page.total == counts[column]
            assert {column_of(r, NOW) for r in page.items} <= {column}
    await engine.dispose()


async def test_an_accountant_sees_their_own_work_and_their_clients_only(db_url: str) -> None:
    ids = await seed(db_url)
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        wang = Viewer(ids["firm"], ids["wang"])
        counts = await uow.board.counts(wang, BoardFilter(), NOW)
        # 青禾's four (one overdue) and the 云帆 request he claimed; none of 李会计's.
        assert sum(counts.values()) == 5
        assert counts[Column.CLAIMED] == 1 and counts[Column.ESCALATED] == 0
        assert await uow.board.request(wang, "R1003") is None  # 云帆's escalated request
        assert await uow.board.request(wang, "R1004") is not None  # the one he claimed
        assert await uow.board.request(Viewer(ids["firm"]), "R1003") is not None
    await engine.dispose()


async def test_filters_narrow_and_pages_split(db_url: str) -> None:
    ids = await seed(db_url)
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        admin = Viewer(ids["firm"])
        by_type = await uow.board.counts(admin, BoardFilter(type="注销"), NOW)
        assert sum(by_type.values()) == 1
        urgent = await uow.board.counts(admin, BoardFilter(urgency=Urgency.URGENT), NOW)
        assert sum(urgent.values()) == 1 and urgent[Column.ESCALATED] == 1
        handled = await uow.board.counts(admin, BoardFilter(handler_id=ids["li"]), NOW)
        assert sum(handled.values()) == 2
        client = await uow.board.counts(admin, BoardFilter(company_id=ids["yunfan"]), NOW)
        assert sum(client.values()) == 4
        recent = BoardFilter(created_from=NOW - timedelta(days=1), created_until=NOW)
        assert sum((await uow.board.counts(admin, recent, NOW)).values()) == 7
        first = await uow.board.page(admin, BoardFilter(), Column.OVERDUE, NOW, 1, 1)
        second = await uow.board.page(admin, BoardFilter(), Column.OVERDUE, NOW, 2, 1)
        assert first.total == second.total == 2 and first.pages == 2
        assert {r.number for r in (*first.items, *second.items)} == {"R1002", "R1005"}
    await engine.dispose()


async def test_first_pages_merge_the_parts_in_the_columns_order(db_url: str) -> None:
    """A column is read one status (and urgency) at a time; its first page must still be the
    column's order: urgent first then oldest for open work, most recent first for finished."""
    ids = await seed(db_url)
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        firm = ids["firm"]
        company = ids["yunfan"]
        for i, (status, urgency) in enumerate(
            [
                (Status.CLAIMED, Urgency.NORMAL),
                (Status.ASSIGNED, Urgency.URGENT),
                (Status.ASSIGNED, Urgency.NORMAL),
                (Status.CLAIMED, Urgency.URGENT),
            ]
        ):
            number = await uow.requests.next_number(firm, "R")
            req = await uow.requests.add(
                NewRequest(firm, number, company, None, "o", "注销", "x", urgency, (),
                           NOW - timedelta(hours=10 - i), NOW + timedelta(hours=1))
            )  # fmt: skip
            await uow.requests.transition(
                req.id, frozenset({Status.SUBMITTED}), status, NOW, handler_id=ids["li"]
            )
        for i, status in enumerate([Status.RATED, Status.COMPLETED, Status.RATED]):
            number = await uow.requests.next_number(firm, "R")
            req = await uow.requests.add(
                NewRequest(firm, number, company, None, "o", "注销", "x", Urgency.NORMAL, (),
                           NOW - timedelta(days=5), None)
            )  # fmt: skip
            await uow.requests.transition(
                req.id,
                frozenset({Status.SUBMITTED}),
                status,
                NOW - timedelta(hours=5 - i),
                handler_id=ids["li"],
            )
        await uow.commit()
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        admin = Viewer(ids["firm"])
        counts = await uow.board.counts(admin, BoardFilter(), NOW)
        firsts = await uow.board.first_pages(admin, BoardFilter(), NOW, 4, counts)
        for column in (Column.CLAIMED, Column.DONE):
            paged = await uow.board.page(admin, BoardFilter(), column, NOW, 1, 4)
            assert [r.number for r in firsts[column].items] == [r.number for r in paged.items]
        # The board in one round trip says the same as counts and first pages.
        together, pages = await uow.board.overview(admin, BoardFilter(), NOW, 4)
        assert together == counts
        assert {c: [r.number for r in p.items] for c, p in pages.items()} == {
            c: [r.number for r in p.items] for c, p in firsts.items()
        }
        wang = Viewer(ids["firm"], ids["wang"])
        mine, my_pages = await uow.board.overview(wang, BoardFilter(), NOW, 4)
        assert mine == await uow.board.counts(wang, BoardFilter(), NOW)
        assert {c: [r.number for r in p.items] for c, p in my_pages.items()} == {
            c: [r.number for r in p.items]
            for c, p in (await uow.board.first_pages(wang, BoardFilter(), NOW, 4, mine)).items()
        }
        claimed = firsts[Column.CLAIMED].items
        assert [r.urgency for r in claimed[:2]] == [Urgency.URGENT, Urgency.URGENT]
        assert claimed[0].created_at < claimed[1].created_at
        done = firsts[Column.DONE].items
        assert [r.updated_at for r in done] == sorted((r.updated_at for r in done), reverse=True)
    await engine.dispose()


async def test_past_the_cap_a_column_is_more_than_and_pages_follow_the_rows(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.board

    monkeypatch.setattr(storage.board, "COUNT_CAP", 1)
    monkeypatch.setattr(storage.board, "_STATEMENTS", {})
    ids = await seed(db_url)
    engine = create_engine(db_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        admin = Viewer(ids["firm"])
        counts = await uow.board.counts(admin, BoardFilter(), NOW)
        assert counts[Column.OVERDUE] == 2  # "more than 1": counted no further than 2
        assert counts[Column.UNCLAIMED] == 1
        first = await uow.board.page(admin, BoardFilter(), Column.OVERDUE, NOW, 1, 1)
        second = await uow.board.page(admin, BoardFilter(), Column.OVERDUE, NOW, 2, 1)
        assert first.more is True and second.more is False
    await engine.dispose()
