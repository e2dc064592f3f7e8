"""The catalogue repository: the firm's service items and the orders placed from them. An
order's unpaid -> paid move is one conditional UPDATE (a repeated payment changes nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.service_items import (
    CatalogueItem,
    NewItem,
    NewServiceOrder,
    OrderStatus,
    ServiceOrder,
)
from storage.tables.catalogue import CatalogueItemRow, ServiceOrderRow

_NO_SYNC = {"synchronize_session": False}


def _item(r: CatalogueItemRow) -> CatalogueItem:
    return CatalogueItem(
        id=r.id,
        firm_id=r.firm_id,
        category=r.category,
        name=r.name,
        description=r.description,
        price_fen=r.price_fen,
        duration=r.duration,
        materials=r.materials,
        request_type=r.request_type,
        display_order=r.display_order,
        active=r.active,
    )


def _order(r: ServiceOrderRow) -> ServiceOrder:
    return ServiceOrder(
        id=r.id,
        firm_id=r.firm_id,
        number=r.number,
        company_id=r.company_id,
        contact_id=r.contact_id,
        item_id=r.item_id,
        item_name=r.item_name,
        amount_fen=r.amount_fen,
        status=OrderStatus(r.status),
        created_at=r.created_at,
        bill_id=r.bill_id,
        request_number=r.request_number,
    )


class SqlCatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _changed(self, stmt: Any) -> bool:
        result = await self.s.execute(stmt.execution_options(**_NO_SYNC))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_items(self, firm_id: int, active_only: bool) -> Sequence[CatalogueItem]:
        stmt = select(CatalogueItemRow).where(CatalogueItemRow.firm_id == firm_id)
        if active_only:
            stmt = stmt.where(CatalogueItemRow.active.is_(True))
        rows = await self.s.scalars(
            stmt.order_by(CatalogueItemRow.display_order, CatalogueItemRow.id)
        )
        return [_item(r) for r in rows]

    async def get_item(self, item_id: int) -> CatalogueItem | None:
        row = await self.s.get(CatalogueItemRow, item_id, populate_existing=True)
        return _item(row) if row else None

    async def add_item(self, new: NewItem) -> CatalogueItem:
        row = CatalogueItemRow(
            firm_id=new.firm_id,
            category=new.category,
            name=new.name,
            description=new.description,
            price_fen=new.price_fen,
            duration=new.duration,
            materials=new.materials,
            request_type=new.request_type,
            display_order=new.display_order,
            active=new.active,
        )
        self.s.add(row)
        await self.s.flush()
        return _item(row)

    async def set_item_active(self, item_id: int, active: bool) -> bool:
        return await self._changed(
            update(CatalogueItemRow).where(CatalogueItemRow.id == item_id).values(active=active)
        )

    async def update_item(self, item_id: int, price_fen: int | None, active: bool) -> bool:
        return await self._changed(
            update(CatalogueItemRow)
            .where(CatalogueItemRow.id == item_id)
            .values(price_fen=price_fen, active=active)
        )

    async def add_order(self, new: NewServiceOrder) -> ServiceOrder:
        row = ServiceOrderRow(
            firm_id=new.firm_id,
            number=new.number,
            company_id=new.company_id,
            contact_id=new.contact_id,
            item_id=new.item_id,
            item_name=new.item_name,
            amount_fen=new.amount_fen,
            status=new.status.value,
            created_at=new.created_at,
            updated_at=new.created_at,
        )
        self.s.add(row)
        await self.s.flush()
        return _order(row)

    async def get_order(self, order_id: int) -> ServiceOrder | None:
        row = await self.s.get(ServiceOrderRow, order_id, populate_existing=True)
        return _order(row) if row else None

    async def order_by_number(self, firm_id: int, number: str) -> ServiceOrder | None:
        row = await self.s.scalar(
            select(ServiceOrderRow)
            .where(ServiceOrderRow.firm_id == firm_id, ServiceOrderRow.number == number)
            .execution_options(populate_existing=True)
        )
        return _order(row) if row else None

    async def set_quote(self, order_id: int, amount_fen: int, now: datetime) -> bool:
        return await self._changed(
            update(ServiceOrderRow)
            .where(
                ServiceOrderRow.id == order_id,
                ServiceOrderRow.status == OrderStatus.AWAITING_QUOTE.value,
            )
            .values(amount_fen=amount_fen, status=OrderStatus.UNPAID.value, updated_at=now)
        )

    async def set_order_bill(self, order_id: int, bill_id: int) -> None:
        await self.s.execute(
            update(ServiceOrderRow)
            .where(ServiceOrderRow.id == order_id)
            .values(bill_id=bill_id)
            .execution_options(**_NO_SYNC)
        )

    async def mark_order_paid(self, order_id: int, now: datetime) -> bool:
        return await self._changed(
            update(ServiceOrderRow)
            .where(
                ServiceOrderRow.id == order_id,
                ServiceOrderRow.status == OrderStatus.UNPAID.value,
            )
            .values(status=OrderStatus.PAID.value, updated_at=now)
        )

    async def set_order_request(self, order_id: int, request_number: str) -> None:
        await self.s.execute(
            update(ServiceOrderRow)
            .where(ServiceOrderRow.id == order_id)
            .values(request_number=request_number)
            .execution_options(**_NO_SYNC)
        )
