"""Refunds an admin asks for in the chat ("退款 B1024 200元") or on the panel's bill page: what
would be refunded is shown first (`plan`), and only the confirmation records it (`ask`). The
confirmation names its ask (`request_key`, unique per bill), so a double tap, a repeated form
or two workers at once record one refund and set its amount aside once.

The edges never call WeChat Pay: a recorded refund waits (`submitted_at` empty) until the pay
worker sends it (`submit_waiting`, in the same job as the active query). WeChat Pay takes the
same out_refund_no twice as one refund, so a send repeated after an outage refunds once.
The client hears when the refund settles (`domain.payment_notices.refund_settled`); a refund
WeChat Pay refuses gives its amount back and goes to the admins.

```mermaid
stateDiagram-v2
    [*] --> shown: "退款 B… [金额]" / the panel's form (plan: nothing changes)
    shown --> recorded: confirmation (ask: amount set aside, once per key, audit entry)
    recorded --> sent: the pay worker asks WeChat Pay (submit_waiting)
    sent --> [*]: SUCCESS -> client told / CLOSED -> amount given back
```
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import payment_notices
from domain.actors import Actor
from domain.audit import entry
from domain.billing import (
    MAX_BILL_FEN,
    Bill,
    BillStatus,
    NewRefund,
    PaymentOrder,
    Refund,
    RefundRequest,
    RefundStatus,
    new_out_refund_no,
)
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.panel_ports import PanelUnitOfWork
from domain.payments import GatewayError, NotificationRejected, visible_bill
from domain.ports import PayGateway, UnitOfWork
from domain.refunds import apply_refund, reserve_refund

log = logging.getLogger(__name__)

MAX_KEY = 80
MAX_REASON = 80


@dataclass(frozen=True)
class RefundPlan:
    """What a confirmed refund would do: `amount_fen` of `bill` back to the payer of its
    payment (`payer_openid`, named `payer_name` when a contact of the firm paid)."""

    bill: Bill
    order: PaymentOrder
    amount_fen: int
    left_fen: int  # what may still be refunded (paid, less refunds asked for and not closed)
    payer_name: str

    @property
    def in_full(self) -> bool:
        return self.amount_fen == self.left_fen


@dataclass(frozen=True)
class BillRefunds:
    """A bill as the refund page shows it: its payment (None: unpaid) and refunds so far."""

    bill: Bill
    order: PaymentOrder | None
    refunds: Sequence[Refund]
    payer_name: str

    @property
    def left_fen(self) -> int:
        """What may still be refunded (0 for a bill that is not paid)."""
        if self.order is None or self.bill.status is not BillStatus.PAID:
            return 0
        return max(self.order.amount_fen - self.order.refund_reserved_fen, 0)


def _admins_only(actor: Actor) -> None:
    if not actor.may_manage:
        raise Forbidden("admins_only_refunds")


async def plan(
    uow: UnitOfWork, actor: Actor, number: str, amount_fen: int | None = None
) -> RefundPlan:
    """Check a refund of `amount_fen` (None: all that is left) of bill `number` and say what
    it would do; nothing changes. Admins and the system only; another firm's bill reads as
    not found."""
    _admins_only(actor)
    if amount_fen is not None and not 0 < amount_fen <= MAX_BILL_FEN:
        raise Invalid("bad_amount", amount_fen=amount_fen, limit_fen=MAX_BILL_FEN)
    bill = await visible_bill(uow, actor, number)
    if bill.paid_offline:
        raise Conflict("refund_paid_offline", number=bill.number)
    if bill.status is not BillStatus.PAID or bill.paid_order_id is None:
        raise Conflict("bill_not_paid", number=bill.number, status=bill.status)
    order = await uow.billing.get_order(bill.paid_order_id)
    if order is None:
        raise NotFound("payment_not_found", number=bill.number)
    left = max(order.amount_fen - order.refund_reserved_fen, 0)
    if left == 0:
        raise Conflict("refund_nothing_left", number=bill.number)
    amount = left if amount_fen is None else amount_fen
    if amount > left:
        raise Conflict("refund_too_much", number=bill.number, left_fen=left)
    return RefundPlan(bill, order, amount, left, await _payer_name(uow, bill, order))


async def bill_refunds(uow: UnitOfWork, actor: Actor, number: str) -> BillRefunds:
    """Bill `number` with its payment and refunds (admins and the system)."""
    _admins_only(actor)
    bill = await visible_bill(uow, actor, number)
    order = await uow.billing.get_order(bill.paid_order_id) if bill.paid_order_id else None
    refunds = await uow.billing.refunds_for_bill(bill.id)
    payer = await _payer_name(uow, bill, order) if order is not None else ""
    return BillRefunds(bill, order, refunds, payer)


async def _payer_name(uow: UnitOfWork, bill: Bill, order: PaymentOrder) -> str:
    if not order.payer_openid:
        return ""
    for contact in await uow.identities.list_contacts(bill.company_id):
        if contact.openid == order.payer_openid:
            return contact.name
    return ""


async def asked_before(
    uow: UnitOfWork, actor: Actor, number: str, request_key: str
) -> Refund | None:
    """The refund this ask recorded already, if any (admins and the system)."""
    _admins_only(actor)
    bill = await visible_bill(uow, actor, number)
    return await uow.billing.refund_by_key(bill.id, request_key.strip()[:MAX_KEY])


async def ask(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    amount_fen: int,
    request_key: str,
    now: datetime,
    reason: str = "",
) -> tuple[Refund, bool]:
    """Record the confirmed refund (once per bill and `request_key`): its amount set aside on
    the payment (a conditional UPDATE: never more than was paid) and an out_refund_no.
    (refund, recorded by this call); a repeated ask returns the first refund.
    Runs in the caller's unit of work; the pay worker sends it to WeChat Pay."""
    _admins_only(actor)
    key = request_key.strip()[:MAX_KEY]
    if not key:
        raise Invalid("refund_key_missing")
    bill = await visible_bill(uow, actor, number)
    done = await uow.billing.refund_by_key(bill.id, key)
    if done is not None:
        return done, False
    chosen = await plan(uow, actor, number, amount_fen)
    order = chosen.order
    await reserve_refund(uow, bill.number, order, amount_fen)
    seq = await uow.billing.count_refunds(order.id) + 1
    refund = await uow.billing.add_refund_once(
        NewRefund(
            order_id=order.id,
            bill_id=bill.id,
            out_refund_no=new_out_refund_no(order.out_trade_no, seq),
            amount_fen=amount_fen,
            total_fen=order.amount_fen,
            reason=reason.strip()[:MAX_REASON],
            requested_by=actor.name or actor.kind.value,
            created_at=now,
            request_key=key,
        )
    )
    if refund is None:
        # The same ask recorded by a racing call: give back what this one set aside.
        await uow.billing.release_refund(order.id, amount_fen)
        done = await uow.billing.refund_by_key(bill.id, key)
        if done is None:
            raise Conflict("refund_busy", number=bill.number)
        return done, False
    log.info(
        "refund %s of %s fen asked for %s by %s",
        refund.out_refund_no,
        amount_fen,
        bill.number,
        actor.name,
    )
    # The audit entry in the same transaction, whether asked in the chat or the panel.
    await uow.audit.add(
        entry(
            actor,
            "refund_requested",
            f"{bill.number} {bill.company_name}",
            now,
            before={"status": bill.status.value, "refunded_fen": bill.refunded_fen},
            after={
                "amount_fen": refund.amount_fen,
                "out_refund_no": refund.out_refund_no,
                "reason": refund.reason,
            },
        )
    )
    return refund, True


