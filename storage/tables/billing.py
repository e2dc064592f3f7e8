"""Service contracts, bills, payment orders and refunds. Money in integer fen."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base

# Only rows the scans still need: the index stays as small as the work that is left.
_ACTIVE = "active"
_CREATED = "state = 'created'"
_PROCESSING = "status = 'PROCESSING'"


class ContractRow(Base):
    __tablename__ = "service_contracts"
    __table_args__ = (
        Index("ix_service_contracts_company", "company_id"),
        Index(
            "ix_service_contracts_due",
            "next_due_on",
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    monthly_fee_fen: Mapped[int] = mapped_column(BigInteger)
    cycle: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    # The first day of the next period to bill; None once the last one is billed.
    next_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Periods are billed up to this day (None: up to ends_on). A paid renewal prepays the
    # term after the old end, so it sets this to the old end as it moves ends_on on.
    bills_until: Mapped[date | None] = mapped_column(Date, default=None)
    accountant_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BillRow(Base):
    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("firm_id", "number"),
        # One bill per company per contract period (one-off bills have no period: NULLs
        # never collide).
        UniqueConstraint("company_id", "period_start"),
        UniqueConstraint("firm_id", "source_ref"),
        Index("ix_bills_company_status", "company_id", "status"),
        Index("ix_bills_firm_status", "firm_id", "status", "due_on"),
        # Paid in a period: the money page's totals, and 绩效's fees per accountant (with the
        # company, to reach its accountant without reading the bill rows; 0030).
        Index("ix_bills_firm_paid", "firm_id", "paid_at", "amount_fen", "company_id"),
        Index("ix_bills_firm_status_amount", "firm_id", "status", "due_on", "amount_fen"),
        # Arrears by client: the open bills of a firm grouped by company, from the index alone.
        Index(
            "ix_bills_firm_status_company",
            "firm_id",
            "status",
            "company_id",
            "due_on",
            "amount_fen",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    number: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_contracts.id"), default=None
    )
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date | None] = mapped_column(Date, default=None)
    period_end: Mapped[date | None] = mapped_column(Date, default=None)
    due_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    source_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    # unpaid -> paid -> refunded (in full) | unpaid -> cancelled
    status: Mapped[str] = mapped_column(String(16), default="unpaid")
    attempts: Mapped[int] = mapped_column(default=0)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_order_id: Mapped[int | None] = mapped_column(default=None)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentOrderRow(Base):
    """One attempt to pay a bill through WeChat Pay. `out_trade_no` is unique for good: an
    attempt is never reused, and the key WeChat Pay notifications are matched on."""

    __tablename__ = "payment_orders"
    __table_args__ = (
        UniqueConstraint("out_trade_no"),
        Index("ix_payment_orders_bill", "bill_id"),
        Index(
            "ix_payment_orders_query",
            "next_query_at",
            sqlite_where=text(_CREATED),
            postgresql_where=text(_CREATED),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    out_trade_no: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    appid: Mapped[str] = mapped_column(String(32))
    mchid: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payer_openid: Mapped[str | None] = mapped_column(String(64), default=None)
    # created -> paid | closed
    state: Mapped[str] = mapped_column(String(16), default="created")
    prepay_id: Mapped[str | None] = mapped_column(String(64), default=None)
    code_url: Mapped[str | None] = mapped_column(String(255), default=None)
    transaction_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The active query: when to ask WeChat Pay next, and how often it has been asked.
    next_query_at: Mapped[datetime | None] = mapped_column(default=None)
    query_count: Mapped[int] = mapped_column(default=0)
    refund_reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class RefundRow(Base):
    __tablename__ = "payment_refunds"
    __table_args__ = (
        UniqueConstraint("out_refund_no"),
        # An admin's confirmed ask (a chat tap, a panel form) refunds once however often sent.
        UniqueConstraint("bill_id", "request_key"),
        Index("ix_payment_refunds_order", "order_id"),
        Index("ix_payment_refunds_bill", "bill_id"),
        Index(
            "ix_payment_refunds_processing",
            "created_at",
            sqlite_where=text(_PROCESSING),
            postgresql_where=text(_PROCESSING),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    out_refund_no: Mapped[str] = mapped_column(String(64))
    refund_id: Mapped[str | None] = mapped_column(String(32), default=None)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(80), default="")
    # PROCESSING -> SUCCESS | CLOSED | ABNORMAL (-> SUCCESS | CLOSED), as WeChat Pay says
    status: Mapped[str] = mapped_column(String(16), default="PROCESSING")
    requested_by: Mapped[str] = mapped_column(String(50), default="")
    request_key: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime]
    # When it was (first) sent to WeChat Pay; None: recorded, waiting for the pay worker.
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
