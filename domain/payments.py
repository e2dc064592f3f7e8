"""The payment use cases: contracts, issuing bills, paying them through WeChat Pay, closing
what is no longer wanted, and settling what WeChat Pay reports (refunds: `domain.refunds`).

Two kinds of use case live here:

- those that only touch the database run inside the caller's unit of work, and the caller
  commits (`add_contract`, `issue_due_bills`, `add_one_off_bill`, `apply_payment`);
- those that talk to WeChat Pay own their transactions and are called *outside* `async with
  uow` (`open_order`, `close_order`, `cancel_bill`, `check_order`, `check_due_orders`): a
  transaction is never held open across a call to WeChat Pay, and what must be remembered
  before the call (a new out_trade_no) is committed first, so a crash in between leaves a
  record the query job settles.

Every state change is a conditional UPDATE (see `domain.ports.BillingRepository`): a payment
notification that arrives three times at once, or two workers issuing the same month's bills,
change things once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain import payment_notices, renewals, service_catalogue
from domain.actors import Actor
from domain.billing import (
    MAX_BILL_FEN,
    MAX_TITLE,
    Bill,
    BillKind,
    BillStatus,
    Channel,
    Contract,
    Cycle,
    NewBill,
    NewContract,
    NewOrder,
    OrderRequest,
    OrderState,
    PaymentOrder,
    TradeState,
    Transaction,
    new_out_trade_no,
)
from domain.clock import local
from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from domain.ports import PayGateway, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentPolicy:
    """Terms and timers of payments, built once at start."""

    # A bill is due this long after it is issued (then it is overdue).
    payment_term: timedelta = timedelta(days=15)
    # How long one attempt may be paid (WeChat Pay's time_expire; a prepay_id lasts 2 hours).
    order_ttl: timedelta = timedelta(hours=2)
    # When to ask WeChat Pay about an attempt whose notification has not come: after each
    # step in turn, then every last step, and once more when the attempt expires.
    query_steps: tuple[timedelta, ...] = (
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=30),
    )
    # A worker that took a query holds it this long (then another may).
    query_lease: timedelta = timedelta(minutes=2)
    # WeChat Pay does not know an order we created: our create call may never have arrived.
    # After this long it never will, and the attempt is closed here.
    unknown_order_grace: timedelta = timedelta(minutes=10)
    # Refunds still processing after this long are asked about.
    refund_query_after: timedelta = timedelta(minutes=2)

    def next_query_at(self, order: PaymentOrder, now: datetime) -> datetime:
        """When to ask next about a created order just asked about (its `query_count`
        before this query): the first look came `query_steps[0]` after creation, the n-th
        comes `query_steps[n]` after the one before."""
        step = self.query_steps[min(order.query_count + 1, len(self.query_steps) - 1)]
        at = now + step
        if now < order.expires_at < at:
            return order.expires_at
        return at


class GatewayError(Exception):
    """WeChat Pay refused a call or could not be reached. `code` is one of the constants
    below (the gateway maps WeChat Pay's own codes onto them); `retryable` says whether the
    same call may succeed later."""

    ORDER_NOT_FOUND = "order_not_found"
    ORDER_PAID = "order_paid"
    ORDER_CLOSED = "order_closed"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"

    def __init__(self, code: str, message: str = "", retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.retryable = retryable


class NotificationRejected(Exception):
    """A verified, decrypted report from WeChat Pay that does not fit what we stored: an order
    or refund we never made, or one whose amount, appid or mchid differ. Nothing was changed;
    `code` says which (the edge words it), `detail` is for the log."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class Applied(StrEnum):
    """What applying a payment report did."""

    PAID = "paid"  # this report paid the order and its bill
    DUPLICATE = "duplicate"  # the order was paid already (WeChat Pay repeats itself)
    NOT_PAID = "not_paid"  # the report says the order is not paid (yet)
    REVIEW = "review"  # the order is paid but no bill could take the money: admins told


@dataclass
class IssueReport:
    issued: list[Bill] = field(default_factory=list)
    ended: int = 0  # contracts whose last period was billed

    @property
    def count(self) -> int:
        return len(self.issued)


@dataclass
class QueryReport:
    """One pass of the active query (`check_due_orders`)."""

    checked: int = 0
    paid: int = 0
    closed: int = 0
    waiting: int = 0
    failed: int = 0


# --- contracts and bills (inside the caller's unit of work) --------------------------------


async def add_contract(
    uow: UnitOfWork,
    actor: Actor,
    company_id: int,
    monthly_fee_fen: int,
    cycle: Cycle,
    starts_on: date,
    now: datetime,
    *,
    ends_on: date | None = None,
    accountant_id: int | None = None,
) -> Contract:
    """A service contract (admins and the system); its first bill is issued on `starts_on`
    (today's, at once)."""
    if not actor.may_manage:
        raise Forbidden("admins_only_billing")
    firm_id = actor.firm_id
    company = await uow.identities.get_company(company_id)
    if company is None or company.firm_id != firm_id:
        raise NotFound("company_not_in_firm", company_id=company_id)
    if not 0 < monthly_fee_fen * cycle.months <= MAX_BILL_FEN:
        raise Invalid("bad_fee", monthly_fee_fen=monthly_fee_fen, limit_fen=MAX_BILL_FEN)
    if ends_on is not None and ends_on < starts_on:
        raise Invalid("bad_dates", starts_on=starts_on, ends_on=ends_on)
    accountant_id = accountant_id if accountant_id is not None else company.accountant_id
    if accountant_id is not None:
        staff = await uow.identities.get_staff(accountant_id)
        if staff is None or staff.firm_id != firm_id:
            raise NotFound("staff_not_found")
    return await uow.billing.add_contract(
        NewContract(
            firm_id=firm_id,
            company_id=company_id,
            monthly_fee_fen=monthly_fee_fen,
            cycle=cycle,
            starts_on=starts_on,
            ends_on=ends_on,
            accountant_id=accountant_id,
            created_at=now,
        )
    )


async def issue_due_bills(
    uow: UnitOfWork, now: datetime, policy: PaymentPolicy | None = None, limit: int = 50
) -> IssueReport:
    """Bill every contract period that has begun (by the date in Asia/Shanghai), at most
    `limit` contracts a call. Idempotent: each period is first claimed by moving the
    contract's `next_due_on` on (a conditional UPDATE only one worker wins), and the
    bill's (company, period) key is unique besides. A contract behind by several periods
    gets one bill per call; call again until nothing is issued."""
    policy = policy or PaymentPolicy()
    today = local(now).date()
    report = IssueReport()
    for contract in await uow.billing.due_contracts(today, limit):
        due = contract.next_due_on
        if due is None:
            continue
        period = contract.period_starting(due)
        following = contract.period_after(period)
        if not await uow.billing.advance_contract(contract.id, due, following, now):
            continue  # another worker billed this period first
        if following is None:
            report.ended += 1
        bill = await uow.billing.add_bill(
            NewBill(
                firm_id=contract.firm_id,
                number=await uow.billing.next_bill_number(contract.firm_id),
                company_id=contract.company_id,
                kind=BillKind.CONTRACT,
                title="",  # worded by each edge from its period
                amount_fen=contract.period_fee_fen,
                due_on=max(due, today) + timedelta(days=policy.payment_term.days),
                created_at=now,
                contract_id=contract.id,
                period=period,
            )
        )
        if bill is None:
            log.warning(
                "contract %s: company %s already has a bill for the period from %s; none issued",
                contract.id,
                contract.company_id,
                period.start,
            )
            continue
        report.issued.append(bill)
    return report


async def add_one_off_bill(
    uow: UnitOfWork,
    actor: Actor,
    company_id: int,
    title: str,
    amount_fen: int,
    now: datetime,
    *,
    source_ref: str | None = None,
    expires_at: datetime | None = None,
    policy: PaymentPolicy | None = None,
) -> Bill:
    """A bill outside the contract (a catalogue service, a fee staff add by hand): staff and
    the system. With a `source_ref` ("order:17") the same source gets one bill however often
    this is called."""
    if not (actor.is_staff or actor.is_system):
        raise Forbidden("staff_only")
    firm_id = actor.firm_id
    policy = policy or PaymentPolicy()
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise Invalid("bad_bill_title", limit=MAX_TITLE)
    if not 0 < amount_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=amount_fen, limit_fen=MAX_BILL_FEN)
    company = await uow.identities.get_company(company_id)
    if company is None or company.firm_id != firm_id:
        raise NotFound("company_not_in_firm", company_id=company_id)
    if source_ref is not None:
        existing = await uow.billing.bill_by_source(firm_id, source_ref)
        if existing is not None:
            return existing
    bill = await uow.billing.add_bill(
        NewBill(
            firm_id=firm_id,
            number=await uow.billing.next_bill_number(firm_id),
            company_id=company_id,
            kind=BillKind.ONE_OFF,
            title=title,
            amount_fen=amount_fen,
            due_on=local(now).date() + timedelta(days=policy.payment_term.days),
            created_at=now,
            expires_at=expires_at,
            source_ref=source_ref,
        )
    )
    if bill is None and source_ref is not None:
        # Another caller raised it between our look and our insert.
        bill = await uow.billing.bill_by_source(firm_id, source_ref)
    if bill is None:
        raise Conflict("bill_not_issued")
    return bill


