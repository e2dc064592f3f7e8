"""In-memory staff access for unit tests, and a hasher that does no real work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.identity import Staff
from domain.staff_access import Credential
from tests.support.fakes import FakeIdentities


class PlainHasher:
    """Not a hash at all: tests of the rules need no argon2."""

    def __init__(self) -> None:
        self.verified: list[str | None] = []

    async def hash(self, password: str) -> str:
        return "plain$" + password

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash)
        return password_hash == "plain$" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@dataclass
class Link:
    staff_id: int
    expires_at: datetime
    used_at: datetime | None = None


class FakeStaffAccess:
    def __init__(self, identities: FakeIdentities) -> None:
        self.identities = identities
        self.credentials: dict[int, Credential] = {}
        self.failures: list[tuple[str, str, datetime]] = []
        self.links: dict[str, Link] = {}

    async def credential(self, staff_id: int) -> Credential | None:
        return self.credentials.get(staff_id)

    async def set_password(self, staff_id: int, password_hash: str, now: datetime) -> Credential:
        old = self.credentials.get(staff_id)
        c = Credential(staff_id, password_hash, (old.version if old else 0) + 1, now)
        self.credentials[staff_id] = c
        return c

    async def rehash(self, staff_id: int, version: int, password_hash: str) -> None:
        old = self.credentials[staff_id]
        self.credentials[staff_id] = Credential(staff_id, password_hash, version, old.set_at)

    async def admins_with_password(self, firm_id: int) -> int:
        return sum(
            1
            for sid in self.credentials
            if (s := self.identities.staff.get(sid)) and s.is_admin and s.firm_id == firm_id
        )

    async def staff_by_phone(self, firm_id: int, phone: str) -> Sequence[Staff]:
        return [s for s in self.identities.staff.values() if s.phone == phone]

    async def add_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None:
        self.failures = [f for f in self.failures if f[2] >= forget_before]
        self.failures.append((account, address, now))

    async def failures_since(
        self, since: datetime, *, account: str | None = None, address: str | None = None
    ) -> int:
        return sum(
            1
            for a, ip, at in self.failures
            if at > since and account in (None, a) and address in (None, ip)
        )

    async def clear_failures(self, account: str) -> None:
        self.failures = [f for f in self.failures if f[0] != account]

    async def add_link(
        self, staff_id: int, digest: str, now: datetime, expires_at: datetime
    ) -> None:
        for link in self.links.values():
            if link.staff_id == staff_id and link.used_at is None and link.expires_at > now:
                link.expires_at = now
        self.links[digest] = Link(staff_id, expires_at)

    async def link_staff(self, digest: str, now: datetime) -> int | None:
        link = self.links.get(digest)
        if link is None or link.used_at is not None or link.expires_at <= now:
            return None
        return link.staff_id

    async def use_link(self, digest: str, now: datetime) -> int | None:
        staff_id = await self.link_staff(digest, now)
        if staff_id is not None:
            self.links[digest].used_at = now
        return staff_id


@dataclass
class AccessUow:
    identities: FakeIdentities = field(default_factory=FakeIdentities)
    staff_access: FakeStaffAccess = field(init=False)

    def __post_init__(self) -> None:
        self.staff_access = FakeStaffAccess(self.identities)
