"""The identity repository: firms, staff, companies, contacts and invites as domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import (
    ClientCompany,
    Contact,
    Firm,
    Identity,
    Invite,
    InviteKind,
    Staff,
    identity_for,
)
from storage.tables.identity import CompanyRow, ContactRow, FirmRow, InviteRow, StaffRow


def _firm(r: FirmRow) -> Firm:
    return Firm(r.id, r.name, r.appid)


def _staff(r: StaffRow) -> Staff:
    return Staff(r.id, r.firm_id, r.name, r.phone, r.is_admin, r.active, r.openid, r.working_hours)


def _company(r: CompanyRow) -> ClientCompany:
    return ClientCompany(r.id, r.firm_id, r.name, r.accountant_id)


def _contact(r: ContactRow) -> Contact:
    return Contact(r.id, r.company_id, r.name, r.phone, r.openid)


def _invite(r: InviteRow) -> Invite:
    return Invite(
        r.code, r.firm_id, InviteKind(r.kind), r.target_id, r.expires_at, r.used_at, r.used_by
    )


class SqlIdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def firm_by_appid(self, appid: str) -> Firm | None:
        row = await self.s.scalar(select(FirmRow).where(FirmRow.appid == appid))
        return _firm(row) if row else None

    async def add_firm(self, name: str, appid: str) -> Firm:
        row = FirmRow(name=name, appid=appid)
        self.s.add(row)
        await self.s.flush()
        return _firm(row)

    async def resolve(self, firm: Firm, openid: str) -> Identity:
        staff = await self.s.scalar(
            select(StaffRow).where(StaffRow.firm_id == firm.id, StaffRow.openid == openid)
        )
        contact_company = (
            await self.s.execute(
                select(ContactRow, CompanyRow)
                .join(CompanyRow, CompanyRow.id == ContactRow.company_id)
                .where(CompanyRow.firm_id == firm.id, ContactRow.openid == openid)
                .limit(1)
            )
        ).first()
        contact = _contact(contact_company[0]) if contact_company else None
        company = _company(contact_company[1]) if contact_company else None
        return identity_for(openid, firm, _staff(staff) if staff else None, contact, company)

    async def add_staff(
        self, firm_id: int, name: str, phone: str = "", is_admin: bool = False
    ) -> Staff:
        row = StaffRow(firm_id=firm_id, name=name, phone=phone, is_admin=is_admin)
        self.s.add(row)
        await self.s.flush()
        return _staff(row)

    async def get_staff(self, staff_id: int) -> Staff | None:
        row = await self.s.get(StaffRow, staff_id)
        return _staff(row) if row else None

    async def staff_by_name(self, firm_id: int, name: str) -> Staff | None:
        row = await self.s.scalar(
            select(StaffRow).where(StaffRow.firm_id == firm_id, StaffRow.name == name)
        )
        return _staff(row) if row else None

    async def list_staff(self, firm_id: int, active_only: bool = False) -> Sequence[Staff]:
        q = select(StaffRow).where(StaffRow.firm_id == firm_id).order_by(StaffRow.id)
        if active_only:
            q = q.where(StaffRow.active.is_(True))
        return [_staff(r) for r in await self.s.scalars(q)]

    async def set_staff_active(self, staff_id: int, active: bool) -> None:
        await self.s.execute(update(StaffRow).where(StaffRow.id == staff_id).values(active=active))

    async def add_company(
        self, firm_id: int, name: str, accountant_id: int | None = None
    ) -> ClientCompany:
        row = CompanyRow(firm_id=firm_id, name=name, accountant_id=accountant_id)
        self.s.add(row)
        await self.s.flush()
        return _company(row)

    async def get_company(self, company_id: int) -> ClientCompany | None:
        row = await self.s.get(CompanyRow, company_id)
        return _company(row) if row else None

    async def list_companies(self, firm_id: int) -> Sequence[ClientCompany]:
        q = select(CompanyRow).where(CompanyRow.firm_id == firm_id).order_by(CompanyRow.id)
        return [_company(r) for r in await self.s.scalars(q)]

    async def set_accountant(self, company_id: int, staff_id: int) -> None:
        await self.s.execute(
            update(CompanyRow).where(CompanyRow.id == company_id).values(accountant_id=staff_id)
        )

    async def add_contact(self, company_id: int, name: str, phone: str = "") -> Contact:
        row = ContactRow(company_id=company_id, name=name, phone=phone)
        self.s.add(row)
        await self.s.flush()
        return _contact(row)

    async def get_contact(self, contact_id: int) -> Contact | None:
        row = await self.s.get(ContactRow, contact_id)
        return _contact(row) if row else None

    async def list_contacts(self, company_id: int) -> Sequence[Contact]:
        q = select(ContactRow).where(ContactRow.company_id == company_id).order_by(ContactRow.id)
        return [_contact(r) for r in await self.s.scalars(q)]

    async def add_invite(self, invite: Invite) -> bool:
        try:
            async with self.s.begin_nested():
                self.s.add(
                    InviteRow(
                        firm_id=invite.firm_id,
                        code=invite.code,
                        kind=invite.kind.value,
                        target_id=invite.target_id,
                        expires_at=invite.expires_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def get_invite(self, firm_id: int, code: str) -> Invite | None:
        row = await self.s.scalar(
            select(InviteRow).where(InviteRow.firm_id == firm_id, InviteRow.code == code)
        )
        return _invite(row) if row else None

    async def use_invite(self, firm_id: int, code: str, openid: str, now: datetime) -> bool:
        result = await self.s.execute(
            update(InviteRow)
            .where(
                InviteRow.firm_id == firm_id,
                InviteRow.code == code,
                InviteRow.used_at.is_(None),
                InviteRow.expires_at > now,
            )
            .values(used_at=now, used_by=openid)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def bind_openid(self, invite: Invite, openid: str) -> None:
        # One person, one binding per kind: release the openid from any earlier binding first.
        if invite.kind is InviteKind.STAFF:
            await self.s.execute(
                update(StaffRow)
                .where(StaffRow.firm_id == invite.firm_id, StaffRow.openid == openid)
                .values(openid=None)
            )
            await self.s.execute(
                update(StaffRow).where(StaffRow.id == invite.target_id).values(openid=openid)
            )
        else:
            await self.s.execute(
                update(ContactRow).where(ContactRow.openid == openid).values(openid=None)
            )
            await self.s.execute(
                update(ContactRow).where(ContactRow.id == invite.target_id).values(openid=openid)
            )

    async def unbind_openid(self, firm_id: int, openid: str) -> None:
        await self.s.execute(
            update(StaffRow)
            .where(StaffRow.firm_id == firm_id, StaffRow.openid == openid)
            .values(openid=None)
        )
        await self.s.execute(
            update(ContactRow).where(ContactRow.openid == openid).values(openid=None)
        )