def refuse_unless_payable(bill: Bill, now: datetime) -> None:
    """Raise the reason a bill cannot be paid now (a `Conflict` naming its state)."""
    if bill.status is BillStatus.PAID:
        raise Conflict("bill_paid", number=bill.number)
    if bill.status is BillStatus.CANCELLED:
        raise Conflict("bill_cancelled", number=bill.number)
    if bill.status is BillStatus.REFUNDED:
        raise Conflict("bill_refunded", number=bill.number)
    if bill.expired(now):
        raise Conflict("bill_expired", number=bill.number, expired_at=bill.expires_at)


async def visible_bill(uow: UnitOfWork, actor: Actor, number: str) -> Bill:
    """A bill the actor may see: a client their own company's, staff and the system any of
    the firm's. Any other reads as not found."""
    bill = await uow.billing.bill_by_number(actor.firm_id, number)
    if bill is None or not _may_see(actor, bill.company_id):
        raise NotFound("bill_not_found", number=number)
    return bill


async def visible_bills(
    uow: UnitOfWork, actor: Actor, company_id: int | None = None, limit: int = 200
) -> Sequence[Bill]:
    """The bills the actor may see, of one company or (staff, the system) of the whole firm."""
    if actor.is_client:
        company_id = actor.company_id
    elif not (actor.is_staff or actor.is_system):
        raise Forbidden("clients_only")
    return await uow.billing.list_bills(actor.firm_id, company_id=company_id, limit=limit)


