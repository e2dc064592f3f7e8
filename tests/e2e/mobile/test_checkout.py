"""The /m/ checkout over HTTP: the client pays their own bill through the JSAPI bridge (a
double tap is the same attempt, so WeChat Pay can take the money once), the notification
settles it and the page and the chat say so; someone else's bill, a paid bill and a request
from another site open nothing at WeChat Pay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.workers.jobs import run_pay_queries
from domain.billing import BillStatus
from tests.support.mobile import MobileVisitor, mobile_visitor
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

OTHER_CLIENT = "o_story_client_2"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


@pytest.fixture
async def phone(pay: PayChat) -> AsyncIterator[MobileVisitor]:
    async with mobile_visitor(pay.url("/")) as visitor:
        yield visitor


async def _tap_pay(phone: MobileVisitor, number: str) -> dict[str, Any]:
    async with phone.session.post(
        f"{phone.origin}/m/pay/{number}/order", headers={"Origin": phone.origin}
    ) as resp:
        assert resp.status == 200
        data: dict[str, Any] = await resp.json()
        return data


async def test_the_client_pays_in_the_checkout_once_and_is_told(
    pay: PayChat, phone: MobileVisitor
) -> None:
    await pay.chat.say(PAYER, "你好")  # the 48-hour window is open
    bill = await pay.contract_bill(fee_fen=30000)
    page = await phone.open_as(PAYER, f"/m/pay/{bill.number}")
    assert page.status == 200 and "微信支付 ¥300.00" in page.text and "checkout.js" in page.text

    first = await _tap_pay(phone, bill.number)
    second = await _tap_pay(phone, bill.number)  # a double tap
    assert first["ok"] and second["ok"]
    assert first["request"]["package"] == second["request"]["package"]
    (order,) = await pay.api("GET", "/sandbox/api/pay/orders")
    assert order["payer_openid"] == PAYER and order["amount_fen"] == 30000

    paid = await pay.api(
        "POST", "/sandbox/api/pay/bridge", json={**first["request"], "openid": PAYER}
    )
    assert paid["err_msg"] == "get_brand_wcpay_request:ok", paid
    assert (await pay.bill(bill.number)).status is BillStatus.PAID
    state = await phone.get(f"/m/pay/{bill.number}/state")
    assert '"paid": true' in state.text
    after = await phone.get(f"/m/pay/{bill.number}")
    assert "已支付" in after.text and 'id="pay"' not in after.text
    again = await _tap_pay(phone, bill.number)
    assert again == {"ok": False, "message": f"账单 {bill.number} 已支付，无需重复付款。"}
    assert len(await pay.api("GET", "/sandbox/api/pay/orders")) == 1

    async def told() -> bool:
        return any("已收到" in m.get("text", "") for m in await pay.chat.outbox_json(PAYER))

    await pay.chat.wait_for(told)


async def test_nobody_pays_a_bill_that_is_not_theirs_or_from_another_site(
    pay: PayChat, phone: MobileVisitor
) -> None:
    bill = await pay.contract_bill(company=0)
    async with mobile_visitor(pay.url("/")) as other:
        await other.open_as(OTHER_CLIENT, "/m/")
        refused = await _tap_pay(other, bill.number)
    assert refused == {"ok": False, "message": f"没有找到账单 {bill.number}，请核对一下。"}

    await phone.open_as(PAYER, "/m/")
    forged = await phone.post(f"/m/pay/{bill.number}/order", {}, origin="https://evil.example")
    assert forged.status == 403
    async with mobile_visitor(pay.url("/")) as anonymous:
        cold = await anonymous.post(f"/m/pay/{bill.number}/order", {})
    assert cold.status == 401
    assert await pay.api("GET", "/sandbox/api/pay/orders") == []
    assert (await pay.bill(bill.number)).attempts == 0


async def test_a_lost_notification_is_settled_by_the_active_query(
    pay: PayChat, phone: MobileVisitor
) -> None:
    bill = await pay.contract_bill(fee_fen=30000)
    await phone.open_as(PAYER, f"/m/pay/{bill.number}")
    tapped = await _tap_pay(phone, bill.number)
    paid = await pay.api(
        "POST",
        "/sandbox/api/pay/bridge",
        json={**tapped["request"], "openid": PAYER, "lose_notification": True},
    )
    assert paid["err_msg"] == "get_brand_wcpay_request:ok" and paid["notification"]["lost"]
    waiting = await phone.get(f"/m/pay/{bill.number}/state")
    assert '"paid": false' in waiting.text  # WeChat took the money; we have not heard yet
    pay.clock.advance(seconds=31)
    report = await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
    assert (report.checked, report.paid) == (1, 1)
    settled = await phone.get(f"/m/pay/{bill.number}")
    assert "已支付" in settled.text and (await pay.bill(bill.number)).status is BillStatus.PAID
