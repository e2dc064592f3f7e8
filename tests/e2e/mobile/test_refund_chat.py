"""Admins refund in the chat, end to end over HTTP against the WeChat Pay emulator: "退款 B1001
200元" says what would be refunded and asks for a tap; only the tap records the refund, once
(a second tap changes nothing); the pay worker sends it, the emulator settles it and notifies
/pay/refund-notify, and the client is told. Bad asks (too much, unpaid, unknown, another
firm's bill, hedged, a bill settled as 线下收款) are answered and change nothing; only admins
may refund."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.workers.jobs import run_pay_queries
from domain import money_admin, payments
from domain.actors import Actor
from domain.billing import BillStatus, Refund, RefundStatus
from domain.clock import local
from tests.e2e.mobile.test_money_chat import tap, taps
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox
from tests.support.stories import seed_story_people

ADMIN = "o_story_admin_1"
STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def _paid_bill(pay: PayChat, fee_fen: int = 50000) -> str:
    bill = await pay.contract_bill(fee_fen=fee_fen)
    order = await pay.open(bill.number)
    paid = await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})
    assert paid["notification"]["status"] == 204
    assert (await pay.bill(bill.number)).status is BillStatus.PAID
    return bill.number


async def _refunds(pay: PayChat, number: str) -> list[Refund]:
    bill = await pay.bill(number)
    async with pay.uow() as uow:
        return list(await uow.billing.refunds_for_bill(bill.id))


async def test_an_admin_refunds_part_of_a_bill_with_one_tap_and_the_client_is_told(
    pay: PayChat,
) -> None:
    await pay.chat.say(PAYER, "你好")  # the client's 48-hour window is open
    number = await _paid_bill(pay)
    asked = await pay.chat.say(ADMIN, f"退款 {number} 200元 多收了")
    assert asked is not None
    assert "客户公司1" in asked and number in asked and "部分退款 ¥200.00" in asked
    assert "实付 ¥500.00" in asked and "原路退回付款人" in asked and "多收了" in asked
    assert "确认退款" in taps(asked)
    assert await _refunds(pay, number) == []  # nothing before the tap

    done = await tap(pay, ADMIN, asked, "确认退款")
    assert done is not None and "已提交退款" in done and "¥200.00" in done
    (refund,) = await _refunds(pay, number)
    assert (refund.amount_fen, refund.status, refund.reason) == (
        20000,
        RefundStatus.PROCESSING,
        "多收了",
    )
    again = await tap(pay, ADMIN, asked, "确认退款")  # a double tap
    assert again is not None and "已经提交过了" in again
    pay.clock.advance(seconds=31 * 60)
    later = await tap(pay, ADMIN, asked, "确认退款")  # and once more, much later
    assert later is not None and "已经提交过了" in later
    assert len(await _refunds(pay, number)) == 1

    # The pay worker sends it; the emulator settles it and notifies /pay/refund-notify.
    await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
    (sent,) = await pay.api("GET", "/sandbox/api/pay/refunds")
    assert sent["out_refund_no"] == refund.out_refund_no and sent["amount_fen"] == 20000

    async def settled() -> bool:
        bill = await pay.bill(number)
        return bill.refunded_fen == 20000

    await pay.chat.wait_for(settled)
    bill = await pay.bill(number)
    assert bill.status is BillStatus.PAID  # a part refund keeps it paid

    async def told() -> bool:
        texts = [m.get("text", "") for m in await pay.chat.outbox_json(PAYER)]
        return any("¥200.00 已原路退回" in t for t in texts)

    await pay.chat.wait_for(told)
    # A second run sends nothing again.
    await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)
    assert len(await pay.api("GET", "/sandbox/api/pay/refunds")) == 1

    # The rest: "退款 B…" without an amount offers what is left.
    pay.clock.advance(seconds=5)
    rest = await pay.chat.say(ADMIN, f"退款 {number}")
    assert rest is not None and "退还余下的 ¥300.00" in rest
    await tap(pay, ADMIN, rest, "确认退款")
    await run_pay_queries(pay.chat.sessions, pay.clock, pay.client)

    async def refunded() -> bool:
        return (await pay.bill(number)).status is BillStatus.REFUNDED

    await pay.chat.wait_for(refunded)
    pay.clock.advance(seconds=5)
    nothing = await pay.chat.say(ADMIN, f"退款 {number} 1元")
    assert nothing is not None and "没有可以退的款" in nothing


async def test_bad_refunds_are_explained_and_change_nothing(pay: PayChat) -> None:
    number = await _paid_bill(pay)
    too_much = await pay.chat.say(ADMIN, f"退款 {number} 600元")
    assert too_much is not None and "最多 ¥500.00" in too_much and "确认退款" not in too_much
    unpaid = await pay.contract_bill(company=1)
    not_paid = await pay.chat.say(ADMIN, f"退款 {unpaid.number}")
    assert not_paid is not None and "待支付" in not_paid and "没有可以退的款" in not_paid
    unknown = await pay.chat.say(ADMIN, "退款 B9999")
    assert unknown is not None and "没有找到账单 B9999" in unknown
    no_number = await pay.chat.say(ADMIN, "退款 给客户公司1退点钱")
    assert no_number is not None and "退款 账单号" in no_number
    hedged = await pay.chat.say(ADMIN, f"退款 {number} 先不用")
    assert hedged is not None and "先不退款" in hedged and "确认退款" not in hedged
    said_no = await pay.chat.say(ADMIN, f"退款 {number} 100元")
    assert await tap(pay, ADMIN, said_no, "先不") == "好的，先不退款。"
    # A confirmation tapped half an hour later refunds nothing.
    pay.clock.advance(seconds=1)
    stale = await pay.chat.say(ADMIN, f"退款 {number} 100元")
    pay.clock.advance(seconds=31 * 60)
    too_late = await tap(pay, ADMIN, stale, "确认退款")
    assert too_late is not None and "超过 30 分钟" in too_late

    # Another firm's bill reads as unknown, even with a number this firm does not use.
    other_url = pay.chat.settings.database_url
    await seed_story_people(other_url, "wx_other_firm", clients=1, prefix="o_other")
    async with pay.uow() as uow:
        other = await uow.identities.firm_by_appid("wx_other_firm")
        assert other is not None and other.id != pay.firm.id
        (company,) = await uow.identities.list_companies(other.id)
        for _ in range(4):
            theirs = await payments.add_one_off_bill(
                uow, Actor.system(other.id), company.id, "工商变更", 80000, pay.clock.now()
            )
        await uow.commit()
    assert theirs.number == "B1004"
    foreign = await pay.chat.say(ADMIN, "退款 B1004")
    assert foreign is not None and "没有找到账单 B1004" in foreign

    # Only admins: an accountant is refused, and so is a forged tap by staff or a client.
    staff = await pay.chat.say(STAFF, f"退款 {number}")
    assert staff is not None and "需要管理员权限" in staff
    forged = f"refund_confirmed:{number}|100|1|x"
    by_staff = await pay.chat.say(STAFF, "确认退款", menu_id=forged)
    assert by_staff is not None and "需要管理员权限" in by_staff
    by_client = await pay.chat.say(PAYER, "确认退款", menu_id=forged)
    assert by_client is not None and "需要管理员权限" in by_client
    assert await _refunds(pay, number) == []
    assert await pay.api("GET", "/sandbox/api/pay/refunds") == []


async def test_a_bill_settled_offline_is_refunded_offline_the_chat_says(pay: PayChat) -> None:
    bill = await pay.contract_bill(company=1)
    now = pay.clock.now()
    async with pay.uow() as uow:
        admins = [s for s in await uow.identities.list_staff(pay.firm.id) if s.is_admin]
        await money_admin.mark_paid_offline(
            uow,
            Actor.of_staff(admins[0]),
            bill.number,
            bill.amount_fen,
            local(now).date(),
            "现金",
            now,
        )
        await uow.commit()
    refused = await pay.chat.say(ADMIN, f"退款 {bill.number}")
    assert refused is not None and "线下收款" in refused and "线下退还" in refused
    assert "没有可以退的款" not in refused and "确认退款" not in taps(refused)
    forged = f"refund_confirmed:{bill.number}|100|1|x"
    tapped = await pay.chat.say(ADMIN, "确认退款", menu_id=forged)
    assert tapped is not None and "已提交退款" not in tapped
    assert await _refunds(pay, bill.number) == []
    assert await pay.api("GET", "/sandbox/api/pay/refunds") == []