def _may_see(actor: Actor, company_id: int) -> bool:
    if actor.is_client:
        return actor.company_id == company_id
    return actor.is_staff or actor.is_system


# --- paying (own transactions: WeChat Pay is called between them) ---------------------------


async def open_order(
    uow: UnitOfWork,
    gateway: PayGateway,
    actor: Actor,
    bill_number: str,
    channel: Channel,
    now: datetime,
    *,
    payer_openid: str | None = None,
    policy: PaymentPolicy | None = None,
) -> PaymentOrder:
    """One attempt to pay a bill: a new out_trade_no (never one used before), created at
    WeChat Pay; the order comes back with its prepay_id (JSAPI, for getBrandWCPayRequest)
    or code_url (Native, for a QR code). A paid, cancelled, refunded or expired bill refuses.
    A client pays their own company's bills; staff and the system any of the firm's.
    Call outside `async with uow`."""
    policy = policy or PaymentPolicy()
    if channel is Channel.JSAPI and not payer_openid:
        raise Invalid("payer_required")
    firm_id = actor.firm_id
    async with uow:
        bill = await visible_bill(uow, actor, bill_number)
        refuse_unless_payable(bill, now)
        attempt = await uow.billing.note_attempt(bill.id, now)
        if attempt is None:  # it changed under us: say what it is now
            fresh = await uow.billing.get_bill(bill.id)
            refuse_unless_payable(fresh or bill, now)
            raise Conflict("bill_busy", number=bill.number)
        expires_at = now + policy.order_ttl
        if bill.expires_at is not None:
            expires_at = min(expires_at, bill.expires_at)
        order = await uow.billing.add_order(
            NewOrder(
                firm_id=firm_id,
                bill_id=bill.id,
                out_trade_no=new_out_trade_no(firm_id, bill.number, attempt),
                channel=channel,
                appid=gateway.appid,
                mchid=gateway.mchid,
                amount_fen=bill.amount_fen,
                payer_openid=payer_openid,
                created_at=now,
                expires_at=expires_at,
                next_query_at=now + policy.query_steps[0],
            )
        )
        await uow.commit()
    try:
        prepay = await gateway.create_order(
            OrderRequest(
                out_trade_no=order.out_trade_no,
                channel=channel,
                amount_fen=order.amount_fen,
                expires_at=order.expires_at,
                bill=bill,
                payer_openid=payer_openid,
            )
        )
    except GatewayError as exc:
        log.warning("order %s not created at WeChat Pay: %s", order.out_trade_no, exc)
        if not exc.retryable:
            # Refused outright: it does not exist there, and never will.
            async with uow:
                await uow.billing.close_order(order.id, now)
                await uow.commit()
        # Retryable: it may or may not exist there; the active query finds out.
        raise DomainError("pay_unavailable", number=bill.number) from exc
    async with uow:
        await uow.billing.set_prepay(order.id, prepay)
        await uow.commit()
    return replace(order, prepay_id=prepay.prepay_id, code_url=prepay.code_url)


