"""The panel's money: bills settled offline (`SqlOfflinePayments`) and the read models of the
bill list and of arrears by client (`SqlMoneyReads`), each page a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing import BillStatus
from domain.money_ports import (
    Arrears,
    ArrearsPage,
    BillFilter,
    BillPage,
    NewOfflinePayment,
    OfflinePayment,
)
from storage.billing import _bill
from storage.panel_reads import _like
from storage.tables.billing import BillRow
from storage.tables.identity import CompanyRow, StaffRow
from storage.tables.money import OfflinePaymentRow

UNPAID = BillStatus.UNPAID.value


class SqlOfflinePayments:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def settle(self, new: NewOfflinePayment, paid_at: datetime) -> bool:
        moved = await self.s.execute(
            update(BillRow)
            .where(
                BillRow.id == new.bill_id,
                BillRow.firm_id == new.firm_id,
                BillRow.status == UNPAID,
            )
            .values(
                status=BillStatus.PAID.value,
                paid_at=paid_at,
                paid_order_id=None,
                updated_at=new.created_at,
            )
            .execution_options(synchronize_session=False)
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            return False
        self.s.add(
            OfflinePaymentRow(
                firm_id=new.firm_id,
                bill_id=new.bill_id,
                amount_fen=new.amount_fen,
                paid_on=new.paid_on,
                note=new.note,
                recorded_by=new.recorded_by,
                staff_id=new.staff_id,
                created_at=new.created_at,
            )
        )
        await self.s.flush()
        return True

    async def of_bill(self, bill_id: int) -> OfflinePayment | None:
        row = await self.s.scalar(
            select(OfflinePaymentRow).where(OfflinePaymentRow.bill_id == bill_id)
        )
        if row is None:
            return None
        return OfflinePayment(
            row.id,
            row.firm_id,
            row.bill_id,
            row.amount_fen,
            row.paid_on,
            row.note,
            row.recorded_by,
            row.staff_id,
            row.created_at,
        )


class SqlMoneyReads:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def bills(self, firm_id: int, wanted: BillFilter, today: date, per_page: int) -> BillPage:
        where: list[Any] = [BillRow.firm_id == firm_id]
        # Open bills most urgent first, along the (firm, status, due day) index; settled ones
        # latest due first; all of them newest first.
        order: list[Any] = [BillRow.id.desc()]
        if wanted.state in ("unpaid", "overdue"):
            where.append(BillRow.status == UNPAID)
            order = [BillRow.due_on, BillRow.id]
            if wanted.state == "overdue":
                where.append(BillRow.due_on < today)
        elif wanted.state:
            where.append(BillRow.status == wanted.state)
            order = [BillRow.due_on.desc(), BillRow.id.desc()]
        if wanted.company_id is not None:
            where.append(BillRow.company_id == wanted.company_id)
        if wanted.search:
            where.append(
                BillRow.company_id.in_(
                    select(CompanyRow.id).where(
                        CompanyRow.firm_id == firm_id,
                        CompanyRow.name.like(_like(wanted.search), escape="\\"),
                    )
                )
            )
        total = int(
            await self.s.scalar(select(func.count()).select_from(BillRow).where(*where)) or 0
        )
        page = (
            select(BillRow.id)
            .where(*where)
            .order_by(*order)
            .offset((wanted.page - 1) * per_page)
            .limit(per_page)
            .subquery()
        )
        rows = await self.s.execute(
            select(BillRow, CompanyRow.name)
            .join(page, page.c.id == BillRow.id)
            .join(CompanyRow, CompanyRow.id == BillRow.company_id)
            .order_by(*order)
        )
        return BillPage([_bill(r[0], r[1]) for r in rows], total, wanted.page, per_page)

    async def arrears(self, firm_id: int, today: date, page: int, per_page: int) -> ArrearsPage:
        def part(cond: Any) -> Any:
            # Each group has a bill, so the sum is never NULL.
            return func.sum(case((cond, BillRow.amount_fen), else_=0))

        overdue = BillRow.due_on < today
        edges = [today - timedelta(days=d) for d in (30, 60, 90)]
        ageing = [
            and_(overdue, BillRow.due_on >= edges[0]),
            and_(BillRow.due_on < edges[0], BillRow.due_on >= edges[1]),
            and_(BillRow.due_on < edges[1], BillRow.due_on >= edges[2]),
            BillRow.due_on < edges[2],
        ]
        where = [BillRow.firm_id == firm_id, BillRow.status == UNPAID]
        count = await self.s.scalar(
            select(func.count(func.distinct(BillRow.company_id))).where(*where)
        )
        # Every owing company's sums, grouped on the bills alone (one covering index); the
        # names are joined to the page's rows only.
        late = part(overdue).label("overdue")
        unpaid = func.sum(BillRow.amount_fen).label("unpaid")
        sums = (
            select(
                BillRow.company_id.label("company_id"),
                unpaid,
                func.count().label("bills"),
                late,
                *(part(a).label(f"age{i}") for i, a in enumerate(ageing)),
                func.min(BillRow.due_on).label("oldest"),
            )
            .where(*where)
            .group_by(BillRow.company_id)
            .order_by(late.desc(), unpaid.desc(), BillRow.company_id)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .subquery()
        )
        rows = await self.s.execute(
            select(sums, CompanyRow.name, StaffRow.name)
            .join(CompanyRow, CompanyRow.id == sums.c.company_id)
            .outerjoin(StaffRow, StaffRow.id == CompanyRow.accountant_id)
            .order_by(sums.c.overdue.desc(), sums.c.unpaid.desc(), sums.c.company_id)
        )
        items = [
            Arrears(
                company_id=int(r.company_id),
                company=r[-2],
                accountant=r[-1],
                unpaid_fen=int(r.unpaid or 0),
                unpaid_bills=int(r.bills or 0),
                overdue_fen=int(r.overdue or 0),
                ageing_fen=(int(r.age0), int(r.age1), int(r.age2), int(r.age3)),
                oldest_due=_day(r.oldest),
            )
            for r in rows
        ]
        return ArrearsPage(items, int(count or 0), page, per_page)


def _day(value: Any) -> date | None:
    """A MIN() of a date column read through a subquery (SQLite gives the ISO text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
