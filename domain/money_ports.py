"""What the panel's money pages need besides billing (`domain.ports.BillingRepository`): the
record of bills settled outside WeChat Pay (线下收款), and the read models of the bill list and
of arrears by client with their ageing, each one query whatever the firm's size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from domain.billing import Bill
from domain.panel_ports import PanelUnitOfWork

MAX_OFFLINE_NOTE = 200
# Which bills the list shows: the stored status, or "overdue" (unpaid and past due).
BILL_STATES = ("unpaid", "overdue", "paid", "cancelled", "refunded")


@dataclass(frozen=True)
class NewOfflinePayment:
    firm_id: int
    bill_id: int
    amount_fen: int
    paid_on: date  # the day the money came, as the admin says
    note: str
    recorded_by: str
    staff_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class OfflinePayment:
    """Money for a bill taken outside WeChat Pay (cash, a bank transfer), recorded by an admin.
    At most one per bill: the bill is settled by it once."""

    id: int
    firm_id: int
    bill_id: int
    amount_fen: int
    paid_on: date
    note: str
    recorded_by: str
    staff_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class BillFilter:
    """Which bills: a state (see `BILL_STATES`, "" for all), a company name containing
    `search`, or one company; page `page`."""

    state: str = ""
    search: str = ""
    company_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class BillPage:
    items: Sequence[Bill]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Arrears:
    """What one company owes: unpaid in all, how much of it is overdue, and the overdue part by
    days past due (0-30, 31-60, 61-90, 90+). Money in fen."""

    company_id: int
    company: str
    accountant: str | None
    unpaid_fen: int
    unpaid_bills: int
    overdue_fen: int
    ageing_fen: tuple[int, int, int, int]
    oldest_due: date | None


@dataclass(frozen=True)
class ArrearsPage:
    items: Sequence[Arrears]
    total: int  # companies owing anything
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class OfflinePayments(Protocol):
    async def settle(self, new: NewOfflinePayment, paid_at: datetime) -> bool:
        """Move the bill unpaid -> paid (one conditional UPDATE, as a payment does, with no
        payment order) and keep the record; False, nothing written, when the bill was not
        unpaid any more."""
        ...

    async def of_bill(self, bill_id: int) -> OfflinePayment | None: ...


class MoneyReads(Protocol):
    async def bills(
        self, firm_id: int, wanted: BillFilter, today: date, per_page: int
    ) -> BillPage: ...

    async def arrears(self, firm_id: int, today: date, page: int, per_page: int) -> ArrearsPage: ...


class MoneyUnitOfWork(PanelUnitOfWork, Protocol):
    @property
    def offline_payments(self) -> OfflinePayments: ...
    @property
    def money_reads(self) -> MoneyReads: ...
