"""Refunds against a real database: never more than was paid, applied once, and a bill
refunded in full becomes refunded."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import payments, refunds
from domain.billing import BillStatus, Channel, Refund, RefundStatus
from domain.errors import DomainError
from domain.payments import GatewayError, NotificationRejected
from handlers.error_texts import error_text
from storage.tables.messaging import OutboxRow
from tests.integration.billing.conftest import NEW_YEAR, Books

LATER = NEW_YEAR + timedelta(days=1)


async def paid_bill(books: Books, amount_fen: int = 50000) -> str:
    bill = await books.one_off(amount_fen)
    o = await payments.open_order(
        books.uow(),
        books.gateway,
        books.system,
        bill.number,
        Channel.JSAPI,
        NEW_YEAR,
        payer_openid="o_story_client_1",
    )
    async with books.uow() as uow:
        await payments.apply_payment(uow, books.gateway.pay(o.out_trade_no, NEW_YEAR), NEW_YEAR)
        await uow.commit()
    return bill.number


async def refund(books: Books, number: str, fen: int) -> Refund:
    return await refunds.request_refund(
        books.uow(), books.gateway, books.system, number, fen, "服务未开展", LATER
    )


async def settle(books: Books, out_refund_no: str, status: RefundStatus) -> RefundStatus:
    result = books.gateway.settle_refund(out_refund_no, status, LATER)
    async with books.uow() as uow:
        applied = await refunds.apply_refund(uow, result, LATER)
        await uow.commit()
        return applied


async def test_a_part_refund_keeps_the_bill_paid_and_a_full_one_refunds_it(books: Books) -> None:
    number = await paid_bill(books, 50000)
    part = await refund(books, number, 20000)
    assert part.status is RefundStatus.PROCESSING and part.out_refund_no.endswith("R1")
    assert await settle(books, part.out_refund_no, RefundStatus.SUCCESS) is RefundStatus.SUCCESS
    assert await settle(books, part.out_refund_no, RefundStatus.SUCCESS) is RefundStatus.SUCCESS
    bill = await books.bill(number)
    assert bill.status is BillStatus.PAID and bill.refunded_fen == 20000  # applied once
    rest = await refund(books, number, 30000)
    assert rest.out_refund_no.endswith("R2")
    await settle(books, rest.out_refund_no, RefundStatus.SUCCESS)
    bill = await books.bill(number)
    assert bill.status is BillStatus.REFUNDED and bill.refunded_fen == 50000
    async with books.sessions() as s:
        told = (
            await s.scalars(select(OutboxRow.recipient).where(OutboxRow.kind == "refund_settled"))
        ).all()
    assert told == ["o_story_client_1", "o_story_client_1"]


async def test_refunds_never_exceed_what_was_paid(books: Books) -> None:
    number = await paid_bill(books, 50000)
    with pytest.raises(DomainError) as exc:
        await refund(books, number, 50001)
    assert exc.value.code == "refund_too_much"
    results = await asyncio.gather(
        *(refund(books, number, 30000) for _ in range(2)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "refund_too_much"
    assert refused[0].facts["left_fen"] == 20000 and "¥200.00" in error_text(refused[0])


async def test_a_closed_refund_gives_its_amount_back(books: Books) -> None:
    number = await paid_bill(books, 50000)
    first = await refund(books, number, 50000)
    await settle(books, first.out_refund_no, RefundStatus.CLOSED)
    second = await refund(books, number, 50000)  # the amount is free again
    assert second.status is RefundStatus.PROCESSING


async def test_an_abnormal_refund_goes_to_the_admins(books: Books) -> None:
    number = await paid_bill(books)
    r = await refund(books, number, 10000)
    assert await settle(books, r.out_refund_no, RefundStatus.ABNORMAL) is RefundStatus.ABNORMAL
    async with books.sessions() as s:
        kinds = (await s.scalars(select(OutboxRow.kind))).all()
    assert "payment_review" in kinds
    assert await settle(books, r.out_refund_no, RefundStatus.SUCCESS) is RefundStatus.SUCCESS
    assert (await books.bill(number)).refunded_fen == 10000


async def test_unpaid_bills_are_not_refunded(books: Books) -> None:
    bill = await books.one_off()
    with pytest.raises(DomainError) as exc:
        await refund(books, bill.number, 100)
    assert exc.value.code == "bill_not_paid"


async def test_a_refund_report_that_does_not_fit_changes_nothing(books: Books) -> None:
    number = await paid_bill(books)
    r = await refund(books, number, 10000)
    result = books.gateway.settle_refund(r.out_refund_no, RefundStatus.SUCCESS, LATER)
    for change, code in (
        ({"out_refund_no": "NOPE123"}, "unknown_refund"),
        ({"refund_fen": 9999}, "amount_mismatch"),
        ({"total_fen": 1}, "amount_mismatch"),
        ({"mchid": "1999999999"}, "mchid_mismatch"),
        ({"out_trade_no": "F9B1N1AAAA"}, "trade_mismatch"),
    ):
        async with books.uow() as uow:
            with pytest.raises(NotificationRejected) as exc:
                await refunds.apply_refund(uow, replace(result, **change), LATER)  # type: ignore[arg-type]
        assert exc.value.code == code
    assert (await books.bill(number)).refunded_fen == 0


async def test_a_refund_wechat_pay_refuses_is_closed_and_released(books: Books) -> None:
    number = await paid_bill(books, 50000)
    books.gateway.fail = GatewayError(GatewayError.REFUSED, "NOT_ENOUGH")
    with pytest.raises(DomainError) as exc:
        await refund(books, number, 50000)
    assert exc.value.code == "refund_refused"
    books.gateway.fail = None
    assert (await refund(books, number, 50000)).status is RefundStatus.PROCESSING


async def test_a_late_refund_notification_is_replaced_by_a_query(books: Books) -> None:
    number = await paid_bill(books, 50000)
    r = await refund(books, number, 50000)
    books.gateway.settle_refund(r.out_refund_no, RefundStatus.SUCCESS, LATER)
    assert await refunds.check_due_refunds(books.uow(), books.gateway, LATER) == 0  # too soon
    settled = await refunds.check_due_refunds(
        books.uow(), books.gateway, LATER + timedelta(minutes=3)
    )
    assert settled == 1 and (await books.bill(number)).status is BillStatus.REFUNDED
