"""The refund use cases: setting an amount aside, asking WeChat Pay, applying what it says and
asking again about refunds still processing.

`apply_refund` and `reserve_refund` run inside the caller's unit of work; `request_refund` and
`check_due_refunds` talk to WeChat Pay and own their transactions (call them outside `async
with uow`), like the payment use cases in `domain.payments`: what must be remembered before a
call (a refund set aside, its out_refund_no) is committed first.
"""

from __future__ import annotations

import logging
from datetime import datetime

from domain import payment_notices
from domain.actors import Actor
from domain.billing import (
    MAX_BILL_FEN,
    BillStatus,
    NewRefund,
    PaymentOrder,
    Refund,
    RefundRequest,
    RefundResult,
    RefundStatus,
    new_out_refund_no,
)
from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from domain.payments import GatewayError, NotificationRejected, PaymentPolicy, visible_bill
from domain.ports import PayGateway, UnitOfWork

log = logging.getLogger(__name__)


async def reserve_refund(
    uow: UnitOfWork, number: str, order: PaymentOrder, amount_fen: int
) -> None:
    """Set `amount_fen` of the order aside for a refund, or refuse with what is left (read
    again, after a racing refund). Shared by the refund paths (chat, panel, domain)."""
    if not await uow.billing.reserve_refund(order.id, amount_fen):
        fresh = await uow.billing.get_order(order.id) or order
        left = max(fresh.amount_fen - fresh.refund_reserved_fen, 0)
        raise Conflict("refund_too_much", number=number, left_fen=left)


async def request_refund(
    uow: UnitOfWork,
    gateway: PayGateway,
    actor: Actor,
    bill_number: str,
    amount_fen: int,
    reason: str,
    now: datetime,
) -> Refund:
    """Refund part or all of a paid bill to the payer. The amount is set aside on the order
    first (a conditional UPDATE: refunds never exceed what was paid, however many staff ask
    at once), the refund is recorded with a new out_refund_no, then asked of WeChat Pay.
    Admins and the system. Call outside `async with uow`."""
    if not actor.may_manage:
        raise Forbidden("admins_only_refunds")
    if amount_fen <= 0:
        raise Invalid("bad_amount", amount_fen=amount_fen, limit_fen=MAX_BILL_FEN)
    reason = reason.strip()[:80]
    async with uow:
        bill = await visible_bill(uow, actor, bill_number)
        if bill.paid_offline:
            raise Conflict("refund_paid_offline", number=bill.number)
        if bill.status is not BillStatus.PAID or bill.paid_order_id is None:
            raise Conflict("bill_not_paid", number=bill.number, status=bill.status)
        order = await uow.billing.get_order(bill.paid_order_id)
        if order is None:
            raise NotFound("payment_not_found", number=bill.number)
        await reserve_refund(uow, bill.number, order, amount_fen)
        number = await uow.billing.count_refunds(order.id) + 1
        refund = await uow.billing.add_refund(
            NewRefund(
                order_id=order.id,
                bill_id=bill.id,
                out_refund_no=new_out_refund_no(order.out_trade_no, number),
                amount_fen=amount_fen,
                total_fen=order.amount_fen,
                reason=reason,
                requested_by=actor.name or actor.kind.value,
                created_at=now,
                submitted_at=now,
            )
        )
        await uow.commit()
    try:
        result = await gateway.refund(
            RefundRequest(
                out_trade_no=order.out_trade_no,
                out_refund_no=refund.out_refund_no,
                amount_fen=amount_fen,
                total_fen=order.amount_fen,
                reason=reason,
            )
        )
    except GatewayError as exc:
        if exc.retryable:
            # It may have reached WeChat Pay: the refund stays processing and is asked about.
            log.warning("refund %s: WeChat Pay unreachable (%s)", refund.out_refund_no, exc)
            return refund
        async with uow:
            if await uow.billing.settle_refund(
                refund.id, frozenset({RefundStatus.PROCESSING}), RefundStatus.CLOSED, now
            ):
                await uow.billing.release_refund(order.id, amount_fen)
            await uow.commit()
        raise DomainError(
            "refund_refused", number=bill.number, reason=exc.message or exc.code
        ) from exc
    async with uow:
        await apply_refund(uow, result, now)
        await uow.commit()
        return await uow.billing.refund_by_out_refund_no(refund.out_refund_no) or refund


