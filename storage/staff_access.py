"""The staff access repository: password hashes, one-time password links, failed logins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import Staff
from domain.staff_access import Credential
from storage.identities import _staff
from storage.tables.identity import StaffRow
from storage.tables.staff_access import LoginFailureRow, PasswordLinkRow, StaffCredentialRow


def _credential(r: StaffCredentialRow) -> Credential:
    return Credential(r.staff_id, r.password_hash, r.version, r.set_at)


class SqlStaffAccess:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def credential(self, staff_id: int) -> Credential | None:
        row = await self.s.get(StaffCredentialRow, staff_id, populate_existing=True)
        return _credential(row) if row else None

    async def set_password(self, staff_id: int, password_hash: str, now: datetime) -> Credential:
        bumped = await self.s.execute(
            update(StaffCredentialRow)
            .where(StaffCredentialRow.staff_id == staff_id)
            .values(password_hash=password_hash, version=StaffCredentialRow.version + 1, set_at=now)
            .returning(StaffCredentialRow.version)
        )
        version = bumped.scalar_one_or_none()
        if version is None:
            version = 1
            self.s.add(
                StaffCredentialRow(
                    staff_id=staff_id, password_hash=password_hash, version=version, set_at=now
                )
            )
            await self.s.flush()
        return Credential(staff_id, password_hash, version, now)

    async def rehash(self, staff_id: int, version: int, password_hash: str) -> None:
        await self.s.execute(
            update(StaffCredentialRow)
            .where(StaffCredentialRow.staff_id == staff_id, StaffCredentialRow.version == version)
            .values(password_hash=password_hash)
        )

    async def admins_with_password(self, firm_id: int) -> int:
        value = await self.s.scalar(
            select(func.count())
            .select_from(StaffCredentialRow)
            .join(StaffRow, StaffRow.id == StaffCredentialRow.staff_id)
            .where(StaffRow.firm_id == firm_id, StaffRow.is_admin.is_(True))
        )
        return int(value or 0)

    async def staff_by_phone(self, firm_id: int, phone: str) -> Sequence[Staff]:
        rows = await self.s.scalars(
            select(StaffRow).where(StaffRow.firm_id == firm_id, StaffRow.phone == phone)
        )
        return [_staff(r) for r in rows]

    async def add_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None:
        # Old failures go as new ones come: the table stays as small as a day's failures.
        await self.s.execute(delete(LoginFailureRow).where(LoginFailureRow.at < forget_before))
        self.s.add(LoginFailureRow(account=account[:80], address=address[:64], at=now))
        await self.s.flush()

    async def failures_since(
        self, since: datetime, *, account: str | None = None, address: str | None = None
    ) -> int:
        q = select(func.count()).select_from(LoginFailureRow).where(LoginFailureRow.at > since)
        if account is not None:
            q = q.where(LoginFailureRow.account == account[:80])
        if address is not None:
            q = q.where(LoginFailureRow.address == address[:64])
        return int(await self.s.scalar(q) or 0)

    async def clear_failures(self, account: str) -> None:
        await self.s.execute(delete(LoginFailureRow).where(LoginFailureRow.account == account))

    async def add_link(
        self, staff_id: int, digest: str, now: datetime, expires_at: datetime
    ) -> None:
        await self.s.execute(
            update(PasswordLinkRow)
            .where(
                PasswordLinkRow.staff_id == staff_id,
                PasswordLinkRow.used_at.is_(None),
                PasswordLinkRow.expires_at > now,
            )
            .values(expires_at=now)
        )
        self.s.add(
            PasswordLinkRow(staff_id=staff_id, digest=digest, created_at=now, expires_at=expires_at)
        )
        await self.s.flush()

    async def link_staff(self, digest: str, now: datetime) -> int | None:
        return await self.s.scalar(
            select(PasswordLinkRow.staff_id).where(
                PasswordLinkRow.digest == digest,
                PasswordLinkRow.used_at.is_(None),
                PasswordLinkRow.expires_at > now,
            )
        )

    async def use_link(self, digest: str, now: datetime) -> int | None:
        used = await self.s.execute(
            update(PasswordLinkRow)
            .where(
                PasswordLinkRow.digest == digest,
                PasswordLinkRow.used_at.is_(None),
                PasswordLinkRow.expires_at > now,
            )
            .values(used_at=now)
            .returning(PasswordLinkRow.staff_id)
        )
        return used.scalar_one_or_none()
