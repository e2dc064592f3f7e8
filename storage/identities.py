"""The identity repository: firms, staff, companies, contacts and invites as domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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

_S = StaffRow.__table__.c
_C = ContactRow.__table__.c
_CO = CompanyRow.__table__.c
_STAFF_BY_OPENID = select(StaffRow.__table__).where(
    _S.firm_id == bindparam("firm_id"), _S.openid == bindparam("openid")
)
_CONTACT_BY_OPENID = (
    select(
        _C.id,
        _C.company_id,
        _C.name,
        _C.phone,
        _C.openid,
        _CO.firm_id,
        _CO.name.label("company_name"),
        _CO.accountant_id,
    )
    .select_from(ContactRow.__table__.join(CompanyRow.__table__, _CO.id == _C.company_id))
    .where(_CO.firm_id == bindparam("firm_id"), _C.openid == bindparam("openid"))
    .limit(1)
)
_ALL_STAFF = select(StaffRow.__table__).where(_S.firm_id == bindparam("firm_id")).order_by(_S.id)
_ACTIVE_STAFF = _ALL_STAFF.where(_S.active.is_(True))


def _firm(r: FirmRow) -> Firm:
    return Firm(r.id, r.name, r.appid)


def _staff(r: StaffRow | Row[Any]) -> Staff:
    return Staff(r.id, r.firm_id, r.name, r.phone, r.is_admin, r.active, r.openid, r.working_hours)


def _company(r: CompanyRow) -> ClientCompany:
    return ClientCompany(r.id, r.firm_id, r.name, r.accountant_id)


def _contact(r: ContactRow) -> Contact:
    return Contact(r.id, r.company_id, r.name, r.phone, r.openid, r.unfollowed_at is not None)


def _invite(r: InviteRow) -> Invite:
    return Invite(
        r.code,
        r.firm_id,
        InviteKind(r.kind),
        r.target_id,
        r.expires_at,
        r.used_at,
        r.used_by,
        r.replaces_openid,
    )


def _identity(firm: Firm, openid: str, staff: Any, found: Any) -> Identity:
    contact = company = None
    if found is not None:
        contact = Contact(found.id, found.company_id, found.name, found.phone, found.openid)
        company = ClientCompany(
            found.company_id, found.firm_id, found.company_name, found.accountant_id
        )
    return identity_for(openid, firm, _staff(staff) if staff else None, contact, company)


async def resolve_on(conn: AsyncConnection, firm: Firm, openid: str) -> Identity:
    """`SqlIdentityRepository.resolve` on a plain connection (no ORM session): the pipeline's
    read of who is writing, before the turn."""
    params = {"firm_id": firm.id, "openid": openid}
    staff = (await conn.execute(_STAFF_BY_OPENID, params)).first()
    found = (await conn.execute(_CONTACT_BY_OPENID, params)).first()
    return _identity(firm, openid, staff, found)


class _Refused(Exception):
    """Rolls back the savepoint of a binding that may not happen."""


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
        """Who `openid` is: on every message, so two prebuilt Core statements (no ORM
        objects, no statement built or cache key computed per call)."""
        params = {"firm_id": firm.id, "openid": openid}
        staff = (await self.s.execute(_STAFF_BY_OPENID, params)).first()
        found = (await self.s.execute(_CONTACT_BY_OPENID, params)).first()
        return _identity(firm, openid, staff, found)

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
        q = _ACTIVE_STAFF if active_only else _ALL_STAFF
        return [_staff(r) for r in await self.s.execute(q, {"firm_id": firm_id})]

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

    async def set_unfollowed(self, firm_id: int, openid: str, at: datetime | None) -> int:
        firm_companies = select(CompanyRow.id).where(CompanyRow.firm_id == firm_id)
        result = await self.s.execute(
            update(ContactRow)
            .where(ContactRow.openid == openid, ContactRow.company_id.in_(firm_companies))
            .values(unfollowed_at=at)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

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
                        replaces_openid=invite.replaces_openid,
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

    async def revoke_invites(
        self, firm_id: int, kind: InviteKind, target_id: int, now: datetime
    ) -> None:
        await self.s.execute(
            update(InviteRow)
            .where(
                InviteRow.firm_id == firm_id,
                InviteRow.kind == kind.value,
                InviteRow.target_id == target_id,
                InviteRow.used_at.is_(None),
                InviteRow.expires_at > now,
            )
            .values(expires_at=now)
        )

    async def bind_openid(self, invite: Invite, openid: str) -> bool:
        # The target moves only from no one, from this openid, or from the openid the invite
        # was issued to replace: a conditional UPDATE, so a racing binding is never undone.
        # One person, one binding per kind: the openid's earlier binding is released first
        # (staff openids are unique per firm), inside a savepoint that a refusal rolls back.
        allowed = [openid] + ([invite.replaces_openid] if invite.replaces_openid else [])
        try:
            async with self.s.begin_nested():
                if invite.kind is InviteKind.STAFF:
                    await self.s.execute(
                        update(StaffRow)
                        .where(
                            StaffRow.firm_id == invite.firm_id,
                            StaffRow.openid == openid,
                            StaffRow.id != invite.target_id,
                        )
                        .values(openid=None)
                    )
                    result = await self.s.execute(
                        update(StaffRow)
                        .where(
                            StaffRow.id == invite.target_id,
                            StaffRow.firm_id == invite.firm_id,
                            or_(StaffRow.openid.is_(None), StaffRow.openid.in_(allowed)),
                        )
                        .values(openid=openid)
                    )
                else:
                    await self.s.execute(
                        update(ContactRow)
                        .where(ContactRow.openid == openid, ContactRow.id != invite.target_id)
                        .values(openid=None)
                    )
                    result = await self.s.execute(
                        update(ContactRow)
                        .where(
                            ContactRow.id == invite.target_id,
                            or_(ContactRow.openid.is_(None), ContactRow.openid.in_(allowed)),
                        )
                        .values(openid=openid, unfollowed_at=None)
                    )
                if not result.rowcount:  # type: ignore[attr-defined]
                    raise _Refused
        except _Refused:
            return False
        return True