async def apply_refund(uow: UnitOfWork, result: RefundResult, now: datetime) -> RefundStatus:
    """Apply what WeChat Pay says about a refund (its answer, a notification or a query),
    exactly once: the refund must be ours and agree on the trade, mchid and amounts (else
    `NotificationRejected`). Success adds the refund to the order and the bill (a bill refunded
    in full becomes `refunded`); closed gives the set-aside amount back. Runs in the caller's
    unit of work; returns the refund's status as it ends up."""
    refund = await uow.billing.refund_by_out_refund_no(result.out_refund_no)
    if refund is None:
        raise NotificationRejected("unknown_refund", result.out_refund_no)
    order = await uow.billing.get_order(refund.order_id)
    if order is None or result.out_trade_no != order.out_trade_no:
        raise NotificationRejected("trade_mismatch", result.out_refund_no)
    if result.mchid and result.mchid != order.mchid:
        raise NotificationRejected("mchid_mismatch", result.out_refund_no)
    if result.refund_fen != refund.amount_fen or result.total_fen != refund.total_fen:
        raise NotificationRejected(
            "amount_mismatch",
            f"{result.out_refund_no}: {result.refund_fen}/{result.total_fen}, "
            f"stored {refund.amount_fen}/{refund.total_fen}",
        )
    open_ = frozenset({RefundStatus.PROCESSING, RefundStatus.ABNORMAL})
    if result.status is RefundStatus.SUCCESS:
        if await uow.billing.settle_refund(
            refund.id, open_, RefundStatus.SUCCESS, now, result.refund_id
        ):
            await uow.billing.add_order_refunded(order.id, refund.amount_fen)
            await uow.billing.add_bill_refund(refund.bill_id, refund.amount_fen, now)
            bill = await uow.billing.get_bill(refund.bill_id)
            if bill is not None:
                await payment_notices.refund_settled(uow, bill, refund, now)
        return RefundStatus.SUCCESS
    if result.status is RefundStatus.CLOSED:
        if await uow.billing.settle_refund(
            refund.id, open_, RefundStatus.CLOSED, now, result.refund_id
        ):
            await uow.billing.release_refund(order.id, refund.amount_fen)
        return RefundStatus.CLOSED
    if result.status is RefundStatus.ABNORMAL:
        if await uow.billing.settle_refund(
            refund.id,
            frozenset({RefundStatus.PROCESSING}),
            RefundStatus.ABNORMAL,
            now,
            result.refund_id,
        ):
            bill = await uow.billing.get_bill(refund.bill_id)
            await payment_notices.needs_review(
                uow, order.firm_id, order, "refund_abnormal", now, bill, refund
            )
        return RefundStatus.ABNORMAL
    return refund.status


async def check_due_refunds(
    uow: UnitOfWork,
    gateway: PayGateway,
    now: datetime,
    policy: PaymentPolicy | None = None,
    limit: int = 50,
) -> int:
    """Ask WeChat Pay about refunds still processing a while after they were asked for (their
    notification late or lost); one WeChat Pay does not know goes back to the sender
    (`domain.refund_asks.submit_waiting`). Applying is exactly-once. Returns how many were
    settled."""
    policy = policy or PaymentPolicy()
    async with uow:
        waiting = list(await uow.billing.refunds_to_query(now - policy.refund_query_after, limit))
    settled = 0
    for refund in waiting:
        try:
            result = await gateway.query_refund(refund.out_refund_no)
        except GatewayError as exc:
            log.warning("refund query of %s failed: %s", refund.out_refund_no, exc)
            continue
        if result is None:
            # WeChat Pay never got it (our process died between taking and sending it):
            # the sender sends it again (the same out_refund_no, so at most one refund).
            async with uow:
                await uow.billing.mark_refund_submitted(refund.id, None)
                await uow.commit()
            continue
        async with uow:
            try:
                status = await apply_refund(uow, result, now)
            except NotificationRejected as exc:
                log.error(
                    "WeChat Pay's answer about %s does not fit: %s", refund.out_refund_no, exc
                )
                continue
            await uow.commit()
        settled += status is not RefundStatus.PROCESSING
    return settled
