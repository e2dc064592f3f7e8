"""A client company's books: a row per month (`book_months`), every imported version of it
(`book_versions`, the replaced ones kept as history) and the printed lines of each version
(`book_lines`, amounts in fen, one column per statement column)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class BookMonthRow(Base):
    """One company-month; `version` counts its imports and `current_version_id` points at the
    live one. Bumping `version` by a conditional UPDATE is what orders concurrent imports."""

    __tablename__ = "book_months"
    __table_args__ = (UniqueConstraint("company_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    version: Mapped[int] = mapped_column(default=0)
    # No foreign key: the two tables point at each other; both change in one transaction.
    current_version_id: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]


class BookVersionRow(Base):
    __tablename__ = "book_versions"
    __table_args__ = (
        UniqueConstraint("company_id", "period", "version"),
        Index("ix_book_versions_current", "company_id", "replaced_at", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    month_id: Mapped[int] = mapped_column(ForeignKey("book_months.id"))
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int]
    standard: Mapped[str] = mapped_column(String(8))
    figures: Mapped[dict[str, Any]]  # MonthFigures.to_json()
    # {"files": [{name, sha256, size}], "statements": [{kind, sheet, file, columns, ...}]}
    source: Mapped[dict[str, Any]]
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(50), default="")
    replaced_at: Mapped[datetime | None] = mapped_column(default=None)


class BookLineRow(Base):
    __tablename__ = "book_lines"
    __table_args__ = (Index("ix_book_lines_version", "version_id", "statement", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("book_versions.id", ondelete="CASCADE"))
    statement: Mapped[int]  # index into the version's source["statements"]
    seq: Mapped[int]  # order within the statement
    key: Mapped[str | None] = mapped_column(String(48), default=None)
    label: Mapped[str] = mapped_column(String(200))
    row: Mapped[int]
    line_no: Mapped[int | None] = mapped_column(default=None)
    month_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ytd_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    prior_year_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    end_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    begin_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payable_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    paid_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
