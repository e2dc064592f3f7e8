"""A renewal paid in the sandbox, end to end over HTTP: the contract's renewal bill is raised,
paid at the WeChat Pay emulator, whose signed notification reaches /pay/notify (and is sent
again: answered, nothing more changes); the contract now ends a year later, the client's
receipt says so, and the old end's reminders stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from domain import payments, renewals
from domain.billing import BillKind, BillStatus, Cycle
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

ENDS = date(2026, 3, 31)  # three months after the sandbox clock's New Year


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def test_a_renewal_paid_through_wechat_pay_extends_the_contract_once(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")  # the client's 48-hour window is open
    async with pay.uow() as uow:
        companies = await uow.identities.list_companies(pay.firm.id)
        contract = await payments.add_contract(
            uow,
            pay.system,
            companies[0].id,
            30000,
            Cycle.MONTHLY,
            date(2026, 1, 1),
            pay.clock.now(),
            ends_on=ENDS,
        )
        await uow.commit()
    base = pay.url("/m")
    scan = await renewals.remind_renewals(pay.uow(), pay.clock.now(), pay_url_base=base)
    (bill,) = scan.billed
    assert bill.kind is BillKind.RENEWAL and scan.reminded == 1

    order = await pay.open(bill.number)
    paid = await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})
    assert paid["notification"]["status"] == 204
    again = await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/notify")
    assert again["notification"]["status"] == 204 and pay.stats.duplicate == 1
    assert (await pay.bill(bill.number)).status is BillStatus.PAID
    async with pay.uow() as uow:
        renewed = await uow.billing.get_contract(contract.id)
    assert renewed is not None and renewed.ends_on == date(2027, 3, 31)

    async def receipt() -> list[str]:
        texts = [m.get("text", "") for m in await pay.chat.outbox_json(PAYER)]
        return [t for t in texts if "已收到" in t]

    async def told() -> bool:
        return bool(await receipt())

    await pay.chat.wait_for(told)
    (text,) = await receipt()
    assert bill.number in text and "服务已续期至2027年3月31日" in text

    # The old end's next reminder step (a month before it) comes: nobody is chased.
    pay.clock.advance(seconds=60 * 86400)
    scan = await renewals.remind_renewals(pay.uow(), pay.clock.now(), pay_url_base=base)
    assert (scan.billed, scan.reminded) == ([], 0)
