"""The money actions of the panel over HTTP: 线下收款 settles a bill once, as a payment would
(催费 stops, the contacts get a receipt noting 线下收款, the audit log has before and after);
催费 now for one bill or one company goes through the chat's service (once a day per bill);
arrears by client with their ageing. Refused for accountants (403), without a CSRF token
(403), for unknown or another firm's bills and companies (404), never a 500."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from domain import payments
from domain.actors import Actor
from domain.billing import Bill, BillStatus
from domain.clock import local
from domain.fee_reminders import remind_company
from storage.tables.billing import BillRow
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel

QINGHE = "杭州青禾餐饮管理有限公司"  # 王会计's client; contact 陈女士 (o_demo_chen)
YUNFAN = "杭州云帆科技有限公司"


async def firm_id(panel: Panel) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        return firm.id


async def company_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        found = [
            c for c in await uow.identities.list_companies(await firm_id(panel)) if c.name == name
        ]
        assert found
        return found[0].id


async def raise_bill(
    panel: Panel, company: str, title: str, fen: int, *, overdue_days: int | None = None
) -> Bill:
    """A one-off bill of `company` (raised long ago, so that any day may be its payment
    day), due `overdue_days` ago, or else in 15 days."""
    fid, cid = await firm_id(panel), await company_id(panel, company)
    async with SqlUnitOfWork(panel.sessions) as uow:
        bill = await payments.add_one_off_bill(
            uow, Actor.system(fid), cid, title, fen, panel.now() - timedelta(days=400)
        )
        days = -15 if overdue_days is None else overdue_days
        due = local(panel.now()).date() - timedelta(days=days)
        await uow.session.execute(update(BillRow).where(BillRow.id == bill.id).values(due_on=due))
        await uow.commit()
        return bill


async def bill_now(panel: Panel, number: str) -> Bill:
    async with SqlUnitOfWork(panel.sessions) as uow:
        bill = await uow.billing.bill_by_number(await firm_id(panel), number)
        assert bill is not None
        return bill


async def audit(panel: Panel, action: str) -> list[Any]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        items, _ = await uow.audit.page(await firm_id(panel), action, 1, 50)
        return list(items)


async def texts(panel: Panel, openid: str) -> list[str]:
    return [str(m.get("text") or m.get("data") or "") for m in await panel.chat.outbox_json(openid)]


async def reminders_of(panel: Panel, bill: Bill) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        recent = await uow.reminders.recent(bill.firm_id, bill.company_id, 100)
        return len([r for r in recent if r.bill_id == bill.id])


def today(panel: Panel) -> str:
    return local(panel.now()).date().isoformat()


async def test_marking_a_bill_paid_offline_settles_it_once_and_sends_the_receipt(
    panel: Panel,
) -> None:
    bill = await raise_bill(panel, QINGHE, "工商变更", 80000, overdue_days=10)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    url = f"/money/bills/{bill.number}/offline"
    form = {"_csrf": admin.csrf, "amount": "800", "paid_on": today(panel), "note": "现金，前台收"}

    # Not what is owed: refused, nothing changed.
    status, body, _ = await admin.post(url, {**form, "amount": "799.99"})
    assert status == 422 and "金额须与应收金额一致（¥800.00）" in body
    hostile = (
        {"amount": "八百"},
        {"amount": "-800"},
        {"amount": "9" * 40},
        {"amount": "800.001"},
        {"paid_on": "tomorrow"},
        {"paid_on": "2026-02-30"},
        {"note": "  "},
        {"note": "长" * 5000},
    )
    for bad in hostile:
        status, _, _ = await admin.post(url, {**form, **bad})
        assert status == 422, bad
    future = (local(panel.now()).date() + timedelta(days=1)).isoformat()
    assert (await admin.post(url, {**form, "paid_on": future}))[0] == 422
    assert (await bill_now(panel, bill.number)).status is BillStatus.UNPAID

    status, _, headers = await admin.post(url, {**form, "amount": "800.00"})
    assert (status, headers["Location"]) == (303, f"/admin/money/bills/{bill.number}?done=paid")
    paid = await bill_now(panel, bill.number)
    assert paid.status is BillStatus.PAID and paid.paid_at is not None
    assert paid.paid_order_id is None
    _, body, _ = await admin.get(f"/money/bills/{bill.number}")
    assert "已付" in body and "线下收款 ¥800.00" in body and "现金，前台收" in body
    assert "确认已收款" not in body and "立即催费" not in body

    # The receipt, as a payment's, noting 线下收款; once.
    async def receipt() -> bool:
        return any(bill.number in t and "线下收款" in t for t in await texts(panel, "o_demo_chen"))

    await panel.chat.wait_for(receipt, within=10)

    # The audit log: who, before and after.
    (entry,) = await audit(panel, "bill_paid_offline")
    assert entry.actor == ADMIN and entry.target == bill.number
    assert entry.before == {"status": "unpaid", "amount_fen": 80000}
    assert entry.after["status"] == "paid" and entry.after["note"] == "现金，前台收"
    assert entry.after["paid_on"] == today(panel)
    _, body, _ = await admin.get("/audit?action=bill_paid_offline")
    assert "线下收款" in body and bill.number in body and "现金，前台收" in body

    # Exactly once: a second time is refused and nothing more is sent or logged.
    status, body, _ = await admin.post(url, form)
    assert status == 409 and "已经付过了" in body
    assert len(await audit(panel, "bill_paid_offline")) == 1
    receipts = [t for t in await texts(panel, "o_demo_chen") if "线下收款" in t]
    assert len(receipts) == 1

    # 催费 stops: neither the panel nor the chat's "催费 公司" reminds of it.
    status, body, _ = await admin.post(f"/money/bills/{bill.number}/remind", {"_csrf": admin.csrf})
    assert status == 409 and "不用催费" in body
    async with SqlUnitOfWork(panel.sessions) as uow:
        actor = Actor.of_staff(await uow.identities.staff_by_name(await firm_id(panel), ADMIN))  # type: ignore[arg-type]
        done = await remind_company(uow, actor, "青禾", panel.now())
        assert bill.number not in [r.bill.number for r in done]
    assert await reminders_of(panel, bill) == 0


async def test_an_earlier_day_is_kept_as_the_day_paid(panel: Panel) -> None:
    bill = await raise_bill(panel, QINGHE, "年报代办", 20000)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    day = local(panel.now()).date() - timedelta(days=3)
    form = {"_csrf": admin.csrf, "amount": "200", "paid_on": day.isoformat(), "note": "转账"}
    assert (await admin.post(f"/money/bills/{bill.number}/offline", form))[0] == 303
    paid = await bill_now(panel, bill.number)
    assert paid.paid_at is not None and local(paid.paid_at).date() == day


async def test_a_cancelled_bill_cannot_be_marked_paid(panel: Panel) -> None:
    bill = await raise_bill(panel, QINGHE, "代开发票", 5000)
    fid = await firm_id(panel)
    await payments.cancel_bill(
        SqlUnitOfWork(panel.sessions), None, Actor.system(fid), bill.number, panel.now()
    )
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"_csrf": admin.csrf, "amount": "50", "paid_on": today(panel), "note": "现金"}
    status, body, _ = await admin.post(f"/money/bills/{bill.number}/offline", form)
    assert status == 409 and "已作废" in body
    assert (await bill_now(panel, bill.number)).status is BillStatus.CANCELLED
    assert await audit(panel, "bill_paid_offline") == []


async def test_without_csrf_or_as_an_accountant_nothing_is_settled(panel: Panel) -> None:
    bill = await raise_bill(panel, QINGHE, "工商变更", 80000)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    form = {"amount": "800", "paid_on": today(panel), "note": "现金"}
    url = f"/money/bills/{bill.number}/offline"
    assert (await admin.post(url, form))[0] == 403
    assert (await admin.post(url, {**form, "_csrf": "forged" * 7}))[0] == 403
    assert (await wang.post(url, {**form, "_csrf": wang.csrf}))[0] == 403
    remind = f"/money/bills/{bill.number}/remind"
    assert (await wang.post(remind, {"_csrf": wang.csrf}))[0] == 403
    assert (await admin.post(remind, {}))[0] == 403
    for page in ("/money/bills", f"/money/bills/{bill.number}", "/money/arrears"):
        assert (await wang.get(page))[0] == 403, page
    assert (await bill_now(panel, bill.number)).status is BillStatus.UNPAID
    assert await reminders_of(panel, bill) == 0
    assert (
        await audit(panel, "bill_paid_offline") == [] and await audit(panel, "fee_reminded") == []
    )


OTHER_BILL = "B777777"


async def other_firms_bill(panel: Panel) -> tuple[int, int]:
    """A bill (numbered B777777, a number our firm has not used) and a company of another firm
    in the same database: their ids."""
    from domain.people import ensure_firm

    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await ensure_firm(uow, "wx_other_firm", "别家代账")
        company = await uow.identities.add_company(firm.id, "别家客户有限公司")
        bill = await payments.add_one_off_bill(
            uow, Actor.system(firm.id), company.id, "代账费", 30000, panel.now()
        )
        await uow.session.execute(
            update(BillRow).where(BillRow.id == bill.id).values(number=OTHER_BILL)
        )
        await uow.commit()
        return bill.id, company.id


async def test_unknown_and_other_firms_bills_and_companies_are_404(panel: Panel) -> None:
    bill_id, other_company = await other_firms_bill(panel)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"_csrf": admin.csrf, "amount": "300", "paid_on": today(panel), "note": "现金"}
    for number in ("B999999", OTHER_BILL):
        assert (await admin.get(f"/money/bills/{number}"))[0] == 404
        assert (await admin.post(f"/money/bills/{number}/offline", form))[0] == 404
        assert (await admin.post(f"/money/bills/{number}/remind", form))[0] == 404
    for cid in (999999, other_company):
        assert (await admin.post(f"/money/clients/{cid}/remind", form))[0] == 404
    # Not even a route: another series, another format.
    assert (await admin.get("/money/bills/R1001"))[0] == 404
    assert (await admin.get("/money/bills/export.pdf"))[0] == 404
    async with SqlUnitOfWork(panel.sessions) as uow:
        theirs = await uow.billing.get_bill(bill_id)
        assert theirs is not None and theirs.status is BillStatus.UNPAID
        assert await uow.reminders.recent(theirs.firm_id, None, 10) == []
    _, body, _ = await admin.get("/money/bills")
    assert OTHER_BILL not in body and "别家" not in body
    assert await audit(panel, "fee_reminded") == []
    assert await audit(panel, "bill_paid_offline") == []


async def test_remind_one_bill_now_once_a_day(panel: Panel) -> None:
    bill = await raise_bill(panel, QINGHE, "工商变更", 80000, overdue_days=5)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    url = f"/money/bills/{bill.number}/remind"
    status, body, _ = await admin.post(url, {"_csrf": admin.csrf})
    assert status == 200 and f"{bill.number} 已通过微信提醒 1 人" in body
    assert "催费记录" in body and ADMIN in body  # the log names who reminded

    async def reminded() -> bool:
        return any(bill.number in t for t in await texts(panel, "o_demo_chen"))

    await panel.chat.wait_for(reminded, within=10)
    status, body, _ = await admin.post(url, {"_csrf": admin.csrf})
    assert status == 200 and "今天已经催过了" in body
    assert await reminders_of(panel, bill) == 1
    entries = await audit(panel, "fee_reminded")
    assert [e.before for e in entries] == [{"state": "overdue"}] * 2
    assert [e.after for e in entries] == [
        {"reminded": [], "already_today": [bill.number]},
        {"reminded": [bill.number], "already_today": []},
    ]


async def test_remind_a_company_reminds_each_open_bill(panel: Panel) -> None:
    first = await raise_bill(panel, YUNFAN, "工商变更", 80000, overdue_days=40)
    second = await raise_bill(panel, YUNFAN, "代开发票", 1000)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    cid = await company_id(panel, YUNFAN)
    status, body, _ = await admin.post(f"/money/clients/{cid}/remind", {"_csrf": admin.csrf})
    assert status == 200
    assert f"已向{YUNFAN}催费" in body
    assert f"{first.number} 已通过微信提醒" in body and f"{second.number} 已通过微信提醒" in body
    assert await reminders_of(panel, first) == 1 and await reminders_of(panel, second) == 1
    (entry,) = await audit(panel, "fee_reminded")
    assert entry.target == YUNFAN and first.number in entry.after["reminded"]
    assert {first.number, second.number} <= set(entry.before["open_bills"])


async def test_arrears_by_client_with_ageing(panel: Panel) -> None:
    # Clean slate for 青禾: its demo bills settled, then one bill in each bucket and one not due.
    cid = await company_id(panel, QINGHE)
    async with SqlUnitOfWork(panel.sessions) as uow:
        await uow.session.execute(
            update(BillRow).where(BillRow.company_id == cid).values(status="paid")
        )
        await uow.commit()
    for days, fen in ((1, 100), (31, 2000), (61, 30000), (91, 400000), (120, 5)):
        await raise_bill(panel, QINGHE, f"逾期{days}天", fen, overdue_days=days)
    await raise_bill(panel, QINGHE, "未到期", 7)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/money/arrears")
    assert status == 200
    row = re.search(rf'<tr data-client="{cid}">(.*?)</tr>', body, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[2].startswith("¥4,321.12")  # everything unpaid: six bills
    assert "6 笔" in cells[2]
    assert cells[3:8] == ["¥4,321.05", "¥1.00", "¥20.00", "¥300.00", "¥4,000.05"]

    # The CSV export of the same, with the ageing in yuan.
    status, csv_body, headers = await admin.get("/money/arrears/export.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    line = next(x for x in csv_body.splitlines() if x.startswith(QINGHE))
    assert line.split(",")[3:10] == [
        "4321.12",
        "0.07",
        "4321.05",
        "1.00",
        "20.00",
        "300.00",
        "4000.05",
    ]


async def test_the_bill_list_filters_by_state_and_company(panel: Panel) -> None:
    overdue = await raise_bill(panel, QINGHE, "逾期的", 100, overdue_days=3)
    fresh = await raise_bill(panel, QINGHE, "刚开的", 200)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/money/bills?state=overdue&q=青禾")
    assert f'data-bill="{overdue.number}"' in body and f'data-bill="{fresh.number}"' not in body
    _, body, _ = await admin.get(f"/money/bills?company={fresh.company_id}&state=unpaid")
    assert f'data-bill="{fresh.number}"' in body and "云帆" not in body
    # The demo's first bill was paid through WeChat Pay: no actions on it.
    status, body, _ = await admin.get("/money/bills/B1001")
    assert status == 200 and "微信支付" in body and "确认已收款" not in body
    # Nonsense filters read as none, never an error.
    status, _, _ = await admin.get("/money/bills?state=<script>&page=-4&company=abc")
    assert status == 200
