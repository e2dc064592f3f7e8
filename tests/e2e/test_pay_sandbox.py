"""Money in the sandbox, end to end over HTTP: a contract's bill is issued, an attempt opened
at the WeChat Pay emulator, paid through the JSAPI bridge, the signed and sealed notification
arrives, the bill is paid and the client told; a lost notification is found by the active
query; Native, cancelling and refunds; and nothing signed with another key is believed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.keys import PAY_KEYS
from bot.pay.client import WeChatPayClient
from bot.pay.jsapi import bridge_request
from bot.wechat.pay_protocol import MerchantSigner, PayKeys
from bot.workers.jobs import run_billing_issue, run_pay_queries
from domain import payments, refunds
from domain.billing import BillStatus, Channel, Cycle, OrderState
from domain.errors import DomainError
from domain.payments import GatewayError
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox
from tests.support.pay_keys import key


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def test_a_bill_is_issued_paid_in_wechat_and_the_client_told(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")  # the client's 48-hour window is open
    async with pay.uow() as uow:
        companies = await uow.identities.list_companies(pay.firm.id)
        await payments.add_contract(
            uow,
            pay.system,
            companies[0].id,
            30000,
            Cycle.QUARTERLY,
            date(2026, 1, 1),
            pay.clock.now(),
        )
        await uow.commit()
    assert await run_billing_issue(pay.chat.sessions, pay.clock) == 1
    assert await run_billing_issue(pay.chat.sessions, pay.clock) == 0  # idempotent
    bill = await pay.bill("B1001")
    assert bill.amount_fen == 90000 and bill.status is BillStatus.UNPAID

    order = await pay.open(bill.number)
    assert order.prepay_id and order.out_trade_no
    keys: PayKeys = pay.app[PAY_KEYS]
    params = bridge_request(pay.client.appid, order.prepay_id, keys.merchant, pay.now_ts())
    result = await pay.api("POST", "/sandbox/api/pay/bridge", json={**params, "openid": PAYER})
    assert result["err_msg"] == "get_brand_wcpay_request:ok", result
    assert result["notification"]["status"] == 204

    bill = await pay.bill("B1001")
    assert bill.status is BillStatus.PAID and bill.paid_order_id == order.id
    (listed,) = await pay.api("GET", "/sandbox/api/pay/orders")
    assert listed["out_trade_no"] == order.out_trade_no and listed["state"] == "SUCCESS"
    assert listed["amount_fen"] == 90000 and listed["payer_openid"] == PAYER
    assert listed["appid"] == pay.client.appid and listed["mchid"] == pay.client.mchid
    assert listed["notify_url"] == pay.url("/pay/notify")

    async def told() -> bool:
        return any("已收到" in m.get("text", "") for m in await pay.chat.outbox_json(PAYER))

    await pay.chat.wait_for(told)


async def test_a_lost_notification_is_found_by_the_active_query(pay: PayChat) -> None:
    bill = await pay.contract_bill()
    order = await pay.open(bill.number)
    assert (await pay.api("POST", "/sandbox/api/pay/lose-notifications", json={"count": 1})) == {
        "lose_notifications": 1
    }
    paid = await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})
    assert paid["notification"]["lost"] is True and paid["order"]["state"] == "SUCCESS"
    assert (await pay.bill(bill.number)).status is BillStatus.UNPAID

    report = await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
    assert report.checked == 0  # not due: the notification may still come
    pay.clock.advance(seconds=31)
    report = await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
    assert (report.checked, report.paid) == (1, 1)
    assert (await pay.bill(bill.number)).status is BillStatus.PAID
    # WeChat Pay's notification comes after all: answered, nothing changes.
    again = await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/notify")
    assert again["notification"]["status"] == 204 and pay.stats.duplicate == 1


async def test_native_cancel_and_refund_through_the_emulator(pay: PayChat) -> None:
    first = await pay.contract_bill(company=0)
    native = await pay.open(first.number, Channel.NATIVE)
    assert native.code_url and native.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    await payments.cancel_bill(pay.uow(), pay.client, pay.system, first.number, pay.clock.now())
    orders = {o["out_trade_no"]: o for o in await pay.api("GET", "/sandbox/api/pay/orders")}
    assert orders[native.out_trade_no]["state"] == "CLOSED"
    assert (await pay.order(native.out_trade_no)).state is OrderState.CLOSED

    second = await pay.contract_bill(company=1)
    scan = await pay.open(second.number, Channel.NATIVE)
    paid = await pay.api(
        "POST", f"/sandbox/api/pay/orders/{scan.out_trade_no}/pay", json={"openid": "o_scanner"}
    )
    assert paid["notification"]["status"] == 204
    assert (await pay.order(scan.out_trade_no)).payer_openid == "o_scanner"

    refund = await refunds.request_refund(
        pay.uow(), pay.client, pay.system, second.number, 30000, "重复缴费", pay.clock.now()
    )
    assert refund.status.value == "PROCESSING"

    async def refunded() -> bool:
        return (await pay.bill(second.number)).status is BillStatus.REFUNDED

    await pay.chat.wait_for(refunded)  # the emulator settles it and notifies /pay/refund-notify
    (r,) = await pay.api("GET", "/sandbox/api/pay/refunds")
    assert r["status"] == "SUCCESS" and r["notifications"][0]["status"] == 204


async def test_the_emulator_refuses_requests_the_merchant_did_not_sign(pay: PayChat) -> None:
    keys: PayKeys = pay.app[PAY_KEYS]
    impostor = WeChatPayClient(
        pay.chat.session,
        pay.client.base_url,
        PayKeys(
            keys.mchid,
            MerchantSigner(keys.mchid, keys.merchant.serial, key("stranger")),
            keys.platform,
            keys.cipher,
        ),
        pay.client.appid,
        pay.client.notify_url,
        pay.client.refund_notify_url,
        pay.clock,
    )
    with pytest.raises(GatewayError) as exc:
        await impostor.query_order("F1B1001N1ABCDEF")
    assert exc.value.code == GatewayError.REFUSED and "签名错误" in exc.value.message


async def test_the_app_believes_nothing_signed_with_another_platform_key(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The app verifies with the configured public key; the emulator, without the matching
    private key, signs with one of its own: its answers and notifications are refused."""
    async with running_pay_sandbox(sqlite_url, tmp_path, sandbox_pay_platform_key_path="") as pay:
        bill = await pay.contract_bill()
        with pytest.raises(DomainError) as exc:
            await pay.open(bill.number)
        assert exc.value.code == "pay_unavailable"
        (made,) = await pay.api("GET", "/sandbox/api/pay/orders")  # it did reach the emulator
        paid = await pay.api("POST", f"/sandbox/api/pay/orders/{made['out_trade_no']}/pay", json={})
        assert paid["notification"]["status"] == 401
        pay.clock.advance(seconds=31)
        report = await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
        assert report.paid == 0
        assert (await pay.bill(bill.number)).status is BillStatus.UNPAID
        key_info = await pay.api("GET", "/sandbox/api/pay/public-key")
        assert key_info["app_verifies_with_it"] is False


async def test_the_scheduler_bills_and_finds_lost_payments_by_itself(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_pay_sandbox(
        sqlite_url, tmp_path, own_keys=False, scheduler=True, scheduler_interval_s=0.1
    ) as pay:
        async with pay.uow() as uow:
            (company, *_) = await uow.identities.list_companies(pay.firm.id)
            await payments.add_contract(
                uow,
                pay.system,
                company.id,
                30000,
                Cycle.MONTHLY,
                date(2026, 1, 1),
                pay.clock.now(),
            )
            await uow.commit()

        async def issued() -> bool:
            async with pay.uow() as uow:
                return await uow.billing.bill_by_number(pay.firm.id, "B1001") is not None

        await pay.chat.wait_for(issued)
        order = await pay.open("B1001")
        await pay.api("POST", "/sandbox/api/pay/lose-notifications", json={"count": 1})
        await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})
        pay.clock.advance(seconds=31)

        async def paid() -> bool:
            return (await pay.bill("B1001")).status is BillStatus.PAID

        await pay.chat.wait_for(paid)
