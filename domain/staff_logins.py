"""Staff access to the web panel, the use cases: logging in, passwords set from the console or
from a one-time link, and the first admin's bootstrap password. The rules are in
`domain.staff_access`; hashing is a port (`PasswordHasher`, argon2id in `admin_web`).

Logging in is limited twice over a sliding window: per account (a name, or a phone, resolved
to the same staff member) and per client address, so that neither guessing one person's
password nor spraying a common one across everyone gets far. Failures for names that match
nobody count as much as real ones: an answer never tells whether an account exists.
"""

from __future__ import annotations

import re
from datetime import datetime

from domain.identity import Staff
from domain.ports import PasswordHasher, UnitOfWork
from domain.staff_access import (
    AccessPolicy,
    Credential,
    LoginResult,
    Refusal,
    check_password,
    new_token,
    token_digest,
)


def _normalised(login: str) -> str:
    return re.sub(r"\s+", "", login)[:64]


async def find_staff(uow: UnitOfWork, firm_id: int, login: str) -> Staff | None:
    """The active staff member a login names: their name, or their phone when exactly one
    active staff member has it."""
    login = _normalised(login)
    if not login:
        return None
    staff = await uow.identities.staff_by_name(firm_id, login)
    if staff is None and re.fullmatch(r"\+?\d[\d-]{4,}", login):
        digits = re.sub(r"\D", "", login)
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]  # +86 138...
        matches = [s for s in await uow.staff_access.staff_by_phone(firm_id, digits) if s.active]
        staff = matches[0] if len(matches) == 1 else None
    if staff is None or not staff.active or staff.firm_id != firm_id:
        return None
    return staff


async def log_in(
    uow: UnitOfWork,
    firm_id: int,
    login: str,
    password: str,
    address: str,
    now: datetime,
    hasher: PasswordHasher,
    policy: AccessPolicy,
) -> LoginResult:
    """Check a login. Records the failure (the caller commits either way). While an account
    or an address is locked, even the right password is refused and nothing more is counted,
    so a lock ends `policy.window` after the failure that caused it."""
    repo = uow.staff_access
    since = now - policy.window
    if await repo.failures_since(since, address=address) >= policy.failures_per_address:
        return LoginResult(refusal=Refusal.ADDRESS_LOCKED)
    staff = await find_staff(uow, firm_id, login)
    account = f"staff:{staff.id}" if staff else f"login:{_normalised(login).lower()}"
    if await repo.failures_since(since, account=account) >= policy.failures_per_account:
        return LoginResult(refusal=Refusal.ACCOUNT_LOCKED)
    credential = await repo.credential(staff.id) if staff else None
    stored = credential.password_hash if credential else None
    if password and await hasher.verify(stored, password) and staff and credential:
        await repo.clear_failures(account)
        if hasher.needs_rehash(credential.password_hash):
            await repo.rehash(staff.id, credential.version, await hasher.hash(password))
        return LoginResult(staff=staff, version=credential.version)
    await repo.add_failure(account, address, now, now - policy.keep_failures)
    return LoginResult(refusal=Refusal.WRONG)


async def set_password(
    uow: UnitOfWork, staff: Staff, password: str, now: datetime, hasher: PasswordHasher
) -> Credential:
    """A new password for `staff` (the console, or a link): every older session ends, and
    earlier failures are forgiven. Raises `WeakPassword`."""
    check_password(password, staff)
    credential = await uow.staff_access.set_password(staff.id, await hasher.hash(password), now)
    await uow.staff_access.clear_failures(f"staff:{staff.id}")
    return credential


async def issue_link(
    uow: UnitOfWork, staff: Staff, now: datetime, policy: AccessPolicy
) -> tuple[str, datetime]:
    """A one-time link token for `staff` to set their password; earlier ones stop working.
    Only its digest is stored, so the token is shown once, here."""
    token = new_token()
    expires_at = now + policy.link_lifetime
    await uow.staff_access.add_link(staff.id, token_digest(token), now, expires_at)
    return token, expires_at


async def link_holder(uow: UnitOfWork, token: str, now: datetime) -> Staff | None:
    """The active staff member a usable link is for (the link stays usable)."""
    if not token or len(token) > 128:
        return None
    staff_id = await uow.staff_access.link_staff(token_digest(token), now)
    staff = await uow.identities.get_staff(staff_id) if staff_id is not None else None
    return staff if staff is not None and staff.active else None


async def set_password_by_link(
    uow: UnitOfWork, token: str, password: str, now: datetime, hasher: PasswordHasher
) -> Staff | None:
    """Use a link once: None when it is unknown, used, expired or its holder inactive (all
    alike). Raises `WeakPassword` before the link is used, so a weak try does not spend it."""
    staff = await link_holder(uow, token, now)
    if staff is None:
        return None
    check_password(password, staff)
    if await uow.staff_access.use_link(token_digest(token), now) != staff.id:
        return None  # used by a racing request meanwhile
    await set_password(uow, staff, password, now, hasher)
    return staff


async def bootstrap_admin(
    uow: UnitOfWork, firm_id: int, password: str, now: datetime, hasher: PasswordHasher
) -> Staff | None:
    """While no admin of the firm has a password, the first active admin gets the deployment's
    ADMIN_PASSWORD (checked for strength by the settings outside the sandbox). None when an
    admin has one already, or there is no admin yet."""
    if not password or await uow.staff_access.admins_with_password(firm_id):
        return None
    admins = [s for s in await uow.identities.list_staff(firm_id, active_only=True) if s.is_admin]
    if not admins:
        return None
    first = min(admins, key=lambda s: s.id)
    await uow.staff_access.set_password(first.id, await hasher.hash(password), now)
    return first
