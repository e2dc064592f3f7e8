"""In-memory fakes of the domain ports, for unit tests without I/O (cosmicpython style)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Self

from domain.audit import AuditEntry, NewAuditEntry
from domain.binding_policy import BindingFailure
from domain.books import BookMonth, NewBookMonth, ParsedBooks
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
from domain.message_templates import MessageTemplate, SavedTemplate
from domain.notices import Notice, NoticeKind
from domain.service_items import CatalogueItem, NewItem
from tests.support.notices import Told, told


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

    async def set_unfollowed(self, firm_id: int, openid: str, at: datetime | None) -> int:
        found = [c for c in self.contacts.values() if c.openid == openid]
        for c in found:
            self.contacts[c.id] = replace(c, unfollowed=at is not None)
        return len(found)

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

    async def revoke_invites(
        self, firm_id: int, kind: InviteKind, target_id: int, now: datetime
    ) -> None:
        for key, inv in list(self.invites.items()):
            if (inv.firm_id, inv.kind, inv.target_id) == (firm_id, kind, target_id) and (
                inv.usable(now)
            ):
                self.invites[key] = replace(inv, expires_at=now)

    async def bind_openid(self, invite: Invite, openid: str) -> bool:
        people: dict[int, Any] = self.staff if invite.kind is InviteKind.STAFF else self.contacts
        target = people[invite.target_id]
        if target.openid not in (None, openid, invite.replaces_openid):
            return False
        for key, other in list(people.items()):
            if other.openid == openid and key != invite.target_id:
                people[key] = replace(other, openid=None)
        people[invite.target_id] = replace(target, openid=openid)
        return True


class FakeBindingAttempts:
    def __init__(self) -> None:
        self.failures: list[tuple[int, BindingFailure]] = []
        self.bursts: dict[int, datetime] = {}  # firm id -> the current burst ends

    async def add_failure(
        self, firm_id: int, failure: BindingFailure, forget_before: datetime
    ) -> None:
        self.failures = [(f, x) for f, x in self.failures if f != firm_id or x.at >= forget_before]
        self.failures.append((firm_id, failure))

    async def failures_since(
        self, firm_id: int, since: datetime, openid: str | None = None
    ) -> Sequence[BindingFailure]:
        return sorted(
            (
                x
                for f, x in self.failures
                if f == firm_id and x.at > since and openid in (None, x.openid)
            ),
            key=lambda x: x.at,
        )

    async def note_burst(self, firm_id: int, now: datetime, until: datetime) -> bool:
        ends = self.bursts.get(firm_id)
        self.bursts[firm_id] = until
        return ends is None or ends < now


class FakeOutbox:
    """Keeps what was queued, each notice with its words (as the sender would render it)."""

    def __init__(self) -> None:
        self.notices: list[Told] = []

    async def add(self, notice: Notice, now: datetime) -> None:
        if notice.dedup_key and any(n.dedup_key == notice.dedup_key for n in self.notices):
            return
        self.notices.append(told(notice, now))


class FakeBooks:
    """Every version of every month, in memory; the same numbering as the SQL repository."""

    def __init__(self) -> None:
        self.versions: list[BookMonth] = []
        self.kept: dict[int, ParsedBooks] = {}

    async def add_version(self, new: NewBookMonth) -> BookMonth:
        same = [
            m for m in self.versions if (m.company_id, m.period) == (new.company_id, new.period)
        ]
        for i, m in enumerate(self.versions):
            if m in same and m.replaced_at is None:
                self.versions[i] = replace(m, replaced_at=new.imported_at)
        month = BookMonth(
            id=len(self.versions) + 1,
            firm_id=new.firm_id,
            company_id=new.company_id,
            period=new.period,
            version=len(same) + 1,
            standard=new.standard,
            figures=new.figures,
            files=new.books.files,
            imported_at=new.imported_at,
            imported_by=new.imported_by,
        )
        self.versions.append(month)
        self.kept[month.id] = new.books
        return month

    async def current(self, company_id: int, period: str) -> BookMonth | None:
        return next(
            (
                m
                for m in self.versions
                if (m.company_id, m.period) == (company_id, period) and m.replaced_at is None
            ),
            None,
        )

    async def history(self, company_id: int, period: str) -> Sequence[BookMonth]:
        found = [m for m in self.versions if (m.company_id, m.period) == (company_id, period)]
        return sorted(found, key=lambda m: -m.version)

    async def months(self, company_id: int, year: int | None = None) -> Sequence[BookMonth]:
        found = [
            m
            for m in self.versions
            if m.company_id == company_id
            and m.replaced_at is None
            and (year is None or m.period.startswith(f"{year:04d}-"))
        ]
        return sorted(found, key=lambda m: m.period)

    async def statements(self, month_id: int) -> ParsedBooks:
        return self.kept[month_id]


class FakeAuditLog:
    """The audit log in memory, newest first when paged, like the SQL one."""

    def __init__(self) -> None:
        self.entries: list[NewAuditEntry] = []

    async def add(self, entry: NewAuditEntry) -> None:
        self.entries.append(entry)

    async def page(
        self, firm_id: int, action: str | None, page: int, per_page: int
    ) -> tuple[Sequence[AuditEntry], int]:
        found = [
            AuditEntry(
                i + 1, e.firm_id, e.at, e.staff_id, e.actor, e.action, e.target, e.before, e.after
            )
            for i, e in enumerate(self.entries)
            if e.firm_id == firm_id and (action is None or e.action == action)
        ][::-1]
        return found[(page - 1) * per_page : page * per_page], len(found)


class FakeCatalogue:
    """The catalogue's items (orders are not faked). A firm's catalogue starts as the seed one,
    as the app gives every firm at start (`service_catalogue.ensure_catalogue`)."""

    def __init__(self) -> None:
        self.items: dict[int, CatalogueItem] = {}
        self._seeded: set[int] = set()

    def _seed(self, firm_id: int) -> None:
        if firm_id in self._seeded:
            return
        self._seeded.add(firm_id)
        from domain.catalogue import DEFAULT_SERVICES

        for order, data in enumerate(DEFAULT_SERVICES, 1):
            self._add(
                NewItem(
                    firm_id=firm_id,
                    category=str(data["category"]),
                    name=str(data["name"]),
                    description=str(data["description"]),
                    price_fen=data["price_fen"],
                    duration=str(data["duration"]),
                    materials=str(data["materials"]),
                    request_type=str(data["request_type"]),
                    display_order=order,
                )
            )

    def _add(self, new: NewItem) -> CatalogueItem:
        item = CatalogueItem(
            id=len(self.items) + 1,
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
        self.items[item.id] = item
        return item

    async def list_items(self, firm_id: int, active_only: bool) -> Sequence[CatalogueItem]:
        self._seed(firm_id)
        found = [
            i for i in self.items.values() if i.firm_id == firm_id and (i.active or not active_only)
        ]
        return sorted(found, key=lambda i: (i.display_order, i.id))

    async def get_item(self, item_id: int) -> CatalogueItem | None:
        return self.items.get(item_id)

    async def add_item(self, new: NewItem) -> CatalogueItem:
        self._seed(new.firm_id)
        return self._add(new)

    async def set_item_active(self, item_id: int, active: bool) -> bool:
        return await self.update_item(item_id, self.items[item_id].price_fen, active)

    async def update_item(self, item_id: int, price_fen: int | None, active: bool) -> bool:
        if item_id not in self.items:
            return False
        self.items[item_id] = replace(self.items[item_id], price_fen=price_fen, active=active)
        return True


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.audit = FakeAuditLog()
        self.catalogue = FakeCatalogue()
        self.identities = FakeIdentities()
        self.binding_attempts = FakeBindingAttempts()
        self.outbox = FakeOutbox()
        self.books = FakeBooks()
        self.templates = FakeTemplates()
        self.committed = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.committed += 1

    async def rollback(self) -> None:
        return None


class FakeTemplates:
    def __init__(self) -> None:
        self.saved: list[SavedTemplate] = []

    async def latest(self, firm_id: int) -> Mapping[NoticeKind, SavedTemplate]:
        latest: dict[NoticeKind, SavedTemplate] = {}
        for s in self.saved:
            if s.firm_id == firm_id:
                latest[s.template.kind] = s  # saved in version order
        return latest

    async def history(self, firm_id: int, kind: NoticeKind) -> Sequence[SavedTemplate]:
        mine = [s for s in self.saved if s.firm_id == firm_id and s.template.kind is kind]
        return sorted(mine, key=lambda s: -s.version)

    async def save(
        self, firm_id: int, template: MessageTemplate, saved_by: int | None, now: datetime
    ) -> SavedTemplate:
        version = len(await self.history(firm_id, template.kind)) + 1
        saved = SavedTemplate(template, firm_id, version, now, saved_by)
        self.saved.append(saved)
        return saved
