"""Refunds from the panel, over HTTP against the WeChat Pay emulator: 收款 opens a bill's page;
on a paid bill an admin fills the refund form, sees what would be refunded, and only the
confirmation records it (once, however often it is sent), with an audit entry; the pay worker
sends it, the emulator settles it and the client is told. Bad amounts, too much, an unpaid
bill, a missing CSRF token, a bill settled as 线下收款 (refunded offline, the page says): a
clear answer and nothing changed. Accountants get 403."""

from __future__ import annotations

import re

from bot.keys import CLOCK, PAY
from bot.workers.jobs import run_pay_queries
from domain import payments
from domain.actors import Actor
from domain.billing import Bill, BillStatus, Channel, Refund
from domain.clock import local
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel

KEY = re.compile(r'name="key" value="([^"]+)"')


async def _firm_id(panel: Panel) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
    assert firm is not None
    return firm.id


async def _unpaid(panel: Panel) -> list[Bill]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        bills = await uow.billing.list_bills(
            await _firm_id(panel), statuses=frozenset({BillStatus.UNPAID})
        )
    return list(bills)


async def _pay_through_the_emulator(panel: Panel, bill: Bill) -> str:
    """Pay `bill` by QR code as its company's bound contact; the contact's openid."""
    firm_id = await _firm_id(panel)
    async with SqlUnitOfWork(panel.sessions) as uow:
        contacts = await uow.identities.list_contacts(bill.company_id)
    payer = next(c.openid for c in contacts if c.openid)
    assert payer
    app = panel.chat.app
    order = await payments.open_order(
        SqlUnitOfWork(panel.sessions),
        app[PAY],
        Actor.system(firm_id),
        bill.number,
        Channel.NATIVE,
        app[CLOCK].now(),
    )
    url = panel.chat.server.make_url(f"/sandbox/api/pay/orders/{order.out_trade_no}/pay")
    async with panel.chat.session.post(url, json={"openid": payer}) as resp:
        assert resp.status == 200 and (await resp.json())["notification"]["status"] == 204
    return payer


async def _bill(panel: Panel, number: str) -> tuple[Bill, list[Refund]]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        bill = await uow.billing.bill_by_number(await _firm_id(panel), number)
        assert bill is not None
        return bill, list(await uow.billing.refunds_for_bill(bill.id))


async def _audit_actions(panel: Panel) -> list[tuple[str, str]]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        items, _ = await uow.audit.page(await _firm_id(panel), None, 1, 50)
    return [(e.action, e.target) for e in items]