async def apply_payment(uow: UnitOfWork, tx: Transaction, now: datetime) -> Applied:
    """Apply what WeChat Pay says about an order (a notification or a query), exactly once:
    the order must be ours and agree on appid, mchid and amount (else `NotificationRejected`,
    nothing changed), then one conditional UPDATE moves it created -> paid and another moves
    its bill unpaid -> paid. Runs in the caller's unit of work; the caller commits."""
    order = await uow.billing.order_by_out_trade_no(tx.out_trade_no)
    if order is None:
        raise NotificationRejected("unknown_order", tx.out_trade_no)
    if tx.appid != order.appid:
        raise NotificationRejected("appid_mismatch", f"{tx.out_trade_no}: {tx.appid}")
    if tx.mchid != order.mchid:
        raise NotificationRejected("mchid_mismatch", f"{tx.out_trade_no}: {tx.mchid}")
    if tx.total_fen != order.amount_fen or tx.currency != "CNY":
        raise NotificationRejected(
            "amount_mismatch",
            f"{tx.out_trade_no}: {tx.total_fen} {tx.currency}, stored {order.amount_fen}",
        )
    if not tx.trade_state.paid:
        return Applied.NOT_PAID
    paid_at = tx.success_time or now
    paid = await uow.billing.mark_order_paid(
        tx.out_trade_no,
        appid=tx.appid,
        mchid=tx.mchid,
        amount_fen=tx.total_fen,
        transaction_id=tx.transaction_id,
        payer_openid=tx.payer_openid,
        paid_at=paid_at,
        now=now,
    )
    if paid is None:
        fresh = await uow.billing.order_by_out_trade_no(tx.out_trade_no) or order
        if fresh.state is OrderState.PAID:
            if fresh.transaction_id != tx.transaction_id:
                log.error(
                    "order %s paid as %s, now reported as %s",
                    tx.out_trade_no,
                    fresh.transaction_id,
                    tx.transaction_id,
                )
            return Applied.DUPLICATE
        # Closed here, yet WeChat Pay took the money: a person must look.
        log.error("order %s is %s but WeChat Pay says paid", tx.out_trade_no, fresh.state)
        bill = await uow.billing.get_bill(fresh.bill_id)
        await payment_notices.needs_review(uow, fresh.firm_id, fresh, "order_closed", now, bill)
        return Applied.REVIEW
    bill = await uow.billing.get_bill(paid.bill_id)
    if bill is None or not await uow.billing.mark_bill_paid(bill.id, paid.id, paid_at, now):
        log.error(
            "order %s paid, but its bill %s is %s",
            paid.out_trade_no,
            bill.number if bill else paid.bill_id,
            bill.status if bill else "missing",
        )
        await payment_notices.needs_review(uow, paid.firm_id, paid, "bill_not_payable", now, bill)
        return Applied.REVIEW
    bill = replace(bill, status=BillStatus.PAID, paid_at=paid_at, paid_order_id=paid.id)
    # A renewal's bill: the contract runs on to the end of the term paid for.
    renewed_until = await renewals.renewal_paid(uow, bill, paid, now)
    await payment_notices.payment_received(uow, bill, paid, now, renewed_until)
    # A catalogue order's bill: the order becomes a request.
    await service_catalogue.bill_paid(uow, bill, now)
    return Applied.PAID


