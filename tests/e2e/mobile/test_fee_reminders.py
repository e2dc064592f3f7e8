"""催费 end to end: a bill is issued, the schedule reminds the client (with a link to the
checkout), the client pays there through WeChat's web authorisation, the receipt arrives and
later reminders stop; staff remind from the chat, at most once a bill a day; a contact WeChat
cannot reach gets an SMS through the sandbox's Tencent Cloud SMS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.workers.jobs import run_fee_reminders
from domain.billing import BillStatus
from tests.support.mobile import mobile_visitor
from tests.support.pay_app import PAYER, PayChat, running_pay_sandbox

STAFF = "o_story_staff_1"


@pytest.fixture
async def pay(sqlite_url: str, tmp_path: Path) -> AsyncIterator[PayChat]:
    async with running_pay_sandbox(sqlite_url, tmp_path, own_keys=False) as chat:
        yield chat


async def _reminders(pay: PayChat, openid: str) -> list[dict[str, Any]]:
    return [
        m for m in await pay.chat.outbox_json(openid) if "如已安排付款请忽略" in m.get("text", "")
    ]


async def _run(pay: PayChat) -> Any:
    return await run_fee_reminders(
        pay.chat.sessions, pay.clock, pay_url_base=pay.url("/m").rstrip("/")
    )


async def test_a_reminder_leads_to_payment_and_then_reminders_stop(pay: PayChat) -> None:
    bill = await pay.contract_bill(fee_fen=30000)
    assert bill.due_on.isoformat() == "2026-01-16"
    assert (await _run(pay)).sent == 0  # too early: the first step is three days before
    pay.clock.advance(days=12)  # 2026-01-13, three days before
    await pay.chat.say(PAYER, "你好")  # inside the 48-hour window: a 客服 message
    scan = await _run(pay)
    assert (scan.sent, scan.looked_at) == (1, 1)
    assert (await _run(pay)).sent == 0  # once a day at most

    async def reminded() -> bool:
        return len(await _reminders(pay, PAYER)) == 1

    await pay.chat.wait_for(reminded)
    (note,) = await _reminders(pay, PAYER)
    assert "将于2026年1月16日到期" in note["text"] and "¥300.00" in note["text"]
    link = pay.url(f"/m/pay/{bill.number}")
    assert f'<a href="{link}">点此付款</a>' in note["text"]

    async with mobile_visitor(pay.url("/")) as phone:
        page = await phone.open_as(PAYER, f"/m/pay/{bill.number}")
        assert page.status == 200 and any("oauth2/authorize" in h for h in page.hops)
        async with phone.session.post(
            pay.url(f"/m/pay/{bill.number}/order"), headers={"Origin": phone.origin}
        ) as resp:
            data = await resp.json()
    paid = await pay.api(
        "POST", "/sandbox/api/pay/bridge", json={**data["request"], "openid": PAYER}
    )
    assert paid["notification"]["status"] == 204
    assert (await pay.bill(bill.number)).status is BillStatus.PAID

    async def receipt() -> bool:
        return any("【收据】" in m.get("text", "") for m in await pay.chat.outbox_json(PAYER))

    await pay.chat.wait_for(receipt)
    for days in (3, 3, 4, 7):  # the due day, 3 and 7 days after, a week later
        pay.clock.advance(days=days)
        assert (await _run(pay)).sent == 0
    assert len(await _reminders(pay, PAYER)) == 1


async def test_staff_remind_by_name_once_a_day_and_sms_reaches_the_unbound(pay: PayChat) -> None:
    await pay.chat.say(PAYER, "你好")
    await pay.chat.say(STAFF, "你好")
    bill = await pay.contract_bill(fee_fen=30000, company=0)
    async with pay.uow() as uow:
        await uow.identities.add_contact(bill.company_id, "财务小张", "13912345678")
        await uow.commit()
    nobody = await pay.chat.say(STAFF, "催费 不存在的公司")
    assert nobody is not None and "没有找到" in nobody
    done = await pay.chat.say(STAFF, "催费 客户公司1")
    assert done is not None and "已通过微信和短信提醒" in done and bill.number in done
    again = await pay.chat.say(STAFF, "催费 客户公司1")
    assert again is not None and "今天已经提醒过了" in again

    async def texted() -> bool:
        async with pay.chat.session.get(pay.url("/sandbox/api/sms?phone=13912345678")) as r:
            return len(await r.json()) == 1

    await pay.chat.wait_for(texted)
    async with pay.chat.session.get(pay.url("/sandbox/api/sms")) as r:
        (sms,) = await r.json()
    assert sms["phone"] == "+8613912345678" and "¥300.00" in sms["text"]

    async def delivered() -> bool:
        return len(await _reminders(pay, PAYER)) == 1

    await pay.chat.wait_for(delivered)
    log = await pay.chat.say(STAFF, "催费 记录")
    assert log is not None and bill.number in log and "微信和短信，2 人" in log
    assert "客服消息已送达" in log and "短信已送达" in log
    client = await pay.chat.say(PAYER, "催费")  # a client saying it runs no staff command
    assert client is None or "已通过" not in client


async def test_nothing_owed_is_never_chased(pay: PayChat) -> None:
    await pay.chat.say(STAFF, "你好")
    told = await pay.chat.say(STAFF, "催费 客户公司2")
    assert told is not None and "没有待付的账单" in told
    overdue = await pay.chat.say(STAFF, "催费 全部逾期")
    assert overdue is not None and "没有逾期" in overdue


async def test_a_contact_who_unfollowed_is_reminded_by_sms_until_they_follow_again(
    pay: PayChat,
) -> None:
    await pay.chat.say(PAYER, "你好")
    bill = await pay.contract_bill(fee_fen=30000)
    assert await pay.chat.send_event(PAYER, "unsubscribe") is None
    async with pay.uow() as uow:
        (contact,) = await uow.identities.list_contacts(bill.company_id)
    assert contact.openid == PAYER and contact.unfollowed  # still bound, but marked
    pay.clock.advance(days=12)  # three days before the due day
    assert (await _run(pay)).sent == 1

    async def texted() -> bool:
        async with pay.chat.session.get(pay.url(f"/sandbox/api/sms?phone={contact.phone}")) as r:
            return len(await r.json()) == 1

    await pay.chat.wait_for(texted)
    async with pay.chat.session.get(pay.url(f"/sandbox/api/sms?phone={contact.phone}")) as r:
        (sms,) = await r.json()
    assert "¥300.00" in sms["text"]
    assert await _reminders(pay, PAYER) == []  # nothing went to the openid WeChat refuses
    async with pay.uow() as uow:
        (logged,) = await uow.reminders.recent(bill.firm_id, bill.company_id, 5)
    assert logged.channel.value == "sms"

    # Following again clears the mark: the next step goes by WeChat, not by SMS.
    await pay.chat.send_event(PAYER, "subscribe")
    await pay.chat.say(PAYER, "你好")
    pay.clock.advance(days=3)  # the due day
    assert (await _run(pay)).sent == 1

    async def reminded() -> bool:
        return len(await _reminders(pay, PAYER)) == 1

    await pay.chat.wait_for(reminded)
    async with pay.chat.session.get(pay.url(f"/sandbox/api/sms?phone={contact.phone}")) as r:
        assert len(await r.json()) == 1
