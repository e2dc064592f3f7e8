"""Billing: service contracts, the bills they and one-off orders raise, and the payment orders
and refunds that settle them. Money is integer fen (分) everywhere; time is aware.

A **contract** (代理记账合同) bills a company a monthly fee per cycle (月/季/半年/年), one bill
per period, issued on the day the period starts (`next_due_on`). A **bill** is what a company
owes: one per company per contract period (a unique key, so two workers cannot both issue it),
or a one-off bill raised by staff or an order. A bill is paid through **payment orders**, one
per attempt, each with an `out_trade_no` WeChat Pay has never seen before:

```mermaid
stateDiagram-v2
    [*] --> created: an attempt to pay (JSAPI or Native)
    created --> paid: WeChat Pay says SUCCESS (notification or query), amounts agree
    created --> closed: the bill was paid another way, cancelled, or the attempt expired
    paid --> [*]
    closed --> [*]
```

Bills: `unpaid -> paid -> refunded` (refunded in full; part refunds keep it paid) or
`unpaid -> cancelled`. Whether an unpaid bill is overdue or expired is a matter of the date,
not a stored state. This module holds the models and rules; the use cases live in
`domain.payments`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

FEN_PER_YUAN = 100
# WeChat Pay: out_trade_no and out_refund_no are 6-32 (refunds: 64) digits, letters, _ - * .
_TRADE_NO = re.compile(r"[0-9A-Za-z_\-*]{6,32}")
_REFUND_NO = re.compile(r"[0-9A-Za-z_\-*@|]{1,64}")
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
BILL_SERIES = "B"
MAX_TITLE = 60
MAX_BILL_FEN = 10_000_000_00  # ten million yuan: anything above is a typo, not a fee


def yuan(fen: int) -> str:
    """1234567 -> "¥12,345.67" (for people; never parse it back)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{whole:,}.{part:02d}"


def parse_yuan(text: str) -> int:
    """ "300", "300.5", "1,200.00", "¥88" -> fen. Raises ValueError for anything else, a
    negative amount or more than two decimals (never rounds money). The edges take off the
    words people add ("元") before they ask."""
    cleaned = text.strip().replace(",", "").lstrip("¥")
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(f"not an amount of money in fen: {text!r}")
    return int(Decimal(cleaned) * FEN_PER_YUAN)