async def close_order(
    uow: UnitOfWork, gateway: PayGateway, order: PaymentOrder, now: datetime
) -> OrderState:
    """Close an attempt at WeChat Pay, then here. If the payer paid it meanwhile, the payment
    is applied instead. Returns the order's state as it ends up (created: WeChat Pay could not
    be reached; the active query tries again). Call outside `async with uow`."""
    try:
        await gateway.close_order(order.out_trade_no)
    except GatewayError as exc:
        if exc.code == GatewayError.ORDER_PAID:
            return await check_order(uow, gateway, order, now)
        if exc.code not in (GatewayError.ORDER_CLOSED, GatewayError.ORDER_NOT_FOUND):
            log.warning("could not close %s at WeChat Pay: %s", order.out_trade_no, exc)
            return OrderState.CREATED
    async with uow:
        closed = await uow.billing.close_order(order.id, now)
        await uow.commit()
    if closed:
        return OrderState.CLOSED
    async with uow:
        fresh = await uow.billing.get_order(order.id)
    return fresh.state if fresh else OrderState.CLOSED


async def cancel_bill(
    uow: UnitOfWork,
    gateway: PayGateway | None,
    actor: Actor,
    bill_number: str,
    now: datetime,
) -> Bill:
    """Cancel an unpaid bill (staff and the system) and close its open attempts at WeChat Pay.
    An attempt the payer completed meanwhile is still applied (and the admins asked to look,
    as the bill no longer takes money). Call outside `async with uow`."""
    if not (actor.is_staff or actor.is_system):
        raise Forbidden("staff_only")
    async with uow:
        bill = await visible_bill(uow, actor, bill_number)
        if not await uow.billing.cancel_bill(bill.id, now):
            fresh = await uow.billing.get_bill(bill.id) or bill
            if fresh.status is BillStatus.CANCELLED:
                return fresh
            raise Conflict("bill_not_cancellable", number=bill.number, status=fresh.status)
        orders = [
            o for o in await uow.billing.orders_for_bill(bill.id) if o.state is OrderState.CREATED
        ]
        await uow.commit()
    log.info("bill %s cancelled by %s; closing %d attempts", bill.number, actor.kind, len(orders))
    for order in orders:
        if gateway is None:
            async with uow:
                await uow.billing.close_order(order.id, now)
                await uow.commit()
        else:
            await close_order(uow, gateway, order, now)
    async with uow:
        return await uow.billing.get_bill(bill.id) or bill


