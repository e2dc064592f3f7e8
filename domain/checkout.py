"""Paying a bill from the /m/ checkout inside WeChat (JSAPI): the attempt a payer taps 支付
on. A second tap, a reload or a return to the page within the attempt's life gets the same
attempt (the same out_trade_no and prepay_id), so one bill never has two live JSAPI orders for
one payer: WeChat Pay pays an out_trade_no once, and so the bill is paid once."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.actors import Actor
from domain.billing import Channel, OrderState, PaymentOrder
from domain.errors import Forbidden
from domain.payments import PaymentPolicy, open_order, refuse_unless_payable, visible_bill
from domain.ports import PayGateway, UnitOfWork

# An attempt this close to its end is not handed out again: the payer needs time to pay.
REUSE_MARGIN = timedelta(minutes=5)


async def live_attempt(
    uow: UnitOfWork, bill_id: int, payer_openid: str, now: datetime
) -> PaymentOrder | None:
    """The payer's JSAPI attempt on this bill that may still be paid, if any."""
    for order in await uow.billing.orders_for_bill(bill_id):
        if (
            order.channel is Channel.JSAPI
            and order.state is OrderState.CREATED
            and order.payer_openid == payer_openid
            and order.prepay_id
            and order.expires_at - REUSE_MARGIN > now
        ):
            return order
    return None


def _live_native(orders: list[PaymentOrder], now: datetime) -> PaymentOrder | None:
    for order in orders:
        if (
            order.channel is Channel.NATIVE
            and order.state is OrderState.CREATED
            and order.code_url
            and order.expires_at - REUSE_MARGIN > now
        ):
            return order
    return None


async def pay_by_qr(
    uow: UnitOfWork,
    gateway: PayGateway,
    actor: Actor,
    bill_number: str,
    now: datetime,
    policy: PaymentPolicy | None = None,
) -> PaymentOrder:
    """The checkout opened outside WeChat (a PC): a Native attempt whose code_url the page
    shows as a QR code to scan with WeChat. A live one is shown again (a reload never opens a
    second); the same refusals as `pay_in_wechat`. Call outside `async with uow`."""
    if not actor.is_client:
        raise Forbidden("clients_only")
    async with uow:
        bill = await visible_bill(uow, actor, bill_number)
        refuse_unless_payable(bill, now)
        live = _live_native(list(await uow.billing.orders_for_bill(bill.id)), now)
    if live is not None:
        return live
    return await open_order(uow, gateway, actor, bill_number, Channel.NATIVE, now, policy=policy)


async def pay_in_wechat(
    uow: UnitOfWork,
    gateway: PayGateway,
    actor: Actor,
    bill_number: str,
    payer_openid: str,
    now: datetime,
    policy: PaymentPolicy | None = None,
) -> PaymentOrder:
    """The attempt for the checkout's 支付: the live one, or a new one at WeChat Pay. Only a
    client pays, and only their own company's bill (another's reads as not found); a paid,
    cancelled, refunded or expired bill refuses. Call outside `async with uow`."""
    if not actor.is_client:
        raise Forbidden("clients_only")
    async with uow:
        bill = await visible_bill(uow, actor, bill_number)
        refuse_unless_payable(bill, now)
        live = await live_attempt(uow, bill.id, payer_openid, now)
    if live is not None:
        return live
    return await open_order(
        uow,
        gateway,
        actor,
        bill_number,
        Channel.JSAPI,
        now,
        payer_openid=payer_openid,
        policy=policy,
    )
