"""Who is talking: the firm (tenant), its staff, its client companies and their contacts.

A WeChat user (openid) is a stranger until they bind with a one-time invite code; then they are
a client contact, a staff member, or an admin (a staff member with `is_admin`). The codes' shapes
live in `domain.invite_codes`, their lifetimes and the limits on guessing in
`domain.binding_policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    STRANGER = "stranger"
    CLIENT = "client"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Firm:
    id: int
    name: str
    appid: str


@dataclass(frozen=True)
class Staff:
    id: int
    firm_id: int
    name: str
    phone: str = ""
    is_admin: bool = False
    active: bool = True
    openid: str | None = None
    working_hours: str = "09:00-18:00"


@dataclass(frozen=True)
class ClientCompany:
    id: int
    firm_id: int
    name: str
    accountant_id: int | None = None


@dataclass(frozen=True)
class Contact:
    id: int
    company_id: int
    name: str
    phone: str = ""
    openid: str | None = None
    unfollowed: bool = False  # bound, but has unfollowed the account: WeChat cannot reach them

    @property
    def reachable_by_wechat(self) -> bool:
        return bool(self.openid) and not self.unfollowed


class InviteKind(StrEnum):
    STAFF = "staff"
    CONTACT = "contact"


@dataclass(frozen=True)
class Invite:
    code: str
    firm_id: int
    kind: InviteKind
    target_id: int  # a staff id or a contact id, by kind
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None
    # The openid the target was bound to when the code was issued: a code issued for a person
    # already bound may move that binding (a new phone), and only that one. See domain.binding.
    replaces_openid: str | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class Identity:
    """The resolved speaker of one inbound message."""

    openid: str
    firm: Firm
    role: Role
    staff: Staff | None = None
    contact: Contact | None = None
    company: ClientCompany | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def display_name(self) -> str:
        if self.staff is not None:
            return self.staff.name
        if self.contact is not None:
            return self.contact.name
        return ""  # not bound yet: nobody the firm knows


def identity_for(
    openid: str,
    firm: Firm,
    staff: Staff | None,
    contact: Contact | None,
    company: ClientCompany | None,
) -> Identity:
    """Staff binding wins over a client binding for the same openid (an accountant testing)."""
    if staff is not None and staff.active:
        role = Role.ADMIN if staff.is_admin else Role.STAFF
        return Identity(openid, firm, role, staff=staff)
    if contact is not None and company is not None:
        return Identity(openid, firm, Role.CLIENT, contact=contact, company=company)
    return Identity(openid, firm, Role.STRANGER)
