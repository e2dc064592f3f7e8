"""Staff raise a one-off bill in the chat over HTTP: "账单 客户公司1 工商变更 800元" asks for a
confirmation tap; the tap raises the bill once (a second tap changes nothing) and the client
gets the pay link; bad input is explained and raises nothing; a client cannot do it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.billing import BillKind, BillStatus
from tests.e2e.mobile.test_money_chat import tap, taps
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def _bills(pay: PayChat) -> list[tuple[str, str, int, BillKind, BillStatus]]:
    async with pay.uow() as uow:
        bills = await uow.billing.list_bills(pay.firm.id, limit=50)
    return sorted((b.number, b.title, b.amount_fen, b.kind, b.status) for b in bills)


async def test_staff_bill_needs_a_tap_is_raised_once_and_the_client_gets_the_link(
    pay: PayChat,
) -> None:
    await pay.chat.say(PAYER, "你好")  # inside the 48-hour window
    asked = await pay.chat.say(STAFF, "账单 客户公司1 工商变更 800元")
    assert asked is not None and "客户公司1" in asked and "工商变更 ¥800.00" in asked
    assert "确认开具" in taps(asked)
    assert await _bills(pay) == []  # nothing before the tap
    done = await tap(pay, STAFF, asked, "确认开具")
    assert done is not None and "已开具账单" in done
    [(number, title, amount, kind, status)] = await _bills(pay)
    assert (title, amount, kind, status) == ("工商变更", 80000, BillKind.ONE_OFF, BillStatus.UNPAID)
    again = await tap(pay, STAFF, asked, "确认开具")  # a double tap
    assert again is not None and number in again
    assert len(await _bills(pay)) == 1

    async def told() -> bool:
        found = [m for m in await pay.chat.outbox_json(PAYER) if number in m.get("text", "")]
        return len(found) == 1

    await pay.chat.wait_for(told)
    (note,) = [m for m in await pay.chat.outbox_json(PAYER) if number in m.get("text", "")]
    assert "工商变更 ¥800.00" in note["text"]
    assert f'<a href="{pay.url("/m/pay/" + number)}">点此付款</a>' in note["text"]
    owed = await pay.chat.send_event(PAYER, "CLICK", "pay_fee")
    assert owed is not None and number in owed and "¥800.00" in owed


async def test_bad_staff_bills_are_explained_and_raise_nothing(pay: PayChat) -> None:
    unknown = await pay.chat.say(STAFF, "账单 不存在的公司 工商变更 800元")
    assert unknown is not None and "没有找到" in unknown
    ambiguous = await pay.chat.say(STAFF, "账单 客户公司 工商变更 800元")
    assert ambiguous is not None and "客户公司1" in ambiguous and "确认开具" not in ambiguous
    no_amount = await pay.chat.say(STAFF, "账单 客户公司1 工商变更")
    assert no_amount is not None and "账单 公司名 项目 金额" in no_amount
    zero = await pay.chat.say(STAFF, "账单 客户公司1 工商变更 0元")
    assert zero is not None and "金额须大于 0" in zero
    said_no = await pay.chat.say(STAFF, "账单 客户公司2 代办社保 300元")
    assert await tap(pay, STAFF, said_no, "先不") == "好的，先不开。"
    # A client cannot raise a bill, not even by the confirmation tap's id.
    forged = await pay.chat.say(PAYER, "确认开具", menu_id="staff_bill_confirmed:1|100|1|x")
    assert forged is not None and "员工功能" in forged
    assert await _bills(pay) == []
