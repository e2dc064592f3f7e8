"""The read model of the filing checklist across clients (`domain.filing_overview`): one
period's checklists of a firm (or of one accountant's companies), filtered in SQL by item and
the item's state, a page at a time, with the counts per item; a fixed number of queries
whatever the firm's size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filing_overview import FilingPage, FilingQuery, ItemCount
from storage.filing import SqlFilingRepository
from storage.tables.filing import FilingChecklistRow, FilingItemRow
from storage.tables.identity import CompanyRow, StaffRow


class SqlFilingReads:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _item_state(self, q: FilingQuery) -> list[Any]:
        if q.state == "done":
            return [FilingItemRow.done_at.is_not(None)]
        if q.state == "open":
            return [FilingItemRow.done_at.is_(None)]
        if q.state == "overdue":
            return [FilingItemRow.done_at.is_(None), FilingItemRow.due < q.today]
        return []

    async def board(self, q: FilingQuery) -> FilingPage:
        companies: list[Any] = [CompanyRow.firm_id == q.firm_id]
        if q.accountant_id is not None:
            companies.append(CompanyRow.accountant_id == q.accountant_id)
        lists = [
            FilingChecklistRow.firm_id == q.firm_id,
            FilingChecklistRow.period == q.period,
            *companies,
        ]
        wanted = list(lists)
        if q.item or q.state:
            cond = [FilingItemRow.checklist_id == FilingChecklistRow.id, *self._item_state(q)]
            if q.item:
                cond.append(FilingItemRow.key == q.item)
            wanted.append(exists().where(*cond))
        joined = (
            select(func.count())
            .select_from(FilingChecklistRow)
            .join(CompanyRow, CompanyRow.id == FilingChecklistRow.company_id)
        )
        total = int(await self.s.scalar(joined.where(*wanted)) or 0)
        with_list = int(await self.s.scalar(joined.where(*lists)) or 0)
        all_companies = int(
            await self.s.scalar(select(func.count()).select_from(CompanyRow).where(*companies)) or 0
        )
        rows = list(
            await self.s.execute(
                select(FilingChecklistRow, CompanyRow.name, StaffRow.name)
                .join(CompanyRow, CompanyRow.id == FilingChecklistRow.company_id)
                .outerjoin(StaffRow, StaffRow.id == CompanyRow.accountant_id)
                .where(*wanted)
                .order_by(CompanyRow.name, CompanyRow.id)
                .offset((q.page - 1) * q.per_page)
                .limit(q.per_page)
            )
        )
        checklists = await SqlFilingRepository(self.s)._load([r[0] for r in rows])
        open_ = FilingItemRow.done_at.is_(None)

        def count(cond: Any) -> Any:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        counted = await self.s.execute(
            select(
                FilingItemRow.key,
                count(open_),
                count(and_(open_, FilingItemRow.due < q.today)),
                count(FilingItemRow.done_at.is_not(None)),
            )
            .join(FilingChecklistRow, FilingChecklistRow.id == FilingItemRow.checklist_id)
            .join(CompanyRow, CompanyRow.id == FilingChecklistRow.company_id)
            .where(*lists)
            .group_by(FilingItemRow.key)
        )
        counts = {key: ItemCount(key, "", int(o), int(late), int(d)) for key, o, late, d in counted}
        return FilingPage(
            [
                (checklist, name, accountant)
                for checklist, (_, name, accountant) in zip(checklists, rows, strict=True)
            ],
            total,
            counts,
            all_companies - with_list,
        )
