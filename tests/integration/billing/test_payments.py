"""Paying bills against a real database and an in-memory WeChat Pay: attempts, exactly-once
application of what WeChat Pay reports, cancelling, and the active query."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from domain import payments
from domain.actors import actor_of
from domain.billing import BillStatus, Channel, Cycle, OrderState, PaymentOrder
from domain.errors import DomainError
from domain.payments import Applied, GatewayError, NotificationRejected
from handlers.error_texts import error_text
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import NEW_YEAR, Books

PAYER = "o_story_client_1"


async def open_jsapi(books: Books, number: str, at=NEW_YEAR) -> PaymentOrder:  # type: ignore[no-untyped-def]
    return await payments.open_order(
        books.uow(), books.gateway, books.system, number, Channel.JSAPI, at, payer_openid=PAYER
    )


async def apply(books: Books, tx, at=NEW_YEAR) -> Applied:  # type: ignore[no-untyped-def]
    async with books.uow() as uow:
        applied = await payments.apply_payment(uow, tx, at)
        await uow.commit()
        return applied


async def order(books: Books, out_trade_no: str) -> PaymentOrder:
    async with books.uow() as uow:
        found = await uow.billing.order_by_out_trade_no(out_trade_no)
    assert found is not None
    return found


async def outbox_kinds(books: Books) -> list[tuple[str, str]]:
    async with books.sessions() as s:
        rows = await s.execute(select(OutboxRow.kind, OutboxRow.recipient).order_by(OutboxRow.id))
        return [(k, r) for k, r in rows]


async def test_each_attempt_gets_a_new_out_trade_no(books: Books) -> None:
    await books.contract()
    await books.issue()
    first = await open_jsapi(books, "B1001")
    native = await payments.open_order(
        books.uow(), books.gateway, books.system, "B1001", Channel.NATIVE, NEW_YEAR
    )
    assert first.out_trade_no != native.out_trade_no
    assert first.out_trade_no.startswith(f"F{books.firm.id}B1001N1")
    assert native.out_trade_no.startswith(f"F{books.firm.id}B1001N2")
    assert first.prepay_id and first.code_url is None
    assert native.code_url and native.prepay_id is None
    assert first.amount_fen == native.amount_fen == 30000
    assert first.expires_at == NEW_YEAR + timedelta(hours=2)
    stored = await order(books, first.out_trade_no)
    assert stored.prepay_id == first.prepay_id and stored.state is OrderState.CREATED
    assert (await books.bill("B1001")).attempts == 2


async def test_jsapi_needs_the_payer(books: Books) -> None:
    await books.one_off()
    with pytest.raises(DomainError) as exc:
        await payments.open_order(
            books.uow(), books.gateway, books.system, "B1001", Channel.JSAPI, NEW_YEAR
        )
    assert exc.value.code == "payer_required"


async def test_a_paid_cancelled_or_expired_bill_refuses_a_new_attempt(books: Books) -> None:
    await books.one_off()
    paid = await open_jsapi(books, "B1001")
    await apply(books, books.gateway.pay(paid.out_trade_no, NEW_YEAR))
    with pytest.raises(DomainError) as exc:
        await open_jsapi(books, "B1001")
    assert exc.value.code == "bill_paid"

    await books.one_off()  # B1002
    await payments.cancel_bill(books.uow(), books.gateway, books.system, "B1002", NEW_YEAR)
    with pytest.raises(DomainError) as exc:
        await open_jsapi(books, "B1002")
    assert exc.value.code == "bill_cancelled" and "已取消" in error_text(exc.value)

    async with books.uow() as uow:
        await payments.add_one_off_bill(
            uow,
            books.system,
            books.companies[0].id,
            "加急费",
            1000,
            NEW_YEAR,
            expires_at=NEW_YEAR + timedelta(hours=1),
        )
        await uow.commit()
    with pytest.raises(DomainError) as exc:
        await open_jsapi(books, "B1003", at=NEW_YEAR + timedelta(hours=1))
    assert exc.value.code == "bill_expired"
    with pytest.raises(DomainError) as exc:
        await open_jsapi(books, "B9999")
    assert exc.value.code == "bill_not_found"


async def test_a_payment_is_applied_once_and_told_once(books: Books) -> None:
    await books.contract()
    await books.issue()
    o = await open_jsapi(books, "B1001")
    tx = books.gateway.pay(o.out_trade_no, NEW_YEAR + timedelta(minutes=1))
    assert await apply(books, tx) is Applied.PAID
    assert await apply(books, tx) is Applied.DUPLICATE
    bill = await books.bill("B1001")
    assert bill.status is BillStatus.PAID and bill.paid_order_id == o.id
    assert bill.paid_at == NEW_YEAR + timedelta(minutes=1)
    paid = await order(books, o.out_trade_no)
    assert paid.state is OrderState.PAID and paid.transaction_id == tx.transaction_id
    assert paid.next_query_at is None
    received = [r for k, r in await outbox_kinds(books) if k == "payment_received"]
    assert sorted(received) == ["o_story_client_1", "o_story_staff_1"]  # contact, accountant


async def test_three_reports_at_once_pay_once(books: Books) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    tx = books.gateway.pay(o.out_trade_no, NEW_YEAR)
    engines = [books.engine] if is_sqlite(books.url) else [create_engine(books.url) for _ in "abc"]
    try:

        async def report(i: int) -> Applied:
            async with SqlUnitOfWork(session_factory(engines[i % len(engines)])) as uow:
                applied = await payments.apply_payment(uow, tx, NEW_YEAR)
                await uow.commit()
                return applied

        results = await asyncio.gather(*(report(i) for i in range(3)))
    finally:
        if not is_sqlite(books.url):
            for engine in engines:
                await engine.dispose()
    assert sorted(results) == [Applied.DUPLICATE, Applied.DUPLICATE, Applied.PAID]
    assert [k for k, _ in await outbox_kinds(books)].count("payment_received") == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"total_fen": 1}, "amount_mismatch"),
        ({"currency": "USD"}, "amount_mismatch"),
        ({"appid": "wx_somebody_else"}, "appid_mismatch"),
        ({"mchid": "1999999999"}, "mchid_mismatch"),
        ({"out_trade_no": "F1B1001N9ABCDEF12"}, "unknown_order"),
    ],
)
async def test_a_report_that_does_not_fit_changes_nothing(
    books: Books, change: dict[str, object], code: str
) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    tx = books.gateway.pay(o.out_trade_no, NEW_YEAR)
    with pytest.raises(NotificationRejected) as exc:
        await apply(books, replace(tx, **change))  # type: ignore[arg-type]
    assert exc.value.code == code
    assert (await order(books, o.out_trade_no)).state is OrderState.CREATED
    assert (await books.bill("B1001")).status is BillStatus.UNPAID
    assert await apply(books, tx) is Applied.PAID  # the true report still pays


async def test_a_second_attempt_paid_too_goes_to_the_admins(books: Books) -> None:
    await books.one_off()
    first = await open_jsapi(books, "B1001")
    second = await open_jsapi(books, "B1001")
    assert await apply(books, books.gateway.pay(first.out_trade_no, NEW_YEAR)) is Applied.PAID
    assert await apply(books, books.gateway.pay(second.out_trade_no, NEW_YEAR)) is Applied.REVIEW
    assert (await order(books, second.out_trade_no)).state is OrderState.PAID  # money is real
    reviews = [r for k, r in await outbox_kinds(books) if k == "payment_review"]
    assert reviews == ["o_story_admin_1"]


async def test_cancelling_a_bill_closes_its_open_attempts(books: Books) -> None:
    await books.one_off()
    a = await open_jsapi(books, "B1001")
    b = await open_jsapi(books, "B1001")
    bill = await payments.cancel_bill(books.uow(), books.gateway, books.system, "B1001", NEW_YEAR)
    assert bill.status is BillStatus.CANCELLED
    assert [c for c in books.gateway.calls if c[0] == "close"] == [
        ("close", a.out_trade_no),
        ("close", b.out_trade_no),
    ]
    assert (await order(books, a.out_trade_no)).state is OrderState.CLOSED
    assert (await order(books, b.out_trade_no)).state is OrderState.CLOSED
    again = await payments.cancel_bill(books.uow(), books.gateway, books.system, "B1001", NEW_YEAR)
    assert again.status is BillStatus.CANCELLED  # cancelling twice is harmless


async def test_cancelling_while_the_payer_pays_keeps_the_payment_for_review(
    books: Books,
) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    books.gateway.pay(o.out_trade_no, NEW_YEAR)  # paid; the notification is still on its way
    await payments.cancel_bill(books.uow(), books.gateway, books.system, "B1001", NEW_YEAR)
    assert (await order(books, o.out_trade_no)).state is OrderState.PAID
    assert (await books.bill("B1001")).status is BillStatus.CANCELLED
    assert ("payment_review", "o_story_admin_1") in await outbox_kinds(books)


async def test_a_paid_bill_cannot_be_cancelled(books: Books) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    await apply(books, books.gateway.pay(o.out_trade_no, NEW_YEAR))
    with pytest.raises(DomainError) as exc:
        await payments.cancel_bill(books.uow(), books.gateway, books.system, "B1001", NEW_YEAR)
    assert exc.value.code == "bill_not_cancellable" and "已支付" in error_text(exc.value)


async def test_the_active_query_settles_a_lost_notification(books: Books) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    books.gateway.pay(o.out_trade_no, NEW_YEAR + timedelta(seconds=10))
    early = await payments.check_due_orders(books.uow(), books.gateway, NEW_YEAR)
    assert early.checked == 0  # not due yet: the notification may still come
    report = await payments.check_due_orders(
        books.uow(), books.gateway, NEW_YEAR + timedelta(seconds=31)
    )
    assert (report.checked, report.paid) == (1, 1)
    assert (await books.bill("B1001")).status is BillStatus.PAID
    later = await payments.check_due_orders(
        books.uow(), books.gateway, NEW_YEAR + timedelta(hours=3)
    )
    assert later.checked == 0  # paid orders are not asked about again


async def test_the_active_query_waits_then_closes_an_unpaid_attempt(books: Books) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    at = NEW_YEAR + timedelta(seconds=31)
    report = await payments.check_due_orders(books.uow(), books.gateway, at)
    assert (report.checked, report.waiting) == (1, 1)
    waiting = await order(books, o.out_trade_no)
    assert waiting.query_count == 1 and waiting.next_query_at == at + timedelta(minutes=1)
    expired = NEW_YEAR + timedelta(hours=2, minutes=1)
    report = await payments.check_due_orders(books.uow(), books.gateway, expired)
    assert report.closed == 1
    assert (await order(books, o.out_trade_no)).state is OrderState.CLOSED
    assert ("close", o.out_trade_no) in books.gateway.calls
    assert (await books.bill("B1001")).status is BillStatus.UNPAID  # a new attempt may follow


async def test_an_attempt_wechat_pay_never_saw_is_closed_after_a_grace(books: Books) -> None:
    await books.one_off()
    books.gateway.fail = GatewayError(GatewayError.UNAVAILABLE, "timeout", retryable=True)
    with pytest.raises(DomainError) as exc:
        await open_jsapi(books, "B1001")
    assert exc.value.code == "pay_unavailable"
    books.gateway.fail = None
    async with books.uow() as uow:
        (o,) = await uow.billing.orders_for_bill((await books.bill("B1001")).id)
    assert o.state is OrderState.CREATED  # it might exist there: the query finds out
    soon = await payments.check_due_orders(
        books.uow(), books.gateway, NEW_YEAR + timedelta(seconds=31)
    )
    assert soon.waiting == 1
    later = await payments.check_due_orders(
        books.uow(), books.gateway, NEW_YEAR + timedelta(minutes=11)
    )
    assert later.closed == 1


async def test_a_refused_attempt_is_closed_at_once(books: Books) -> None:
    await books.one_off()
    books.gateway.fail = GatewayError(GatewayError.REFUSED, "PARAM_ERROR")
    with pytest.raises(DomainError):
        await open_jsapi(books, "B1001")
    async with books.uow() as uow:
        (o,) = await uow.billing.orders_for_bill((await books.bill("B1001")).id)
    assert o.state is OrderState.CLOSED


async def test_two_workers_ask_about_an_order_once(books: Books) -> None:
    await books.one_off()
    o = await open_jsapi(books, "B1001")
    at = NEW_YEAR + timedelta(seconds=31)
    engines = [books.engine] if is_sqlite(books.url) else [create_engine(books.url) for _ in "ab"]
    try:
        reports = await asyncio.gather(
            *(
                payments.check_due_orders(SqlUnitOfWork(session_factory(e)), books.gateway, at)
                for e in (engines * 2)[:2]
            )
        )
    finally:
        if not is_sqlite(books.url):
            for engine in engines:
                await engine.dispose()
    assert sum(r.checked for r in reports) == 1
    assert books.gateway.calls.count(("query", o.out_trade_no)) == 1


async def test_the_contracts_own_accountant_hears_of_the_payment(books: Books) -> None:
    async with books.uow() as uow:
        other = await uow.identities.staff_by_name(books.firm.id, "o_story会计2")
        assert other is not None
        await payments.add_contract(
            uow,
            books.system,
            books.companies[0].id,
            30000,
            Cycle.MONTHLY,
            date(2026, 1, 1),
            NEW_YEAR,
            accountant_id=other.id,
        )
        await payments.issue_due_bills(uow, NEW_YEAR)
        await uow.commit()
    o = await open_jsapi(books, "B1001")
    assert await apply(books, books.gateway.pay(o.out_trade_no, NEW_YEAR)) is Applied.PAID
    received = [r for k, r in await outbox_kinds(books) if k == "payment_received"]
    assert sorted(received) == ["o_story_client_1", "o_story_staff_2"]


async def test_a_client_pays_only_their_own_companys_bills(books: Books) -> None:
    bill = await books.one_off()  # the first company's
    async with books.uow() as uow:
        first = await uow.identities.resolve(books.firm, "o_story_client_1")
        second = await uow.identities.resolve(books.firm, "o_story_client_2")
    own, other = actor_of(first), actor_of(second)
    order = await payments.open_order(
        books.uow(), books.gateway, own, bill.number, Channel.JSAPI, NEW_YEAR, payer_openid=PAYER
    )
    assert order.amount_fen == bill.amount_fen
    with pytest.raises(DomainError) as exc:
        await payments.open_order(
            books.uow(), books.gateway, other, bill.number, Channel.NATIVE, NEW_YEAR
        )
    assert exc.value.code == "bill_not_found"  # another company's bill reads as none
    with pytest.raises(DomainError) as exc:
        await payments.cancel_bill(books.uow(), books.gateway, own, bill.number, NEW_YEAR)
    assert exc.value.code == "staff_only"
    async with books.uow() as uow:
        assert [b.number for b in await payments.visible_bills(uow, own)] == [bill.number]
        assert list(await payments.visible_bills(uow, other)) == []
        with pytest.raises(DomainError) as exc:
            await payments.add_contract(
                uow, own, books.companies[0].id, 100, Cycle.MONTHLY, date(2026, 1, 1), NEW_YEAR
            )
        assert exc.value.code == "admins_only_billing"