async def ask_in_panel(
    uow: PanelUnitOfWork,
    actor: Actor,
    number: str,
    amount_fen: int,
    request_key: str,
    now: datetime,
    reason: str = "",
) -> tuple[Refund, bool]:
    """`ask`, from the panel (`ask` writes the audit entry, for the chat's refunds too)."""
    return await ask(uow, actor, number, amount_fen, request_key, now, reason)


async def submit_waiting(
    uow: UnitOfWork, gateway: PayGateway, now: datetime, limit: int = 20
) -> int:
    """Send recorded refunds to WeChat Pay, each taken first (a conditional UPDATE, so two
    workers never both send one), and apply the answer. An outage hands the refund back for
    the next run; a refusal closes it, gives its amount back and tells the admins. Returns how
    many were sent. Call outside `async with uow`."""
    async with uow:
        waiting = list(await uow.billing.refunds_to_submit(limit))
    sent = 0
    for refund in waiting:
        async with uow:
            taken = await uow.billing.mark_refund_submitted(refund.id, now)
            order = await uow.billing.get_order(refund.order_id)
            await uow.commit()
        if not taken or order is None:
            continue
        try:
            result = await gateway.refund(
                RefundRequest(
                    out_trade_no=order.out_trade_no,
                    out_refund_no=refund.out_refund_no,
                    amount_fen=refund.amount_fen,
                    total_fen=refund.total_fen,
                    reason=refund.reason,
                )
            )
        except GatewayError as exc:
            await _not_sent(uow, refund, order, exc, now)
            continue
        sent += 1
        async with uow:
            try:
                await apply_refund(uow, result, now)
            except NotificationRejected as exc:
                log.error(
                    "WeChat Pay's answer about %s does not fit: %s", refund.out_refund_no, exc
                )
                continue
            await uow.commit()
    return sent


async def _not_sent(
    uow: UnitOfWork, refund: Refund, order: PaymentOrder, exc: GatewayError, now: datetime
) -> None:
    async with uow:
        if exc.retryable:
            log.warning("refund %s not sent (%s); next run tries again", refund.out_refund_no, exc)
            await uow.billing.mark_refund_submitted(refund.id, None)
        else:
            log.error("WeChat Pay refused refund %s: %s", refund.out_refund_no, exc)
            if await uow.billing.settle_refund(
                refund.id, frozenset({RefundStatus.PROCESSING}), RefundStatus.CLOSED, now
            ):
                await uow.billing.release_refund(order.id, refund.amount_fen)
                bill = await uow.billing.get_bill(refund.bill_id)
                await payment_notices.needs_review(
                    uow, order.firm_id, order, "refund_refused", now, bill, refund
                )
        await uow.commit()
