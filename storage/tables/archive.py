"""The archive's uploaded documents (`archive_documents`): filing receipts and other files staff
keep for a company and month, the bytes in the blob store under their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class ArchiveDocumentRow(Base):
    __tablename__ = "archive_documents"
    __table_args__ = (Index("ix_archive_documents_company_period", "company_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    file_type: Mapped[str] = mapped_column(String(8))
    size: Mapped[int]
    uploaded_by: Mapped[str] = mapped_column(String(50), default="")
    uploaded_at: Mapped[datetime]
