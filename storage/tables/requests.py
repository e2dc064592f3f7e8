"""Requests and their timeline, per-firm number series, ratings and complaints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class NumberSeriesRow(Base):
    """The last number handed out in a firm's series ("R" requests, "C" complaints)."""

    __tablename__ = "number_series"
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int]


class RequestRow(Base):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("firm_id", "number"),
        Index("ix_requests_company_status", "company_id", "status"),
        Index("ix_requests_handler_status", "handler_id", "status"),
        Index("ix_requests_due", "due_at"),
        Index("ix_requests_firm_status", "firm_id", "status"),
        # The panel: the board's finished work newest first, performance by period.
        # Covers the board: its late counts and every open column's first page (the id too,
        # which PostgreSQL's indexes do not carry on their own).
        Index(
            "ix_requests_firm_status_due",
            "firm_id",
            "status",
            "due_at",
            "urgency",
            "created_at",
            "id",
        ),
        Index("ix_requests_firm_updated", "firm_id", "updated_at"),
        # The board's first page of each column, one status (and urgency) at a time, read
        # in the column's order straight off the index, no further than the page; with the
        # handler and the company, an accountant's board (their work, their clients') is
        # counted and paged off these indexes too, never off the table.
        Index(
            "ix_requests_firm_status_urgency",
            "firm_id",
            "status",
            "urgency",
            "created_at",
            "id",
            "due_at",
            "handler_id",
            "company_id",
        ),
        Index(
            "ix_requests_firm_status_updated",
            "firm_id",
            "status",
            "updated_at",
            "id",
            "handler_id",
            "company_id",
        ),
        Index("ix_requests_firm_claimed", "firm_id", "claimed_at", "handler_id", "created_at"),
        # Covering for 绩效: the median time to complete and the clients served (0027).
        Index(
            "ix_requests_firm_completed",
            "firm_id",
            "completed_at",
            "handler_id",
            "created_at",
            "company_id",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    number: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    client_openid: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    photos: Mapped[dict[str, Any]]  # {"media_ids": [...]}
    status: Mapped[str] = mapped_column(String(16))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    first_progress_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    push_count: Mapped[int] = mapped_column(default=1)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    latest_progress: Mapped[str] = mapped_column(Text, default="")


class RequestEventRow(Base):
    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request", "request_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(50))
    actor_id: Mapped[int | None] = mapped_column(default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[dict[str, Any]]
    # What the event was about, for its wording (None: recorded with its wording in `text`).
    facts: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class RatingRow(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_staff_created", "staff_id", "created_at"),
        Index("ix_ratings_firm_created", "firm_id", "created_at", "staff_id", "attitude", "speed"),
        # A client's lifecycle stage reads its own recent ratings.
        Index("ix_ratings_company_created", "company_id", "created_at"),
    )
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    attitude: Mapped[int]
    speed: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ComplaintRow(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("firm_id", "number"),
        Index("ix_complaints_staff_created", "staff_id", "created_at"),
        Index("ix_complaints_request", "request_id"),
        Index("ix_complaints_firm_created", "firm_id", "created_at"),
        Index("ix_complaints_company_created", "company_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    number: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    client_openid: Mapped[str] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[dict[str, Any]]
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), default=None)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    source: Mapped[str] = mapped_column(String(16), default="client")
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # The last time an admin reopened the case after it was resolved, and why.
    reopened_at: Mapped[datetime | None] = mapped_column(default=None)
    reopened_by: Mapped[str] = mapped_column(String(50), default="")
    reopen_note: Mapped[str] = mapped_column(Text, default="")