async def test_an_admin_refunds_a_paid_bill_after_confirming_once(panel: Panel) -> None:
    bill, unpaid_bill = (await _unpaid(panel))[:2]
    payer = await _pay_through_the_emulator(panel, bill)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)

    status, body, _ = await admin.get("/money")
    assert status == 200 and 'action="/admin/money/bills/find"' in body
    status, _, headers = await admin.get(f"/money/bills/find?number={bill.number.lower()}")
    assert status == 303 and headers["Location"] == f"/admin/money/bills/{bill.number}"
    status, _, headers = await admin.get("/money/bills/find?number=<script>")
    assert status == 303 and headers["Location"].endswith("/money?unknown=1")
    status, body, _ = await admin.get(f"/money/bills/{bill.number}")
    assert status == 200 and bill.company_name in body and "已付" in body
    assert "微信支付" in body and f"/money/bills/{bill.number}/refund" in body
    assert "确认已收款" not in body and "立即催费" not in body

    path = f"/money/bills/{bill.number}/refund"
    # Without the CSRF token, in nonsense, too much: refused, nothing recorded.
    status, _, _ = await admin.post(path, {"amount": "1"})
    assert status == 403
    status, body, _ = await admin.post(path, {"_csrf": admin.csrf, "amount": "好多"})
    assert status == 422 and "请填金额" in body
    too_much = f"{bill.amount_fen // 100 + 1}"
    status, body, _ = await admin.post(path, {"_csrf": admin.csrf, "amount": too_much})
    assert status == 409 and "最多还能退" in body
    assert (await _bill(panel, bill.number))[1] == []

    # Step one shows what would be refunded; nothing is recorded yet.
    status, body, _ = await admin.post(
        path, {"_csrf": admin.csrf, "amount": "100", "reason": "多收了"}
    )
    assert status == 200 and "确认退款 ¥100.00" in body and bill.company_name in body
    assert "原路退回付款人" in body and "多收了" in body
    assert (await _bill(panel, bill.number))[1] == []
    key_match = KEY.search(body)
    assert key_match is not None
    confirm = {
        "_csrf": admin.csrf,
        "amount": "100.00",
        "reason": "多收了",
        "key": key_match.group(1),
    }
    status, _, headers = await admin.post(path, confirm)
    assert status == 303 and headers["Location"].endswith("?refund=asked")
    status, _, headers = await admin.post(path, confirm)  # sent twice
    assert status == 303 and headers["Location"].endswith("?refund=again")
    _, refunds = await _bill(panel, bill.number)
    assert [(r.amount_fen, r.reason, r.requested_by) for r in refunds] == [(10000, "多收了", ADMIN)]
    audit = await _audit_actions(panel)
    assert [a for a in audit if a[0] == "refund_requested"] == [
        ("refund_requested", f"{bill.number} {bill.company_name}")
    ]
    status, body, _ = await admin.get("/audit")
    assert status == 200 and "退款" in body and bill.number in body

    # The pay worker sends it; the emulator settles it; the client hears.
    app = panel.chat.app
    await run_pay_queries(panel.sessions, app[CLOCK], app[PAY])

    async def settled() -> bool:
        return (await _bill(panel, bill.number))[0].refunded_fen == 10000

    await panel.chat.wait_for(settled)

    async def told() -> bool:
        texts = [m.get("text", "") for m in await panel.chat.outbox_json(payer)]
        return any("¥100.00 已原路退回" in t for t in texts)

    await panel.chat.wait_for(told)
    status, body, _ = await admin.get(f"/money/bills/{bill.number}")
    assert status == 200 and "已到账" in body and "¥100.00" in body

    # An unpaid bill has no refund form and refuses one.
    status, body, _ = await admin.get(f"/money/bills/{unpaid_bill.number}")
    assert status == 200 and f"/money/bills/{unpaid_bill.number}/refund" not in body
    status, body, _ = await admin.post(
        f"/money/bills/{unpaid_bill.number}/refund", {"_csrf": admin.csrf, "amount": "1"}
    )
    assert status == 409 and "没有可以退的款" in body
    status, _, _ = await admin.get("/money/bills/B99999")
    assert status == 404


async def test_an_accountant_cannot_refund(panel: Panel) -> None:
    bill = (await _unpaid(panel))[0]
    await _pay_through_the_emulator(panel, bill)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.get(f"/money/bills/{bill.number}")
    assert status == 403
    path = f"/money/bills/{bill.number}/refund"
    for form in (
        {"_csrf": wang.csrf, "amount": "1"},
        {"_csrf": wang.csrf, "amount": "1.00", "key": "k" * 24},
    ):
        status, _, _ = await wang.post(path, form)
        assert status == 403
    assert (await _bill(panel, bill.number))[1] == []
    assert [a for a in await _audit_actions(panel) if a[0] == "refund_requested"] == []


async def test_a_bill_settled_offline_has_no_refund_form_and_refuses_one(panel: Panel) -> None:
    bill = (await _unpaid(panel))[0]
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    page = f"/money/bills/{bill.number}"
    status, body, _ = await admin.get(page)
    assert status == 200 and "确认已收款" in body and f"{page}/refund" not in body
    today = local(panel.now()).date().isoformat()
    form = {
        "_csrf": admin.csrf,
        "amount": f"{bill.amount_fen / 100:.2f}",
        "paid_on": today,
        "note": "对公转账",
    }
    status, _, _ = await admin.post(f"{page}/offline", form)
    assert status == 303

    status, body, _ = await admin.get(page)
    assert status == 200 and "线下收款" in body and "对公转账" in body
    assert f"{page}/refund" not in body and "如需退款，请线下退还客户" in body
    assert "确认已收款" not in body and "立即催费" not in body
    for refund_form in (
        {"_csrf": admin.csrf, "amount": "1"},
        {"_csrf": admin.csrf, "amount": "1.00", "key": "k" * 24},
    ):
        status, body, _ = await admin.post(f"{page}/refund", refund_form)
        assert status == 409 and "线下收款结清" in body and "线下退还客户" in body
        assert "没有可以退的款" not in body
    paid, refunds = await _bill(panel, bill.number)
    assert paid.status is BillStatus.PAID and paid.refunded_fen == 0 and refunds == []
    assert [a for a in await _audit_actions(panel) if a[0] == "refund_requested"] == []
