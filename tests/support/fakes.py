"""In-memory fakes of the domain ports, for unit tests without I/O (cosmicpython style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Self

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
from domain.notices import Notice


class FakeIdentities:
    def __init__(self) -> None:
        self.firms: dict[int, Firm] = {}
        self.staff: dict[int, Staff] = {}
        self.companies: dict[int, ClientCompany] = {}
        self.contacts: dict[int, Contact] = {}
        self.invites: dict[tuple[int, str], Invite] = {}
        self._ids = iter(range(1, 1_000_000))

    async def firm_by_appid(self, appid: str) -> Firm | None:
        return next((f for f in self.firms.values() if f.appid == appid), None)

    async def add_firm(self, name: str, appid: str) -> Firm:
        f = Firm(next(self._ids), name, appid)
        self.firms[f.id] = f
        return f

    async def resolve(self, firm: Firm, openid: str) -> Identity:
        staff = next((s for s in self.staff.values() if s.openid == openid), None)
        contact = next((c for c in self.contacts.values() if c.openid == openid), None)
        company = self.companies.get(contact.company_id) if contact else None
        return identity_for(openid, firm, staff, contact, company)

    async def add_staff(
        self, firm_id: int, name: str, phone: str = "", is_admin: bool = False
    ) -> Staff:
        s = Staff(next(self._ids), firm_id, name, phone, is_admin)
        self.staff[s.id] = s
        return s

    async def get_staff(self, staff_id: int) -> Staff | None:
        return self.staff.get(staff_id)

    async def staff_by_name(self, firm_id: int, name: str) -> Staff | None:
        return next((s for s in self.staff.values() if s.name == name), None)

    async def list_staff(self, firm_id: int, active_only: bool = False) -> Sequence[Staff]:
        return [s for s in self.staff.values() if s.active or not active_only]

    async def set_staff_active(self, staff_id: int, active: bool) -> None:
        self.staff[staff_id] = replace(self.staff[staff_id], active=active)

    async def add_company(
        self, firm_id: int, name: str, accountant_id: int | None = None
    ) -> ClientCompany:
        c = ClientCompany(next(self._ids), firm_id, name, accountant_id)
        self.companies[c.id] = c
        return c

    async def get_company(self, company_id: int) -> ClientCompany | None:
        return self.companies.get(company_id)

    async def list_companies(self, firm_id: int) -> Sequence[ClientCompany]:
        return list(self.companies.values())

    async def set_accountant(self, company_id: int, staff_id: int) -> None:
        self.companies[company_id] = replace(self.companies[company_id], accountant_id=staff_id)

    async def add_contact(self, company_id: int, name: str, phone: str = "") -> Contact:
        c = Contact(next(self._ids), company_id, name, phone)
        self.contacts[c.id] = c
        return c

    async def get_contact(self, contact_id: int) -> Contact | None:
        return self.contacts.get(contact_id)

    async def list_contacts(self, company_id: int) -> Sequence[Contact]:
        return [c for c in self.contacts.values() if c.company_id == company_id]

    async def add_invite(self, invite: Invite) -> bool:
        key = (invite.firm_id, invite.code)
        if key in self.invites:
            return False
        self.invites[key] = invite
        return True

    async def get_invite(self, firm_id: int, code: str) -> Invite | None:
        return self.invites.get((firm_id, code))

    async def use_invite(self, firm_id: int, code: str, openid: str, now: datetime) -> bool:
        inv = self.invites.get((firm_id, code))
        if inv is None or not inv.usable(now):
            return False
        self.invites[(firm_id, code)] = replace(inv, used_at=now, used_by=openid)
        return True

    async def bind_openid(self, invite: Invite, openid: str) -> None:
        if invite.kind is InviteKind.STAFF:
            self.staff[invite.target_id] = replace(self.staff[invite.target_id], openid=openid)
        else:
            self.contacts[invite.target_id] = replace(
                self.contacts[invite.target_id], openid=openid
            )

    async def unbind_openid(self, firm_id: int, openid: str) -> None:
        for k, s in list(self.staff.items()):
            if s.openid == openid:
                self.staff[k] = replace(s, openid=None)
        for k, c in list(self.contacts.items()):
            if c.openid == openid:
                self.contacts[k] = replace(c, openid=None)


class FakeOutbox:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    async def add(self, notice: Notice, now: datetime) -> None:
        if notice.dedup_key and any(n.dedup_key == notice.dedup_key for n in self.notices):
            return
        self.notices.append(notice)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.identities = FakeIdentities()
        self.outbox = FakeOutbox()
        self.committed = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.committed += 1

    async def rollback(self) -> None:
        return None
