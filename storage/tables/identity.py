"""Firms, staff, client companies, contacts, invite codes and failed binding attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class FirmRow(Base):
    __tablename__ = "firms"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    appid: Mapped[str] = mapped_column(String(64), unique=True)


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("firm_id", "openid"),
        UniqueConstraint("firm_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(32), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    openid: Mapped[str | None] = mapped_column(String(64), default=None)
    working_hours: Mapped[str] = mapped_column(String(32), default="09:00-18:00")


class CompanyRow(Base):
    __tablename__ = "client_companies"
    __table_args__ = (
        UniqueConstraint("firm_id", "name"),
        Index("ix_client_companies_firm_accountant", "firm_id", "accountant_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    name: Mapped[str] = mapped_column(String(100))
    accountant_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_openid", "openid"),
        Index("ix_contacts_company", "company_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(32), default="")
    openid: Mapped[str | None] = mapped_column(String(64), default=None)
    # When the bound person unfollowed the account (None: following, or never bound); WeChat
    # cannot reach them then, so reminders go by SMS. Cleared when they follow again.
    unfollowed_at: Mapped[datetime | None] = mapped_column(default=None)


class InviteRow(Base):
    __tablename__ = "invites"
    __table_args__ = (UniqueConstraint("firm_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    code: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by: Mapped[str | None] = mapped_column(String(64), default=None)
    # The openid the target was bound to when the code was issued (the one it may replace).
    replaces_openid: Mapped[str | None] = mapped_column(String(64), default=None)


class BindingFailureRow(Base):
    """A well-formed binding code that bound nothing (the code itself is not kept). Counted per
    openid and per firm over sliding windows, by every worker process alike."""

    __tablename__ = "binding_failures"
    __table_args__ = (
        Index("ix_binding_failures_firm_at", "firm_id", "at"),
        Index("ix_binding_failures_firm_openid_at", "firm_id", "openid", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    openid: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
