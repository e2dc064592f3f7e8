"""The filing checklist across clients on a real database (SQLite, and PostgreSQL when
configured): filtered in SQL by item and the item's state (open includes overdue), scoped to
an accountant's companies, paged, with the counts per item and the companies without a
checklist yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from domain.actors import Actor
from domain.filing_overview import FilingBoard, FilingFilter, filing_board
from domain.filing_service import open_month, tick
from storage.engine import create_engine, session_factory
from storage.tables.filing import FilingItemRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai; files 2026-09


async def test_the_board_filters_counts_and_scopes(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            ids = uow.identities
            firm = await ids.add_firm("示范代账", "wx_filing_board")
            boss = await ids.add_staff(firm.id, "赵主管", is_admin=True)
            wang = await ids.add_staff(firm.id, "王会计")
            li = await ids.add_staff(firm.id, "李会计")
            names = [f"公司{i:02d}" for i in range(12)]
            companies = [
                await ids.add_company(firm.id, n, accountant_id=(wang if i % 2 else li).id)
                for i, n in enumerate(names)
            ]
            other = await ids.add_firm("别家", "wx_other")
            await ids.add_company(other.id, "别家客户", accountant_id=None)
            await open_month(uow, firm.id, NOW)
            await open_month(uow, other.id, NOW)
            late = await ids.add_company(firm.id, "新来的公司", accountant_id=wang.id)
            system = Actor.system(firm.id)
            for c in companies[:5]:  # 公司00-04 handed in their bank statement
                await tick(uow, system, "bank", NOW, company_id=c.id)
            await uow.commit()
        # 公司05's bank statement was due yesterday; the rest are due later.
        async with SqlUnitOfWork(sessions) as uow:
            lists = {c.company_id: c for c in await uow.filing.checklists(firm.id, "2026-09")}
            bank = next(i for i in lists[companies[5].id].items if i.key == "bank")
            await uow.session.execute(
                update(FilingItemRow)
                .where(FilingItemRow.id == bank.id)
                .values(due=NOW.date() - timedelta(days=1))
            )
            await uow.commit()

        admin = Actor.of_staff(boss)

        async def board(
            actor: Actor,
            per_page: int = 50,
            *,
            item: str = "",
            state: str = "",
            accountant_id: int | None = None,
            page: int = 1,
        ) -> FilingBoard:
            wanted = FilingFilter(item, state, accountant_id, page)
            async with SqlUnitOfWork(sessions) as uow:
                return await filing_board(uow, actor, wanted, NOW, per_page)

        open_bank = await board(admin, item="bank", state="open")
        assert [r.company for r in open_bank.rows] == names[5:]
        assert all(  # only the item asked about, with its state
            [i.key for i, _ in r.items] == ["bank"] for r in open_bank.rows
        )
        overdue = await board(admin, item="bank", state="overdue")
        assert [r.company for r in overdue.rows] == ["公司05"]
        assert overdue.rows[0].items[0][1] == "overdue"
        done = await board(admin, item="bank", state="done")
        assert [r.company for r in done.rows] == names[:5]
        counts = {c.key: c for c in open_bank.counts}
        assert (counts["bank"].open, counts["bank"].overdue, counts["bank"].done) == (7, 1, 5)
        assert counts["bank"].label == "提供银行对账单"
        assert open_bank.without_checklist == 1

        # An accountant: their own companies, whatever they ask for.
        mine = await board(Actor.of_staff(wang), item="bank", state="open", accountant_id=li.id)
        assert [r.company for r in mine.rows] == ["公司05", "公司07", "公司09", "公司11"]
        assert {r.accountant for r in mine.rows} == {"王会计"}
        # An admin may narrow to one accountant.
        lis = await board(admin, item="bank", state="open", accountant_id=li.id)
        assert [r.company for r in lis.rows] == ["公司06", "公司08", "公司10"]

        # Pages, and no filter: every checklist.
        first = await board(admin, per_page=5)
        assert first.total == 12 and first.pages == 3 and len(first.rows) == 5
        last = await board(admin, per_page=5, page=3)
        assert [r.company for r in last.rows] == ["公司10", "公司11"]
        assert late.name not in [r.company for r in last.rows]
    finally:
        await engine.dispose()
