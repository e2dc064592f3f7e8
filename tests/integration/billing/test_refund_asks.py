"""Refunds admins confirm (the chat's tap, the panel's form) on a real database, SQLite and
PostgreSQL when configured: one refund per ask however often or however concurrently it is
confirmed; asks that together exceed what was paid record one; recorded refunds are sent to
WeChat Pay once, even by two workers; an outage sends again later; a refusal gives the
amount back and tells the admins; only admins may ask, and asking alone changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import refund_asks, refunds
from domain.actors import Actor, actor_of
from domain.billing import RefundStatus
from domain.errors import DomainError
from domain.payments import GatewayError
from storage.engine import create_engine, is_sqlite, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import NEW_YEAR, Books
from tests.integration.billing.test_refunds import paid_bill, settle

LATER = NEW_YEAR + timedelta(days=1)


async def _actor(books: Books, openid: str) -> Actor:
    async with books.uow() as uow:
        identity = await uow.identities.resolve(books.firm, openid)
    return actor_of(identity)


async def admin(books: Books) -> Actor:
    who = await _actor(books, books.people.admins[0])
    assert who.is_admin
    return who


async def accountant(books: Books) -> Actor:
    who = await _actor(books, books.people.staff[0])
    assert who.is_staff and not who.may_manage
    return who


async def ask(books: Books, who: Actor, number: str, fen: int, key: str, engine=None):  # type: ignore[no-untyped-def]
    sessions = session_factory(engine) if engine is not None else books.sessions
    async with SqlUnitOfWork(sessions) as uow:
        result = await refund_asks.ask(uow, who, number, fen, key, LATER, "重复缴费")
        await uow.commit()
        return result


async def reserved(books: Books, number: str) -> int:
    bill = await books.bill(number)
    async with books.uow() as uow:
        order = await uow.billing.get_order(bill.paid_order_id or 0)
    assert order is not None
    return order.refund_reserved_fen


async def engines(books: Books, n: int):  # type: ignore[no-untyped-def]
    if is_sqlite(books.url):
        return [books.engine] * n
    return [create_engine(books.url) for _ in range(n)]


async def dispose(books: Books, used) -> None:  # type: ignore[no-untyped-def]
    if not is_sqlite(books.url):
        for engine in used:
            await engine.dispose()


async def test_one_ask_records_one_refund_however_often_confirmed(books: Books) -> None:
    number = await paid_bill(books, 50000)
    who = await admin(books)
    plan = await _plan(books, who, number, 20000)
    assert (plan.amount_fen, plan.left_fen, plan.in_full) == (20000, 50000, False)
    assert await reserved(books, number) == 0  # showing what would happen changes nothing
    first, recorded = await ask(books, who, number, 20000, "chat:1:100")
    assert recorded and first.status is RefundStatus.PROCESSING and first.submitted_at is None
    again, recorded = await ask(books, who, number, 20000, "chat:1:100")
    assert not recorded and again.id == first.id
    used = await engines(books, 3)
    try:
        results = await asyncio.gather(
            *(ask(books, who, number, 10000, "panel:1:abc", used[i]) for i in range(3))
        )
    finally:
        await dispose(books, used)
    assert sorted(r for _, r in results) == [False, False, True]
    assert len({r.id for r, _ in results}) == 1
    assert await reserved(books, number) == 30000
    async with books.uow() as uow:
        assert len(await uow.billing.refunds_for_bill((await books.bill(number)).id)) == 2


async def test_asks_that_together_exceed_what_was_paid_record_one(books: Books) -> None:
    number = await paid_bill(books, 50000)
    who = await admin(books)
    used = await engines(books, 2)
    try:
        results = await asyncio.gather(
            *(ask(books, who, number, 30000, f"chat:1:{i}", used[i]) for i in range(2)),
            return_exceptions=True,
        )
    finally:
        await dispose(books, used)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "refund_too_much"
    assert refused[0].facts["left_fen"] == 20000
    assert await reserved(books, number) == 30000
    with pytest.raises(DomainError) as exc:
        await _plan(books, who, number, 20001)
    assert exc.value.code == "refund_too_much"
    assert (await _plan(books, who, number, None)).amount_fen == 20000  # the rest


async def test_recorded_refunds_are_sent_once_even_by_two_workers(books: Books) -> None:
    number = await paid_bill(books, 50000)
    who = await admin(books)
    refund, _ = await ask(books, who, number, 50000, "chat:1:7")
    used = await engines(books, 2)
    try:
        sent = await asyncio.gather(
            *(
                refund_asks.submit_waiting(
                    SqlUnitOfWork(session_factory(used[i])), books.gateway, LATER
                )
                for i in range(2)
            )
        )
    finally:
        await dispose(books, used)
    assert sum(sent) == 1
    assert books.gateway.calls.count(("refund", refund.out_refund_no)) == 1
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, LATER) == 0
    # It settles like any refund: the bill is refunded.
    await settle(books, refund.out_refund_no, RefundStatus.SUCCESS)
    bill = await books.bill(number)
    assert bill.status.value == "refunded" and bill.refunded_fen == 50000


async def test_an_outage_sends_again_later_and_a_refusal_gives_the_amount_back(
    books: Books,
) -> None:
    number = await paid_bill(books, 50000)
    who = await admin(books)
    refund, _ = await ask(books, who, number, 20000, "chat:1:8")
    books.gateway.fail = GatewayError(GatewayError.UNAVAILABLE, "timeout", retryable=True)
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, LATER) == 0
    books.gateway.fail = GatewayError(GatewayError.REFUSED, "NOT_ENOUGH")
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, LATER) == 0
    assert books.gateway.calls.count(("refund", refund.out_refund_no)) == 2
    async with books.uow() as uow:
        closed = await uow.billing.refund_by_out_refund_no(refund.out_refund_no)
    assert closed is not None and closed.status is RefundStatus.CLOSED
    assert await reserved(books, number) == 0  # the amount is free again
    async with books.sessions() as s:
        kinds = (await s.scalars(select(OutboxRow.kind))).all()
    assert "payment_review" in kinds
    books.gateway.fail = None
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, LATER) == 0


async def test_only_admins_ask_for_refunds(books: Books) -> None:
    number = await paid_bill(books, 50000)
    staff = await accountant(books)
    for attempt in (
        _plan(books, staff, number, 100),
        ask(books, staff, number, 100, "chat:2:1"),
    ):
        with pytest.raises(DomainError) as exc:
            await attempt
        assert exc.value.code == "admins_only_refunds"
    assert await reserved(books, number) == 0


async def _plan(books: Books, who: Actor, number: str, fen: int | None) -> refund_asks.RefundPlan:
    async with books.uow() as uow:
        return await refund_asks.plan(uow, who, number, fen)


async def test_a_refund_taken_but_never_sent_is_sent_after_the_query(books: Books) -> None:
    """The process died between taking a refund and sending it: WeChat Pay does not know it,
    so the query hands it back to the sender, which sends it (once)."""
    number = await paid_bill(books, 50000)
    refund, _ = await ask(books, await admin(books), number, 20000, "chat:1:9")
    async with books.uow() as uow:
        assert await uow.billing.mark_refund_submitted(refund.id, LATER)  # taken, then a crash
        await uow.commit()
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, LATER) == 0
    later = LATER + timedelta(minutes=5)
    assert await refunds.check_due_refunds(books.uow(), books.gateway, later) == 0
    assert await refund_asks.submit_waiting(books.uow(), books.gateway, later) == 1
    assert books.gateway.calls.count(("refund", refund.out_refund_no)) == 1
