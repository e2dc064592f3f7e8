"""Money in the chat over HTTP: 交费 lists what is owed with links to the checkout; the
service catalogue is browsed by taps, an order needs a confirmation tap, is paid on the
checkout and becomes a request that staff claim; an inactive item or a 面议 item is refused
without a bill."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.billing import BillStatus
from domain.requests import Status
from tests.support.mobile import mobile_visitor
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


def taps(reply: str | None) -> dict[str, str]:
    """The quick replies in a passive reply: label -> menu id."""
    assert reply is not None
    found = re.findall(r'msgmenucontent=([^&"]*)&(?:amp;)?msgmenuid=([^"]*)">([^<]*)</a>', reply)
    return {label: menu_id for _content, menu_id, label in found}


async def tap(pay: PayChat, openid: str, reply: str | None, label: str) -> str | None:
    return await pay.chat.say(openid, label, menu_id=taps(reply)[label])


async def _item_id(pay: PayChat, name: str) -> int:
    async with pay.uow() as uow:
        items = await uow.catalogue.list_items(pay.firm.id, active_only=False)
    return next(i.id for i in items if i.name == name)


async def test_pay_fee_lists_what_is_owed_with_checkout_links(pay: PayChat) -> None:
    nothing = await pay.chat.send_event(PAYER, "CLICK", "pay_fee")
    assert nothing is not None and "目前没有待付的账单" in nothing
    bill = await pay.contract_bill(fee_fen=30000)
    pay.clock.advance(seconds=1)  # a new click, not WeChat repeating the first
    owed = await pay.chat.send_event(PAYER, "CLICK", "pay_fee")
    assert owed is not None and "1 笔待付账单，合计 ¥300.00" in owed
    assert f'<a href="{pay.url("/m/pay/" + bill.number)}">去支付</a>' in owed
    arrears = await pay.chat.send_event(STAFF, "CLICK", "pay_fee")
    assert arrears is not None and "没有逾期" in arrears  # due in 15 days: not overdue yet
    pay.clock.advance(days=20)
    arrears = await pay.chat.send_event(STAFF, "CLICK", "pay_fee")
    assert arrears is not None and "逾期未付：1 笔，合计 ¥300.00" in arrears and "催费" in arrears


async def test_a_catalogue_order_is_confirmed_paid_and_claimed(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")
    await pay.chat.say(STAFF, "你好")  # both 48-hour windows are open
    menu = await pay.chat.send_event(PAYER, "CLICK", "browse_services")
    assert "工商服务" in taps(menu)
    items = await tap(pay, PAYER, menu, "工商服务")
    detail = await tap(pay, PAYER, items, "公司注册（¥800.00）")
    assert detail is not None and "办理周期" in detail and "所需材料" in detail
    ask = await tap(pay, PAYER, detail, "下单")
    assert ask is not None and "确认下单【公司注册】" in ask
    async with pay.uow() as uow:
        assert await uow.billing.list_bills(pay.firm.id) == []  # nothing before the tap
    placed = await tap(pay, PAYER, ask, "确认下单")
    assert placed is not None and "已下单 S1001" in placed and "/m/pay/B1001" in placed
    bill = await pay.bill("B1001")
    assert bill.amount_fen == 80000 and bill.source_ref and bill.source_ref.startswith("order:")

    async with mobile_visitor(pay.url("/")) as phone:
        await phone.open_as(PAYER, "/m/pay/B1001")
        async with phone.session.post(
            pay.url("/m/pay/B1001/order"), headers={"Origin": phone.origin}
        ) as resp:
            data: dict[str, Any] = await resp.json()
    paid = await pay.api(
        "POST", "/sandbox/api/pay/bridge", json={**data["request"], "openid": PAYER}
    )
    assert paid["notification"]["status"] == 204
    assert (await pay.bill("B1001")).status is BillStatus.PAID

    async def pushed() -> bool:
        return any("R1001" in m.get("text", "") for m in await pay.chat.outbox_json(STAFF))

    await pay.chat.wait_for(pushed)
    claimed = await pay.chat.say(STAFF, "抢单 R1001")
    assert claimed is not None and "抢单成功" in claimed and "营业执照" in claimed
    # WeChat Pay repeats itself: still one request.
    (order,) = await pay.api("GET", "/sandbox/api/pay/orders")
    await pay.api("POST", f"/sandbox/api/pay/orders/{order['out_trade_no']}/notify")
    async with pay.uow() as uow:
        found = await uow.requests.list_for_company(bill.company_id, frozenset(Status))
        assert [r.number for r in found] == ["R1001"]


async def test_an_inactive_or_unquoted_item_raises_no_bill(pay: PayChat) -> None:
    register = await _item_id(pay, "公司注册")
    async with pay.uow() as uow:
        await uow.catalogue.set_item_active(register, False)
        await uow.commit()
    refused = await pay.chat.say(PAYER, "确认下单", menu_id=f"order_confirmed:{register}")
    assert refused is not None and "暂停接单" in refused
    quoted = await _item_id(pay, "税务筹划")
    unquoted = await pay.chat.say(PAYER, "确认下单", menu_id=f"order_confirmed:{quoted}")
    assert unquoted is not None and "需要先报价" in unquoted
    asked = await pay.chat.say(PAYER, "下单", menu_id=f"order_service:{quoted}")
    assert asked is not None and "报价" in asked
    async with pay.uow() as uow:
        assert await uow.billing.list_bills(pay.firm.id) == []


async def test_a_quoted_item_is_priced_by_staff_then_paid_by_the_client(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")
    await pay.chat.say(STAFF, "你好")
    planning = await _item_id(pay, "税务筹划")
    asked = await pay.chat.say(PAYER, "请会计报价", menu_id=f"quote_service:{planning}")
    assert asked is not None and "订单 S1001" in asked
    async with pay.uow() as uow:
        assert await uow.billing.list_bills(pay.firm.id) == []  # no price, no bill
    nonsense = await pay.chat.say(STAFF, "报价 S1001 很多钱")
    assert nonsense is not None and "金额没看懂" in nonsense
    missing = await pay.chat.say(STAFF, "报价 S9999 5000元")
    assert missing is not None and "没有找到订单 S9999" in missing
    client_try = await pay.chat.say(PAYER, "报价 S1001 1元")  # not staff: no price set
    assert client_try is None or "已报价" not in client_try
    quoted = await pay.chat.say(STAFF, "报价 S1001 5000元")
    assert quoted is not None and "已报价：税务筹划 ¥5,000.00" in quoted and "B1001" in quoted
    again = await pay.chat.say(STAFF, "报价 S1001 1元")
    assert again is not None and "已经报过价" in again
    assert (await pay.bill("B1001")).amount_fen == 500000

    async def told() -> bool:
        return any(
            "报价 ¥5,000.00" in m.get("text", "") and "/m/pay/B1001" in m.get("text", "")
            for m in await pay.chat.outbox_json(PAYER)
        )

    await pay.chat.wait_for(told)
    order = await pay.open("B1001")
    await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})
    async with pay.uow() as uow:
        (request,) = await uow.requests.list_for_company(
            (await pay.bill("B1001")).company_id, frozenset(Status)
        )
    assert request.type == "税务筹划"
