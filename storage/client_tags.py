"""The firm's client tags and who carries them; the staff roster's two switches (active,
admin) that the panel's staff page flips."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.client_tags import Tag
from storage.tables.identity import StaffRow
from storage.tables.panel import ClientTagRow, CompanyTagRow


def _tag(r: ClientTagRow) -> Tag:
    return Tag(r.id, r.firm_id, r.name, r.group)


class SqlTagRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def list(self, firm_id: int) -> Sequence[Tag]:
        q = (
            select(ClientTagRow)
            .where(ClientTagRow.firm_id == firm_id)
            .order_by(ClientTagRow.group, ClientTagRow.name)
        )
        return [_tag(r) for r in await self.s.scalars(q)]

    async def get(self, tag_id: int) -> Tag | None:
        row = await self.s.get(ClientTagRow, tag_id)
        return _tag(row) if row else None

    async def add(self, firm_id: int, name: str, group: str) -> Tag | None:
        row = ClientTagRow(firm_id=firm_id, name=name, group=group)
        try:
            async with self.s.begin_nested():
                self.s.add(row)
        except IntegrityError:
            return None
        return _tag(row)

    async def tag(self, company_ids: Sequence[int], tag_id: int) -> int:
        have = set(
            await self.s.scalars(
                select(CompanyTagRow.company_id).where(
                    CompanyTagRow.tag_id == tag_id, CompanyTagRow.company_id.in_(company_ids)
                )
            )
        )
        new = [{"company_id": c, "tag_id": tag_id} for c in company_ids if c not in have]
        if new:
            await self.s.execute(insert(CompanyTagRow), new)
        return len(new)

    async def untag(self, company_id: int, tag_id: int) -> bool:
        result = await self.s.execute(
            delete(CompanyTagRow).where(
                CompanyTagRow.company_id == company_id, CompanyTagRow.tag_id == tag_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def of_company(self, company_id: int) -> Sequence[Tag]:
        q = (
            select(ClientTagRow)
            .join(CompanyTagRow, CompanyTagRow.tag_id == ClientTagRow.id)
            .where(CompanyTagRow.company_id == company_id)
            .order_by(ClientTagRow.group, ClientTagRow.name)
        )
        return [_tag(r) for r in await self.s.scalars(q)]


class SqlStaffRoster:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _set(self, staff_id: int, **values: bool | str) -> bool:
        column, value = next(iter(values.items()))
        result = await self.s.execute(
            update(StaffRow)
            .where(StaffRow.id == staff_id, getattr(StaffRow, column) != value)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_active(self, staff_id: int, active: bool) -> bool:
        return await self._set(staff_id, active=active)

    async def set_admin(self, staff_id: int, admin: bool) -> bool:
        return await self._set(staff_id, is_admin=admin)

    async def set_working_hours(self, staff_id: int, hours: str) -> bool:
        return await self._set(staff_id, working_hours=hours[:32])
