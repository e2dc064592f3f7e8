"""`/pay/notify` and `/pay/refund-notify` against the real app: every way a notification is
refused (and that nothing changes), the answers WeChat Pay expects, and exactly one paid
transition when the same notification arrives three times at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.pay import notify
from domain.billing import BillStatus, OrderState, PaymentOrder
from storage.tables.messaging import OutboxRow
from tests.support.pay_app import PayChat, running_pay_sandbox
from tests.support.pay_keys import key, notification


@pytest.fixture
async def pay(db_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(db_url, tmp_path) as chat:
        yield chat


async def attempt(pay: PayChat) -> PaymentOrder:
    bill = await pay.contract_bill()
    return await pay.open(bill.number)


def assert_fail(status: int, body: str, expected: int) -> dict[str, Any]:
    assert status == expected, body
    answer = json.loads(body)
    assert answer["code"] == "FAIL" and answer["message"]
    assert "Traceback" not in body
    return answer


async def assert_unpaid(pay: PayChat, order: PaymentOrder) -> None:
    assert (await pay.order(order.out_trade_no)).state is OrderState.CREATED
    async with pay.uow() as uow:
        bill = await uow.billing.get_bill(order.bill_id)
    assert bill is not None and bill.status is BillStatus.UNPAID


async def test_a_true_notification_pays_the_bill_and_is_answered_with_no_body(
    pay: PayChat,
) -> None:
    order = await attempt(pay)
    headers, body = notification(pay.resource(order), pay.now_ts())
    status, text = await pay.post(headers, body)
    assert (status, text) == (204, "")
    paid = await pay.order(order.out_trade_no)
    assert paid.state is OrderState.PAID and paid.transaction_id == "4200000000202601010000000001"
    async with pay.uow() as uow:
        bill = await uow.billing.get_bill(order.bill_id)
    assert bill is not None and bill.status is BillStatus.PAID
    again = await pay.post(headers, body)  # WeChat Pay repeats itself for a day
    assert again == (204, "")
    assert (pay.stats.paid, pay.stats.duplicate) == (1, 1)


async def test_the_same_notification_three_times_at_once_pays_once(pay: PayChat) -> None:
    order = await attempt(pay)
    headers, body = notification(pay.resource(order), pay.now_ts())
    answers = await asyncio.gather(*(pay.post(headers, body) for _ in range(3)))
    assert answers == [(204, "")] * 3
    assert (pay.stats.paid, pay.stats.duplicate) == (1, 2)
    async with pay.chat.sessions() as s:
        told = (
            await s.scalars(select(OutboxRow.recipient).where(OutboxRow.kind == "payment_received"))
        ).all()
    assert sorted(told) == ["o_story_client_1", "o_story_staff_1"]


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("bad signature", 401),
        ("unknown serial", 401),
        ("stale timestamp", 401),
        ("future timestamp", 401),
        ("no signature headers", 401),
        ("changed after signing", 401),
        ("bad GCM tag", 400),
        ("body not JSON", 400),
        ("no resource", 400),
        ("too large", 413),
    ],
)
async def test_a_notification_that_does_not_hold_up_is_refused(
    pay: PayChat, how: str, status: int
) -> None:
    order = await attempt(pay)
    resource = pay.resource(order)
    now = pay.now_ts()
    if how == "bad signature":
        headers, body = notification(resource, now, signer=key("stranger"))
    elif how == "unknown serial":
        headers, body = notification(resource, now, serial="PUB_KEY_ID_0119999999999999")
    elif how == "stale timestamp":
        headers, body = notification(resource, now - 301)
    elif how == "future timestamp":
        headers, body = notification(resource, now + 301)
    elif how == "no signature headers":
        headers, body = notification(resource, now)
        headers = {"Content-Type": "application/json"}
    elif how == "changed after signing":
        headers, body = notification(resource, now)
        body = body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESs")
    elif how == "bad GCM tag":
        headers, body = notification(resource, now, apiv3_key="0" * 32)
    elif how == "body not JSON":
        headers, body = notification(resource, now, body=b"<xml>not json</xml>")
    elif how == "no resource":
        headers, body = notification(resource, now, body=b'{"event_type":"TRANSACTION.SUCCESS"}')
    else:
        headers, body = notification(resource, now, body=b"{" + b" " * 20000 + b"}")
    assert_fail(*await pay.post(headers, body), expected=status)
    await assert_unpaid(pay, order)
    assert pay.stats.refused == 1 and pay.stats.paid == 0


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"amount": {"total": 1, "payer_total": 1, "currency": "CNY"}}, 400, "金额与订单不符"),
        ({"appid": "wx00000000000000ff"}, 400, "appid与订单不符"),
        ({"mchid": "1900000999"}, 400, "商户号与订单不符"),
        ({"out_trade_no": "F1B9999N1DEADBEEF"}, 404, "订单不存在"),
        ({"amount": {"total": "30000"}}, 400, "报文字段不全"),
    ],
)
async def test_a_verified_notification_that_does_not_fit_the_order_is_refused(
    pay: PayChat, change: dict[str, Any], status: int, message: str
) -> None:
    order = await attempt(pay)
    headers, body = notification(pay.resource(order, **change), pay.now_ts())
    answer = assert_fail(*await pay.post(headers, body), expected=status)
    assert answer["message"] == message
    await assert_unpaid(pay, order)


async def test_a_notification_of_an_unpaid_state_changes_nothing(pay: PayChat) -> None:
    order = await attempt(pay)
    headers, body = notification(pay.resource(order, trade_state="NOTPAY"), pay.now_ts())
    assert await pay.post(headers, body) == (204, "")
    await assert_unpaid(pay, order)


async def test_a_refund_notification_for_an_unknown_refund_is_refused(pay: PayChat) -> None:
    order = await attempt(pay)
    resource = {
        "mchid": order.mchid,
        "out_trade_no": order.out_trade_no,
        "transaction_id": "4200000000202601010000000001",
        "out_refund_no": f"{order.out_trade_no}R9",
        "refund_id": "50300000000000000001",
        "refund_status": "SUCCESS",
        "success_time": "2026-01-01T10:05:00+08:00",
        "user_received_account": "支付用户零钱",
        "amount": {"total": order.amount_fen, "refund": 100, "payer_total": 1, "payer_refund": 1},
    }
    headers, body = notification(
        resource, pay.now_ts(), event_type="REFUND.SUCCESS", original_type="refund"
    )
    answer = assert_fail(*await pay.post(headers, body, "/pay/refund-notify"), expected=404)
    assert answer["message"] == "退款单不存在"
    stale, body = notification(
        resource, pay.now_ts() - 600, event_type="REFUND.SUCCESS", original_type="refund"
    )
    assert_fail(*await pay.post(stale, body, "/pay/refund-notify"), expected=401)


async def test_a_failure_of_ours_is_a_500_so_wechat_pay_tries_again(
    pay: PayChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await attempt(pay)
    headers, body = notification(pay.resource(order), pay.now_ts())

    async def database_down(*args: Any) -> Any:
        raise OperationalError("UPDATE payment_orders", {}, OSError("connection refused"))

    with monkeypatch.context() as patch:
        patch.setattr(notify.payments, "apply_payment", database_down)
        answer = assert_fail(*await pay.post(headers, body), expected=500)
    assert "系统繁忙" in answer["message"] and pay.stats.failed == 1
    await assert_unpaid(pay, order)
    assert await pay.post(headers, body) == (204, "")  # WeChat Pay's next try
    assert pay.stats.paid == 1
