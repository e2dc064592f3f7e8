"""Staff access to the web panel, the model: roles, password rules, credentials, the limits
on guessing, and what a login attempt comes to. The use cases are in `domain.staff_logins`.

Staff reach the chat through WeChat, but the web panel needs a password. Nobody types one for
someone else: an admin (or the console) issues a one-time link, valid for a day, and the staff
member sets their own password there. The first admin starts with the deployment's
ADMIN_PASSWORD, so a new firm can log in before anyone has a link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import Invalid
from domain.identity import Staff

MIN_PASSWORD = 12
# What people choose when asked for a password; compared after lower-casing and without the
# digits and symbols people add at the end ("Password2024!" is "password").
COMMON_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "password",
        "passw0rd",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "iloveyou",
        "woaini",
        "abc",
        "abcdef",
        "letmein",
        "welcome",
        "changeme",
        "yunkuaiji",
        "kuaiji",
        "caiwu",
        "zhangmu",
        "daizhang",
    }
)
# Keyboard and counting runs, which are as common as words.
RUNS = ("0123456789", "9876543210", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl")


class PanelRole(StrEnum):
    """What a staff member may do in the panel: an admin everything, an accountant only their
    own clients and work (no reassigning, no changing how things are classified)."""

    ADMIN = "admin"
    ACCOUNTANT = "accountant"


def role_of(staff: Staff) -> PanelRole:
    return PanelRole.ADMIN if staff.is_admin else PanelRole.ACCOUNTANT


@dataclass(frozen=True)
class Credential:
    """A staff member's password hash. `version` grows with every new password: a session
    remembers the version it logged in with, so a new password ends every older session."""

    staff_id: int
    password_hash: str
    version: int
    set_at: datetime


@dataclass(frozen=True)
class AccessPolicy:
    """Limits on guessing, and how long a password link lasts."""

    failures_per_account: int = 5
    failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    link_lifetime: timedelta = timedelta(hours=24)
    # Failures are kept this long at least (then cleared as new ones arrive).
    keep_failures: timedelta = timedelta(days=1)


class WeakPassword(Invalid):
    """A password the rules refuse; `problems` are codes each edge words (`too_short`, ...)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("weak_password", problems=tuple(problems))
        self.problems = tuple(problems)


def password_problems(password: str, staff: Staff | None = None) -> list[str]:
    """Codes for each way `password` is weak; empty when it may be used.

    Length and a list of what people commonly choose, as NIST SP 800-63B advises, rather than
    rules about character classes, plus the person's own name and phone number."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD:
        problems.append("too_short")
    if len(password) > 256:
        problems.append("too_long")
    lowered = password.lower()
    stem = re.sub(r"[\W\d_]+$", "", lowered)
    counting = any(lowered in run * 2 for run in RUNS)
    if stem in COMMON_WORDS or lowered in COMMON_WORDS or counting:
        problems.append("common")
    if len(set(password)) < 5:
        problems.append("repetitive")
    if password.isdigit() and len(password) < 16:
        problems.append("digits_only")
    if staff is not None:
        if staff.phone and re.sub(r"\D", "", staff.phone) in password:
            problems.append("contains_phone")
        if staff.name and staff.name in password:
            problems.append("contains_name")
    return problems


def check_password(password: str, staff: Staff | None = None) -> None:
    problems = password_problems(password, staff)
    if problems:
        raise WeakPassword(problems)


def token_digest(token: str) -> str:
    """What is stored for a secret token (a password link, a session): its SHA-256. A copy of
    the database then holds nothing that opens the panel."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Refusal(StrEnum):
    WRONG = "wrong"  # no such account, a wrong password, no password yet, inactive: all alike
    ACCOUNT_LOCKED = "account_locked"
    ADDRESS_LOCKED = "address_locked"


@dataclass(frozen=True)
class LoginResult:
    staff: Staff | None = None
    version: int = 0
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.staff is not None
