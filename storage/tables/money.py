"""Bills settled outside WeChat Pay (线下收款): one row per bill at most, recorded by an admin
in the panel, next to the bill's own move to paid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class OfflinePaymentRow(Base):
    __tablename__ = "offline_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    # Unique: a bill is settled offline once.
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(50))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime]
