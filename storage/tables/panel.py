"""What the admin panel adds: the firm's client tags, which companies carry them, and the
audit log of every change made in the panel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class ClientTagRow(Base):
    """A tag the firm defines (小规模, 电子专票, 餐饮 …), optionally in a group (纳税人类型)."""

    __tablename__ = "client_tags"
    __table_args__ = (UniqueConstraint("firm_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    name: Mapped[str] = mapped_column(String(32))
    group: Mapped[str] = mapped_column(String(32), default="")


class CompanyTagRow(Base):
    __tablename__ = "company_tags"
    # Filtering by a tag walks (tag_id, company_id); a company's tags come by the primary key.
    __table_args__ = (Index("ix_company_tags_tag", "tag_id", "company_id"),)
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("client_tags.id"), primary_key=True)


class AuditRow(Base):
    """One change: who (the staff member, by id and by name as it was), what, when, and the
    values before and after. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_firm_at", "firm_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class PanelDocumentRow(Base):
    """One saved version of something the firm arranges as a whole in the panel: the Official
    Account menu (`kind` "menu", saved when WeChat accepted it) or the client home page at /m/
    ("home"). The highest version of a kind is the one in force; earlier ones are the history."""

    __tablename__ = "panel_documents"
    __table_args__ = (UniqueConstraint("firm_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    body: Mapped[dict[str, Any]]
    saved_by: Mapped[str] = mapped_column(String(50))
    saved_at: Mapped[datetime]


class HomeImageRow(Base):
    """An image an admin uploaded for a slide of the home page, served at /m/home/images/{id}.
    Kept in the database (they are few and small) so every instance serves the same."""

    __tablename__ = "home_images"
    __table_args__ = (UniqueConstraint("firm_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]
