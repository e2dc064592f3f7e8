"""Fapiao for fees: after paying, "给我开张发票" asks once for the 抬头 and 税号 (a wrong
checksum is refused and nothing kept), remembers them, and a confirmation tap sends a 代开发票
task to staff; the next time the title is already known."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.settings import SANDBOX_APPID
from domain.clock import FixedClock
from domain.requests import Status
from nlu.types import ParseResult
from storage.uow import SqlUnitOfWork
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings
from tests.support.outbound import running_sandbox
from tests.support.pay_app import NEW_YEAR, PAYER, PayChat
from tests.support.stories import seed_story_people

STAFF = "o_story_staff_1"
GOOD_TAX_ID = "91330106MA2GL4QX30"


class MoneyWords(KeywordNLU):
    """The keyword parser, plus: asking for an invoice is about the fee (pay_fee)."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        if "发票" in text:
            return ParseResult(text, "pay_fee", 0.95, (), (("pay_fee", 0.95),))
        return await super().parse(text)


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    people = await seed_story_people(sqlite_url, SANDBOX_APPID, clients=2, staff=2, admins=1)
    clock = FixedClock(NEW_YEAR)
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=clock, nlu=MoneyWords()) as chat:
        async with SqlUnitOfWork(chat.sessions) as uow:
            firm = await uow.identities.firm_by_appid(SANDBOX_APPID)
        assert firm is not None
        yield PayChat(chat, clock, firm, people, None)


async def test_an_invoice_for_a_paid_fee_becomes_a_task_with_a_remembered_title(
    pay: PayChat,
) -> None:
    early = await pay.chat.say(PAYER, "给我开张发票")
    assert early is not None and "还没有已支付的服务费账单" in early
    bill = await pay.contract_bill(fee_fen=30000)
    order = await pay.open(bill.number)
    await pay.api("POST", f"/sandbox/api/pay/orders/{order.out_trade_no}/pay", json={})

    asked = await pay.chat.say(PAYER, "交完了，给我开张发票")
    assert asked is not None and "发票抬头和税号" in asked
    wrong = await pay.chat.say(PAYER, "o_story客户公司1 91330106MA2GL4QX31")
    assert wrong is not None and "校验没通过" in wrong
    async with pay.uow() as uow:
        assert await uow.fee_titles.get(bill.company_id) is None  # nothing kept

    confirm = await pay.chat.say(PAYER, f"o_story客户公司1 {GOOD_TAX_ID}")
    assert confirm is not None and "确认开票" in confirm and bill.number in confirm
    done = await pay.chat.say(PAYER, "确认开票", menu_id=f"fee_invoice_confirmed:{bill.number}")
    assert done is not None and "开票申请已提交（R1001）" in done
    async with pay.uow() as uow:
        (request,) = await uow.requests.list_for_company(bill.company_id, frozenset(Status))
        assert request.type == "代开发票" and GOOD_TAX_ID in request.description
        assert await uow.fee_titles.get(bill.company_id) == ("o_story客户公司1", GOOD_TAX_ID)

    again = await pay.chat.say(PAYER, "发票再开一下")
    assert again is not None and "确认开票" in again and GOOD_TAX_ID in again
