"""线下收款 and the money read models on a real database (SQLite, and PostgreSQL when
configured): two admins settling one bill at once settle it once (one record, one receipt
per person, one audit entry); an open WeChat Pay attempt is closed, and money that still
arrives on it goes to the admins for review; an offline payment is never refunded through
WeChat Pay (the refusal says it was paid offline); a renewal settled offline extends its
contract once and its receipt says so; arrears fall into their ageing buckets at the edges."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from domain import money_admin, payments, refund_asks, refunds, renewals
from domain.actors import Actor
from domain.billing import BillStatus, Channel, OrderState
from domain.clock import local
from domain.errors import Conflict, DomainError
from domain.notices import NoticeKind
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.billing import BillRow
from storage.tables.messaging import OutboxRow
from storage.tables.money import OfflinePaymentRow
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import NEW_YEAR, Books
from tests.support.notices import rendered


async def admin_of(books: Books) -> Actor:
    async with books.uow() as uow:
        staff = [s for s in await uow.identities.list_staff(books.firm.id) if s.is_admin]
    return Actor.of_staff(staff[0])


async def test_two_admins_at_once_settle_a_bill_once(books: Books) -> None:
    bill = await books.one_off(80000)
    admin = await admin_of(books)
    now = NEW_YEAR + timedelta(days=3)
    day = local(now).date()
    engines = [books.engine]
    if not is_sqlite(books.url):
        engines.append(create_engine(books.url))

    async def settle(i: int) -> str:
        uow = SqlUnitOfWork(session_factory(engines[i % len(engines)]))
        async with uow:
            try:
                await money_admin.mark_paid_offline(
                    uow, admin, bill.number, 80000, day, f"现金 {i}", now
                )
            except DomainError as exc:
                return exc.code
            await uow.commit()
            return "paid"

    try:
        outcomes = await asyncio.gather(settle(0), settle(1))
    finally:
        for engine in engines[1:]:
            await engine.dispose()
    assert sorted(outcomes) == ["bill_paid", "paid"]
    paid = await books.bill(bill.number)
    assert paid.status is BillStatus.PAID and paid.paid_order_id is None
    async with books.uow() as uow:
        rows = await uow.session.scalar(select(func.count()).select_from(OfflinePaymentRow))
        receipts = list(
            await uow.session.execute(
                select(OutboxRow.recipient, OutboxRow.payload).where(
                    OutboxRow.kind == NoticeKind.PAYMENT_RECEIVED.value
                )
            )
        )
        entries, _ = await uow.audit.page(books.firm.id, "bill_paid_offline", 1, 10)
    assert rows == 1 and len(entries) == 1
    assert receipts and all(payload["facts"]["offline"] is True for _, payload in receipts)
    assert len({to for to, _ in receipts}) == len(receipts)  # one each


async def test_an_open_attempt_is_closed_and_late_money_goes_to_review(books: Books) -> None:
    bill = await books.one_off(50000)
    admin = await admin_of(books)
    client = Actor.system(books.firm.id)
    order = await payments.open_order(
        books.uow(), books.gateway, client, bill.number, Channel.NATIVE, NEW_YEAR
    )
    now = NEW_YEAR + timedelta(minutes=5)
    async with books.uow() as uow:
        await money_admin.mark_paid_offline(
            uow, admin, bill.number, 50000, local(now).date(), "银行转账", now
        )
        await uow.commit()
    async with books.uow() as uow:
        closed = await uow.billing.get_order(order.id)
    assert closed is not None and closed.state is OrderState.CLOSED
    # The payer paid that attempt anyway: nothing is paid twice, the admins are asked to look.
    tx = books.gateway.pay(order.out_trade_no, now + timedelta(minutes=1))
    async with books.uow() as uow:
        applied = await payments.apply_payment(uow, tx, now + timedelta(minutes=1))
        await uow.commit()
    assert applied is payments.Applied.REVIEW
    assert (await books.bill(bill.number)).status is BillStatus.PAID


async def test_an_offline_payment_is_not_refunded_through_wechat_pay(books: Books) -> None:
    bill = await books.one_off(50000)
    admin = await admin_of(books)
    async with books.uow() as uow:
        await money_admin.mark_paid_offline(
            uow, admin, bill.number, 50000, local(NEW_YEAR).date(), "现金", NEW_YEAR
        )
        await uow.commit()
    assert (await books.bill(bill.number)).paid_offline
    # Every way in (the old direct refund, the chat's or the panel's ask, its plan) says the
    # bill was paid offline, and nothing is recorded.
    with pytest.raises(Conflict) as refused:
        await refunds.request_refund(
            books.uow(), books.gateway, admin, bill.number, 100, "多收了", NEW_YEAR
        )
    assert refused.value.code == "refund_paid_offline"
    async with books.uow() as uow:
        for act in (
            lambda: refund_asks.plan(uow, admin, bill.number, None),
            lambda: refund_asks.ask_in_panel(uow, admin, bill.number, 100, "k" * 20, NEW_YEAR),
        ):
            with pytest.raises(Conflict) as refused:
                await act()
            assert refused.value.code == "refund_paid_offline"
            assert refused.value.facts == {"number": bill.number}
        assert await uow.billing.refunds_for_bill(bill.id) == []
        entries, _ = await uow.audit.page(books.firm.id, "refund_requested", 1, 10)
        assert list(entries) == []
        detail = await money_admin.bill_detail(uow, admin, bill.number)
    assert detail.offline is not None and detail.payment.order is None
    assert detail.refundable_fen == 0


async def test_a_renewal_settled_offline_extends_its_contract_once(books: Books) -> None:
    ends = date(2026, 6, 30)
    contract_id = await books.contract(company=0, ends_on=ends)
    day = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)
    scan = await renewals.remind_renewals(books.uow(), datetime(2026, 3, 30, 2, tzinfo=UTC))
    (bill,) = scan.billed
    admin = await admin_of(books)
    async with books.uow() as uow:
        await money_admin.mark_paid_offline(
            uow, admin, bill.number, bill.amount_fen, local(day).date(), "对公转账", day
        )
        await uow.commit()
    async with books.uow() as uow:
        contract = await uow.billing.get_contract(contract_id)
    assert contract is not None and contract.ends_on == date(2027, 6, 30)
    assert contract.bills_until == ends
    # The receipt notes both: paid offline, and how long the service now runs.
    async with books.sessions() as s:
        rows = (
            await s.scalars(select(OutboxRow).where(OutboxRow.kind == "payment_received"))
        ).all()
    texts = [str(rendered(r)["text"]) for r in rows]
    assert texts
    for text in texts:
        assert "收款方式：线下收款" in text and "续期至2027年6月30日" in text
        assert "交易单号" not in text
    # Settled once: a second try is refused and the end does not move again.
    async with books.uow() as uow:
        with pytest.raises(Conflict):
            await money_admin.mark_paid_offline(
                uow, admin, bill.number, bill.amount_fen, local(day).date(), "再来一次", day
            )
    async with books.uow() as uow:
        again = await uow.billing.get_contract(contract_id)
    assert again is not None and again.ends_on == date(2027, 6, 30)


async def test_an_accountant_may_not_settle(books: Books) -> None:
    bill = await books.one_off(50000)
    async with books.uow() as uow:
        staff = [s for s in await uow.identities.list_staff(books.firm.id) if not s.is_admin]
        with pytest.raises(DomainError) as refused:
            await money_admin.mark_paid_offline(
                uow,
                Actor.of_staff(staff[0]),
                bill.number,
                50000,
                local(NEW_YEAR).date(),
                "现金",
                NEW_YEAR,
            )
    assert refused.value.code == "admins_only_money"
    assert (await books.bill(bill.number)).status is BillStatus.UNPAID


async def test_arrears_fall_into_their_buckets_at_the_edges(books: Books) -> None:
    today = local(NEW_YEAR).date()
    # Days past due -> bucket (None: not overdue yet).
    cases = {0: None, 1: 0, 30: 0, 31: 1, 60: 1, 61: 2, 90: 2, 91: 3, 400: 3}
    amounts = {}
    for i, days in enumerate(cases):
        bill = await books.one_off(10**i, f"账单{days}")
        amounts[days] = 10**i
        async with books.uow() as uow:
            await uow.session.execute(
                update(BillRow)
                .where(BillRow.id == bill.id)
                .values(due_on=today - timedelta(days=days))
            )
            await uow.commit()
    admin = await admin_of(books)
    async with books.uow() as uow:
        page = await money_admin.arrears_page(uow, admin, NEW_YEAR, 1, 20)
    (row,) = page.items
    expected = [0, 0, 0, 0]
    for days, bucket in cases.items():
        if bucket is not None:
            expected[bucket] += amounts[days]
    assert row.ageing_fen == tuple(expected)
    assert row.unpaid_fen == sum(amounts.values()) and row.unpaid_bills == len(cases)
    assert row.overdue_fen == sum(amounts.values()) - amounts[0]
    assert row.oldest_due == today - timedelta(days=400)
    assert page.total == 1
