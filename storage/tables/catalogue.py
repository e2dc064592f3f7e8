"""The service catalogue, orders placed from it, the fee reminders (催费) sent for bills, and
the invoice title (抬头, 税号) a company wants on its fee invoices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class CatalogueItemRow(Base):
    __tablename__ = "catalogue_items"
    __table_args__ = (
        UniqueConstraint("firm_id", "name"),
        Index("ix_catalogue_items_firm_order", "firm_id", "display_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    category: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    price_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)  # None: 面议
    duration: Mapped[str] = mapped_column(String(64), default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    request_type: Mapped[str] = mapped_column(String(32))
    display_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ServiceOrderRow(Base):
    __tablename__ = "service_orders"
    __table_args__ = (
        UniqueConstraint("firm_id", "number"),
        Index("ix_service_orders_company", "company_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    number: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"))
    item_name: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="unpaid")
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), default=None)
    request_number: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeeReminderRow(Base):
    """One reminder per bill per day (Beijing date) at most: the unique key decides races."""

    __tablename__ = "fee_reminders"
    __table_args__ = (
        UniqueConstraint("bill_id", "day"),
        Index("ix_fee_reminders_company", "company_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"))
    day: Mapped[date] = mapped_column(Date)
    # who asked: "schedule", or a staff member's name
    trigger: Mapped[str] = mapped_column(String(32))
    # wechat (客服 or template, the outbox decides), sms, none (nobody reachable)
    channel: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class FeeInvoiceTitleRow(Base):
    """The 抬头 and 税号 a company's fee invoices carry, remembered from its last request."""

    __tablename__ = "fee_invoice_titles"
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str] = mapped_column(String(18))
    updated_at: Mapped[datetime]
