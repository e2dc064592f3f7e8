"""The checkout opened outside WeChat (a PC): 支付 asks for a Native order at the sandbox's
WeChat Pay and the page gets its code_url as an inline SVG QR code; a second ask shows the same
code (no second order); the payer scans and pays, the notification settles the bill, and then
no code is given any more. Another company's bill reads as not found."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import segno

from domain.billing import BillStatus
from tests.support.mobile import mobile_visitor
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def _qr(phone: Any, pay: PayChat, number: str) -> dict[str, Any]:
    async with phone.session.post(
        pay.url(f"/m/pay/{number}/qr"), headers={"Origin": phone.origin}
    ) as resp:
        assert resp.status == 200
        data: dict[str, Any] = await resp.json()
        return data


async def test_a_pc_gets_a_native_qr_code_and_paying_it_settles_the_bill(pay: PayChat) -> None:
    bill = await pay.contract_bill(fee_fen=30000)
    other = await pay.contract_bill(fee_fen=50000, company=1)
    async with mobile_visitor(pay.url("/")) as phone:
        page = await phone.open_as(PAYER, f"/m/pay/{bill.number}")
        assert page.status == 200
        first = await _qr(phone, pay, bill.number)
        assert first["ok"] is True and first["svg"].startswith("<svg")
        again = await _qr(phone, pay, bill.number)  # a reload, a second tap
        assert again["svg"] == first["svg"]
        orders = await pay.api("GET", "/sandbox/api/pay/orders")
        (native,) = [o for o in orders if o["channel"] == "NATIVE"]
        assert native["amount_fen"] == 30000 and native["state"] == "NOTPAY"
        # The code on the page is the one WeChat Pay answered for this order.
        expected = segno.make(native["code_url"], error="m").svg_inline(
            scale=4, title="微信扫码支付"
        )
        assert first["svg"] == expected
        refused = await _qr(phone, pay, other.number)
        assert refused["ok"] is False and "没有找到账单" in refused["message"]

        paid = await pay.api(
            "POST",
            f"/sandbox/api/pay/orders/{native['out_trade_no']}/pay",
            json={"openid": PAYER},
        )
        assert paid["notification"]["status"] == 204
        assert (await pay.bill(bill.number)).status is BillStatus.PAID
        after = await _qr(phone, pay, bill.number)
        assert after["ok"] is False and "已支付" in after["message"]
    assert len(await pay.api("GET", "/sandbox/api/pay/orders")) == 1
