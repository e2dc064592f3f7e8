"""Invoice photos sent in chat (`invoice_uploads`, a durable work queue with leases) and the
invoices read from them (`invoices`, one row per invoice per client company)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class InvoiceUploadRow(Base):
    __tablename__ = "invoice_uploads"
    __table_args__ = (
        # WeChat's media ids are unique; a replayed message must not queue the photo twice.
        UniqueConstraint("firm_id", "media_id"),
        Index("ix_invoice_uploads_due", "status", "next_attempt_at"),
        Index("ix_invoice_uploads_sender_day", "company_id", "openid", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    openid: Mapped[str] = mapped_column(String(64))
    uploader_name: Mapped[str] = mapped_column(String(50), default="")
    media_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    lease_token: Mapped[str | None] = mapped_column(String(40), default=None)  # see OutboxRow
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # The QR scout (bot.workers.invoice_scout): when it took the upload (a conditional UPDATE
    # on NULL, so one scout per upload), and the SHA-256 of the bytes it downloaded and kept in
    # the blob store, so the full read does not download the photo again.
    scouted_at: Mapped[datetime | None] = mapped_column(default=None)
    blob_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    invoice_id: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(32), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InvoiceRow(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        # Counted once per company: the database, not a read-then-write, settles a race.
        UniqueConstraint("company_id", "dedup_key"),
        Index("ix_invoices_company_sha", "company_id", "image_sha256"),
        Index("ix_invoices_company_period", "company_id", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_uploads.id"), default=None)
    dedup_key: Mapped[str] = mapped_column(String(48))
    number: Mapped[str] = mapped_column(String(24))
    code: Mapped[str | None] = mapped_column(String(16), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    invoice_type: Mapped[str | None] = mapped_column(String(40), default=None)
    issue_date: Mapped[date | None] = mapped_column(Date, default=None)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM it is booked in
    amount_excl_tax_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tax_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    amount_total_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    capital_amount_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    buyer_name: Mapped[str | None] = mapped_column(String(150), default=None)
    buyer_tax_id: Mapped[str | None] = mapped_column(String(24), default=None)
    seller_name: Mapped[str | None] = mapped_column(String(150), default=None)
    seller_tax_id: Mapped[str | None] = mapped_column(String(24), default=None)
    check_code: Mapped[str | None] = mapped_column(String(24), default=None)
    image_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(default=0)  # contact id (0: unknown)
    uploader_name: Mapped[str] = mapped_column(String(50), default="")
    uploaded_at: Mapped[datetime]
    corrected_at: Mapped[datetime | None] = mapped_column(default=None)
    # {"sources": {...}, "confidence": {...}, "qr_vs_ocr": {...}, "checks": [...]}
    reading: Mapped[dict[str, Any]]
