"""The monthly filing: a checklist per company and tax period (`filing_checklists`) and its
items (`filing_items`), the companies' tax profiles (`tax_profiles`) and the warnings that fired
(`book_warnings`, one row per company, rule and period: a warning fires once)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class FilingChecklistRow(Base):
    __tablename__ = "filing_checklists"
    __table_args__ = (
        UniqueConstraint("company_id", "period"),
        Index("ix_filing_checklists_firm_period", "firm_id", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    period: Mapped[str] = mapped_column(String(7))  # the tax period, YYYY-MM
    kind: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    filed_at: Mapped[datetime | None] = mapped_column(default=None)


class FilingItemRow(Base):
    __tablename__ = "filing_items"
    __table_args__ = (UniqueConstraint("checklist_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(
        ForeignKey("filing_checklists.id", ondelete="CASCADE")
    )
    seq: Mapped[int]
    key: Mapped[str] = mapped_column(String(24))
    party: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(40))
    due: Mapped[date] = mapped_column(Date)
    files: Mapped[bool] = mapped_column(default=False)
    books: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str] = mapped_column(String(50), default="")
    amount_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reminded_on: Mapped[date | None] = mapped_column(Date, default=None)


class TaxProfileRow(Base):
    __tablename__ = "tax_profiles"
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="small")
    industry: Mapped[str] = mapped_column(String(24), default="default")


class BookWarningRow(Base):
    __tablename__ = "book_warnings"
    __table_args__ = (UniqueConstraint("company_id", "rule", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    rule: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(10))
    facts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class BookViewerRow(Base):
    """Who of a company's contacts may see its books, when the firm or the owner said so: the
    owner (one per company; without a row, the company's first contact), or another contact
    allowed or stopped by the owner."""

    __tablename__ = "book_viewers"
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    owner: Mapped[bool] = mapped_column(default=False)
    allowed: Mapped[bool] = mapped_column(default=True)