async def check_order(
    uow: UnitOfWork,
    gateway: PayGateway,
    order: PaymentOrder,
    now: datetime,
    policy: PaymentPolicy | None = None,
) -> OrderState:
    """Ask WeChat Pay about one attempt and act on the answer: paid -> applied; closed there
    -> closed here; unpaid and expired, or no longer wanted -> closed; else asked again
    later. The order's state as it ends up. Call outside `async with uow`."""
    policy = policy or PaymentPolicy()
    try:
        tx = await gateway.query_order(order.out_trade_no)
    except GatewayError as exc:
        log.warning("query of %s failed: %s", order.out_trade_no, exc)
        await _ask_again(uow, order, now, policy)
        return OrderState.CREATED
    if tx is None:
        if now - order.created_at >= policy.unknown_order_grace:
            async with uow:
                await uow.billing.close_order(order.id, now)
                await uow.commit()
            return OrderState.CLOSED
        await _ask_again(uow, order, now, policy)
        return OrderState.CREATED
    if tx.trade_state.paid:
        rejected: NotificationRejected | None = None
        async with uow:
            try:
                applied = await apply_payment(uow, tx, now)
            except NotificationRejected as exc:
                rejected = exc
            else:
                await uow.commit()
                log.info("order %s: %s by query", order.out_trade_no, applied.value)
            fresh = await uow.billing.get_order(order.id)
        if rejected is not None:
            # Our record and WeChat Pay's disagree: asking again will not help; a person must.
            log.error("WeChat Pay's answer about %s does not fit: %s", order.out_trade_no, rejected)
            await _stop_asking(uow, order)
        return fresh.state if fresh else OrderState.CREATED
    if tx.trade_state in (TradeState.CLOSED, TradeState.REVOKED):
        async with uow:
            await uow.billing.close_order(order.id, now)
            await uow.commit()
        return OrderState.CLOSED
    async with uow:
        bill = await uow.billing.get_bill(order.bill_id)
    unwanted = bill is None or bill.status is not BillStatus.UNPAID
    if tx.trade_state is not TradeState.USERPAYING and (unwanted or now >= order.expires_at):
        state = await close_order(uow, gateway, order, now)
        if state is OrderState.CREATED:
            await _ask_again(uow, order, now, policy)
        return state
    await _ask_again(uow, order, now, policy)
    return OrderState.CREATED


async def _ask_again(
    uow: UnitOfWork, order: PaymentOrder, now: datetime, policy: PaymentPolicy
) -> None:
    async with uow:
        await uow.billing.reschedule_query(order.id, policy.next_query_at(order, now))
        await uow.commit()


async def _stop_asking(uow: UnitOfWork, order: PaymentOrder) -> None:
    async with uow:
        await uow.billing.reschedule_query(order.id, None)
        await uow.commit()


async def check_due_orders(
    uow: UnitOfWork,
    gateway: PayGateway,
    now: datetime,
    policy: PaymentPolicy | None = None,
    limit: int = 50,
) -> QueryReport:
    """The active query: every created order whose next look is due is asked about, so a
    lost notification never leaves a paid bill unpaid. Each order is leased first (a
    conditional UPDATE), so two workers never ask about the same one at once; applying is
    exactly-once anyway. Call outside `async with uow`."""
    policy = policy or PaymentPolicy()
    report = QueryReport()
    async with uow:
        due = list(await uow.billing.orders_to_query(now, limit))
    for order in due:
        if order.next_query_at is None:
            continue
        async with uow:
            leased = await uow.billing.lease_query(
                order.id, order.next_query_at, now + policy.query_lease
            )
            await uow.commit()
        if not leased:
            continue
        report.checked += 1
        try:
            state = await check_order(uow, gateway, order, now, policy)
        except Exception:
            log.exception("checking order %s failed", order.out_trade_no)
            report.failed += 1
            continue
        if state is OrderState.PAID:
            report.paid += 1
        elif state is OrderState.CLOSED:
            report.closed += 1
        else:
            report.waiting += 1
    return report
