"""The web panel's access: staff passwords, one-time password links, failed logins and the
server-side sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class StaffCredentialRow(Base):
    """A staff member's argon2 password hash; `version` grows with each new password."""

    __tablename__ = "staff_credentials"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    set_at: Mapped[datetime]


class PasswordLinkRow(Base):
    """A one-time link to set a password. Only the token's SHA-256 is kept."""

    __tablename__ = "password_links"
    __table_args__ = (Index("ix_password_links_staff", "staff_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginFailureRow(Base):
    """One failed login, counted per account and per client address over a sliding window.
    `account` is "staff:<id>", or "login:<what was typed>" when it named nobody."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class PanelSessionRow(Base):
    """A logged-in browser. Keyed by the SHA-256 of the cookie's token; gone at logout."""

    __tablename__ = "panel_sessions"
    __table_args__ = (Index("ix_panel_sessions_expires", "expires_at"),)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]
