"""Money changes made in the chat are audited like the panel's (the use cases write the
entries): a staff member's one-off bill confirmed by a tap, and an admin's refund confirmed by
a tap, each once however often the tap comes, with who did it and the amounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.audit import AuditEntry
from tests.e2e.mobile.test_money_chat import tap
from tests.e2e.mobile.test_refund_chat import ADMIN, _paid_bill
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def _audit(pay: PayChat, action: str) -> list[AuditEntry]:
    async with pay.uow() as uow:
        items, total = await uow.audit.page(pay.firm.id, action, 1, 50)
    assert total == len(items)
    return list(items)


async def test_a_staff_bill_confirmed_in_chat_is_audited_once(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")
    asked = await pay.chat.say(STAFF, "账单 客户公司1 工商变更 800元")
    assert await _audit(pay, "bill_issued") == []  # asking changes nothing
    done = await tap(pay, STAFF, asked, "确认开具")
    assert done is not None and "已开具账单" in done
    await tap(pay, STAFF, asked, "确认开具")  # a double tap
    (e,) = await _audit(pay, "bill_issued")
    assert e.actor == pay.people.staff_names[STAFF] and e.staff_id is not None
    assert "客户公司1" in e.target and e.target.startswith("B")
    assert e.after is not None and (e.after["title"], e.after["amount_fen"]) == ("工商变更", 80000)


async def test_a_refund_confirmed_in_chat_is_audited_with_before_and_after(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")
    number = await _paid_bill(pay)
    asked = await pay.chat.say(ADMIN, f"退款 {number} 200元 多收了")
    assert await _audit(pay, "refund_requested") == []
    await tap(pay, ADMIN, asked, "确认退款")
    await tap(pay, ADMIN, asked, "确认退款")
    (e,) = await _audit(pay, "refund_requested")
    assert e.actor == pay.people.staff_names[ADMIN] and number in e.target
    assert e.before == {"status": "paid", "refunded_fen": 0}
    assert e.after is not None and (e.after["amount_fen"], e.after["reason"]) == (20000, "多收了")