class Cycle(StrEnum):
    """How often a contract bills: the fee of that many months at once (月/季/半年/年)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return _CYCLE_MONTHS[self]


_CYCLE_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.HALF_YEARLY: 6, Cycle.YEARLY: 12}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 -> Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def months_between(start: date, later: date) -> int:
    """Whole months from `start` to `later` by the calendar (day of month ignored)."""
    return (later.year - start.year) * 12 + later.month - start.month


@dataclass(frozen=True)
class Period:
    """The months one contract bill pays for: `start` to `end`, both inclusive."""

    start: date
    end: date


@dataclass(frozen=True)
class NewContract:
    firm_id: int
    company_id: int
    monthly_fee_fen: int
    cycle: Cycle
    starts_on: date
    ends_on: date | None
    accountant_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Contract:
    """A company's service contract. `next_due_on` is the first day of the next period to bill
    (None once every period up to `ends_on` is billed); the scheduler bills it on that day."""

    id: int
    firm_id: int
    company_id: int
    monthly_fee_fen: int
    cycle: Cycle
    starts_on: date
    ends_on: date | None
    next_due_on: date | None
    accountant_id: int | None = None
    active: bool = True
    company_name: str = ""
    # Periods are billed up to this day; None: up to `ends_on`. Set by a paid renewal, which
    # prepaid the term after it (see `domain.renewals.renewal_paid`).
    bills_until: date | None = None

    @property
    def period_fee_fen(self) -> int:
        return self.monthly_fee_fen * self.cycle.months

    def period_starting(self, start: date) -> Period:
        """The period that begins on `start` (a period start of this contract). Periods are
        counted from `starts_on`, so month ends never drift (Jan 31, Feb 28, Mar 31 ...)."""
        index = months_between(self.starts_on, start) // self.cycle.months
        end = add_months(self.starts_on, (index + 1) * self.cycle.months) - timedelta(days=1)
        return Period(start, end)

    def period_after(self, period: Period) -> date | None:
        """The start of the period after `period`, or None when the contract has ended."""
        index = months_between(self.starts_on, period.start) // self.cycle.months
        start = add_months(self.starts_on, (index + 1) * self.cycle.months)
        last = self.bills_until if self.bills_until is not None else self.ends_on
        if last is not None and start > last:
            return None
        return start


class BillKind(StrEnum):
    CONTRACT = "contract"  # a contract period's fee
    ONE_OFF = "one_off"  # raised by staff or by an order (a catalogue service)
    RENEWAL = "renewal"  # the next term of a contract that is ending (see domain.renewals)


class BillStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"  # in full; a part refund leaves it paid


@dataclass(frozen=True)
class NewBill:
    firm_id: int
    number: str
    company_id: int
    kind: BillKind
    # A one-off bill's title as staff or the catalogue word it; empty for a contract period's
    # bill, which each edge words from its period.
    title: str
    amount_fen: int
    due_on: date
    created_at: datetime
    contract_id: int | None = None
    period: Period | None = None
    expires_at: datetime | None = None
    # Where a one-off bill comes from ("order:17"): the same source raises one bill only.
    source_ref: str | None = None


@dataclass(frozen=True)
class Bill:
    id: int
    firm_id: int
    number: str
    company_id: int
    kind: BillKind
    title: str
    amount_fen: int
    status: BillStatus
    due_on: date
    created_at: datetime
    contract_id: int | None = None
    period: Period | None = None
    expires_at: datetime | None = None
    source_ref: str | None = None
    attempts: int = 0  # payment orders opened for it
    paid_at: datetime | None = None
    paid_order_id: int | None = None
    refunded_fen: int = 0
    cancelled_at: datetime | None = None
    company_name: str = ""

    @property
    def paid_offline(self) -> bool:
        """Settled outside WeChat Pay (线下收款, `domain.money_admin`): paid with no payment
        order. Such a bill is refunded offline too, never through WeChat Pay."""
        return self.status is BillStatus.PAID and self.paid_order_id is None

    def overdue(self, today: date) -> bool:
        return self.status is BillStatus.UNPAID and today > self.due_on

    def expired(self, now: datetime) -> bool:
        return (
            self.status is BillStatus.UNPAID
            and self.expires_at is not None
            and now >= self.expires_at
        )

    def state(self, now: datetime, today: date) -> str:
        """What a list shows: the stored status, or "expired" / "overdue" for unpaid bills."""
        if self.expired(now):
            return "expired"
        if self.overdue(today):
            return "overdue"
        return self.status.value


class Channel(StrEnum):
    JSAPI = "jsapi"  # inside WeChat: the /m/ checkout page calls getBrandWCPayRequest
    NATIVE = "native"  # a QR code (code_url) scanned with WeChat


class OrderState(StrEnum):
    CREATED = "created"
    PAID = "paid"
    CLOSED = "closed"


ORDER_TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    OrderState.CREATED: frozenset({OrderState.PAID, OrderState.CLOSED}),
    OrderState.PAID: frozenset(),
    OrderState.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class NewOrder:
    firm_id: int
    bill_id: int
    out_trade_no: str
    channel: Channel
    appid: str
    mchid: str
    amount_fen: int
    payer_openid: str | None
    created_at: datetime
    expires_at: datetime
    next_query_at: datetime


@dataclass(frozen=True)
class PaymentOrder:
    id: int
    firm_id: int
    bill_id: int
    out_trade_no: str
    channel: Channel
    appid: str
    mchid: str
    amount_fen: int
    state: OrderState
    created_at: datetime
    expires_at: datetime
    payer_openid: str | None = None
    prepay_id: str | None = None
    code_url: str | None = None
    transaction_id: str | None = None
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    next_query_at: datetime | None = None
    query_count: int = 0
    refund_reserved_fen: int = 0  # refunds asked for and not closed
    refunded_fen: int = 0  # refunds WeChat Pay confirmed


class TradeState(StrEnum):
    """WeChat Pay's `trade_state`."""

    SUCCESS = "SUCCESS"
    REFUND = "REFUND"  # paid, then (partly) refunded
    NOTPAY = "NOTPAY"
    CLOSED = "CLOSED"
    REVOKED = "REVOKED"
    USERPAYING = "USERPAYING"
    PAYERROR = "PAYERROR"

    @property
    def paid(self) -> bool:
        return self in (TradeState.SUCCESS, TradeState.REFUND)


