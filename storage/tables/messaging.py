"""What crosses the WeChat boundary: inbound messages (dedup and crash recovery), conversation
state, the outbox and the firm's wording of its notices, and the shared access token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class InboundRow(Base):
    """One accepted message or event. The unique dedup key is what makes WeChat's retries safe;
    the stored payload is what lets an interrupted message be handled after a crash."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("appid", "dedup_key"),
        Index("ix_inbound_openid_received", "openid", "received_at"),
        # Only messages still being handled: the crash-recovery scan needs no more, and every
        # answered message skips one index update.
        Index(
            "ix_inbound_unanswered",
            "received_at",
            sqlite_where=text("status IN ('processing', 'recovering')"),
            postgresql_where=text("status IN ('processing', 'recovering')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(200))
    msg_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    # processing -> answered (passive reply stored) | late (answer queued in the outbox)
    status: Mapped[str] = mapped_column(String(16), default="processing")
    reply_xml: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    # The instance (host:port, or INSTANCE_ID) that accepted a message it is still handling:
    # after a crash it takes its own unanswered messages back at once, others' only when stale.
    owner: Mapped[str | None] = mapped_column(String(128), default=None)


class ConversationRow(Base):
    __tablename__ = "conversations"
    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(64), default=None)
    slots: Mapped[dict[str, Any]]
    requested_slot: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime]


class OutboxRow(Base):
    """A notice waiting to reach someone. Drained by bot.outbox with retries and backoff."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Only the few rows still on their way: the sender's scans stay small however many
        # sent rows the table keeps.
        Index(
            "ix_outbox_open",
            "recipient",
            "id",
            sqlite_where=text("status IN ('pending', 'sending')"),
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_outbox_recipient", "recipient", "created_at"),
        UniqueConstraint("dedup_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    dedup_key: Mapped[str | None] = mapped_column(String(200), default=None)
    # pending -> sending -> sent | failed (given up; errcode and last_error say why)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # Who holds the lease ("<run id>:<random>", one per claimed batch): renewals and the
    # outcome are written only under this token, so a worker whose lease ran out and was taken
    # over can no longer touch the row.
    lease_token: Mapped[str | None] = mapped_column(String(40), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    errcode: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class KeyValueRow(Base):
    """Small shared values across worker processes (the WeChat access token and its lock)."""

    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class MessageTemplateRow(Base):
    """One saved version of a firm's wording for a kind of notice. A save adds a row; the
    highest version of a (firm, kind) is the wording in force, the others its history."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("firm_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    kind: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(64), default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    saved_at: Mapped[datetime]


class JobLeaseRow(Base):
    """Who runs a scheduled job right now: one row per job name. A process runs a job only
    while it holds the row's lease (see `storage.job_leases`), so several processes never run
    the same scan at once; the counters are what `/metrics` shows of the jobs."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(40))
    lease_until: Mapped[datetime]
    runs: Mapped[int] = mapped_column(default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(default=None)
    last_ended_at: Mapped[datetime | None] = mapped_column(default=None)