@dataclass(frozen=True)
class Transaction:
    """What WeChat Pay says about one order, from a verified notification or a query."""

    appid: str
    mchid: str
    out_trade_no: str
    transaction_id: str
    trade_state: TradeState
    total_fen: int
    currency: str = "CNY"
    payer_openid: str = ""
    success_time: datetime | None = None


class RefundStatus(StrEnum):
    """WeChat Pay's refund `status` / `refund_status`."""

    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    CLOSED = "CLOSED"
    ABNORMAL = "ABNORMAL"


@dataclass(frozen=True)
class NewRefund:
    order_id: int
    bill_id: int
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str
    requested_by: str
    created_at: datetime
    # The confirmed ask it comes from (one refund per bill and key); None: asked directly.
    request_key: str | None = None
    # When it is sent to WeChat Pay; None: the pay worker sends it (see domain.refund_asks).
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Refund:
    id: int
    order_id: int
    bill_id: int
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str
    status: RefundStatus
    requested_by: str
    created_at: datetime
    refund_id: str | None = None
    settled_at: datetime | None = None
    request_key: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class RefundResult:
    """What WeChat Pay says about one refund (its answer, a notification or a query)."""

    mchid: str
    out_trade_no: str
    out_refund_no: str
    refund_id: str
    status: RefundStatus
    refund_fen: int
    total_fen: int
    success_time: datetime | None = None


@dataclass(frozen=True)
class OrderRequest:
    """What the gateway needs to create an order at WeChat Pay. The bill it pays is given as
    facts: the gateway words the description the payer's WeChat shows."""

    out_trade_no: str
    channel: Channel
    amount_fen: int
    expires_at: datetime
    bill: Bill
    payer_openid: str | None = None


@dataclass(frozen=True)
class Prepay:
    """WeChat Pay's answer to a new order: a prepay_id (JSAPI) or a code_url (Native)."""

    prepay_id: str | None = None
    code_url: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str


def new_out_trade_no(firm_id: int, bill_number: str, attempt: int) -> str:
    """A trade number WeChat Pay has never seen: readable (firm, bill, attempt) and with a
    random tail, so a database restored from a backup cannot hand out one already used.
    The unique column is the last word."""
    no = f"F{firm_id}{bill_number}N{attempt}{secrets.token_hex(4).upper()}"
    if not _TRADE_NO.fullmatch(no):
        raise ValueError(f"not a valid out_trade_no: {no!r}")
    return no


def new_out_refund_no(out_trade_no: str, number: int) -> str:
    no = f"{out_trade_no}R{number}"
    if not _REFUND_NO.fullmatch(no):
        raise ValueError(f"not a valid out_refund_no: {no!r}")
    return no


def valid_out_trade_no(text: str) -> bool:
    return bool(_TRADE_NO.fullmatch(text))


def valid_out_refund_no(text: str) -> bool:
    return bool(_REFUND_NO.fullmatch(text))
