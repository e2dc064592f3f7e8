"""催费 on a real database (SQLite, and PostgreSQL when configured): the schedule's steps, two
workers reminding each due bill once a day between them, staff and the schedule sharing the
day, paid and cancelled bills never reminded, and the catalogue order that becomes a request
once however often its payment is applied."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from domain import fee_reminders, service_catalogue
from domain.actors import Actor
from domain.errors import Conflict, NotFound
from domain.reminder_rules import ReminderChannel, ReminderPolicy
from storage.engine import create_engine, is_sqlite, session_factory
from storage.uow import SqlUnitOfWork
from tests.integration.billing.conftest import NEW_YEAR, Books


def test_the_schedule_before_on_and_after_the_due_date_then_weekly() -> None:
    policy = ReminderPolicy()
    due = date(2026, 1, 16)
    assert policy.latest_step(due, date(2026, 1, 12)) is None
    assert policy.latest_step(due, date(2026, 1, 13)) == date(2026, 1, 13)
    assert policy.latest_step(due, date(2026, 1, 18)) == due
    assert policy.latest_step(due, date(2026, 1, 22)) == date(2026, 1, 19)
    assert policy.latest_step(due, date(2026, 1, 29)) == date(2026, 1, 23)
    assert policy.latest_step(due, date(2026, 2, 5)) == date(2026, 1, 30)
    assert policy.latest_step(due, date(2026, 2, 6)) == date(2026, 2, 6)
    assert policy.due(due, date(2026, 1, 13), date(2026, 1, 15)) is False  # no step since
    assert policy.due(due, date(2026, 1, 13), date(2026, 1, 16)) is True
    # A missed step (a weekend, a stopped server) is caught up, once.
    assert policy.due(due, None, date(2026, 1, 21)) is True


async def test_two_workers_remind_each_due_bill_once(books: Books) -> None:
    for company in range(3):
        await books.contract(company=company)
    await books.issue()
    now = NEW_YEAR + timedelta(days=15)  # the due day
    engines = [books.engine]
    if not is_sqlite(books.url):
        engines.append(create_engine(books.url))
    try:

        async def worker(i: int) -> int:
            sessions = session_factory(engines[i % len(engines)])
            scan = await fee_reminders.remind_due(SqlUnitOfWork(sessions), now, batch=2)
            return scan.sent

        sent = await asyncio.gather(worker(0), worker(1))
    finally:
        for engine in engines[1:]:
            await engine.dispose()
    assert sum(sent) == 3
    async with books.uow() as uow:
        log = await fee_reminders.reminders_of(uow, books.system)
    assert sorted(r.bill_number for r in log) == ["B1001", "B1002", "B1003"]
    assert {r.channel for r in log} == {ReminderChannel.WECHAT}


async def test_staff_and_the_schedule_share_the_day_and_paid_bills_are_left_alone(
    books: Books,
) -> None:
    await books.contract(company=0)
    await books.contract(company=1)
    await books.issue()
    staff = Actor.system(books.firm.id)
    async with books.uow() as uow:
        staff_member = await uow.identities.get_staff(1)
        assert staff_member is not None
        staff = Actor.of_staff(staff_member)
    now = NEW_YEAR + timedelta(days=13)
    async with books.uow() as uow:
        done = await fee_reminders.remind_company(uow, staff, books.companies[0].name, now)
        await uow.commit()
    assert [r.reminder is not None for r in done] == [True]
    # Company 1 pays (its bill is marked paid as a notification would).
    bill = await books.bill("B1002")
    async with books.uow() as uow:
        assert await uow.billing.mark_bill_paid(bill.id, 0, now, now)
        await uow.commit()
    scan = await fee_reminders.remind_due(books.uow(), now)
    assert (scan.looked_at, scan.sent) == (1, 0)  # the paid one is not even read
    async with books.uow() as uow:
        try:
            await fee_reminders.remind_company(uow, staff, books.companies[1].name, now)
        except Conflict as exc:
            assert exc.code == "nothing_owed"
        else:
            raise AssertionError("a paid company was chased")
        try:
            await fee_reminders.remind_company(uow, staff, "没有这家", now)
        except NotFound as exc:
            assert exc.code == "company_not_found"
        else:
            raise AssertionError("an unknown company was accepted")


async def test_a_catalogue_order_becomes_one_request_however_often_it_is_paid(
    books: Books,
) -> None:
    async with books.uow() as uow:
        await service_catalogue.ensure_catalogue(uow, books.firm.id)
        assert await service_catalogue.ensure_catalogue(uow, books.firm.id) == 0
        items = await uow.catalogue.list_items(books.firm.id, active_only=True)
        contacts = await uow.identities.list_contacts(books.companies[0].id)
        client = Actor.of_contact(contacts[0], books.companies[0])
        item = next(i for i in items if i.name == "工商变更")
        placed = await service_catalogue.order_service(uow, client, item.id, NEW_YEAR)
        await uow.commit()
    assert placed.bill.amount_fen == 50000 and placed.order.number == "S1001"
    async with books.uow() as uow:
        bill = await uow.billing.get_bill(placed.bill.id)
        assert bill is not None
        first = await service_catalogue.bill_paid(uow, bill, NEW_YEAR)
        second = await service_catalogue.bill_paid(uow, bill, NEW_YEAR)
        await uow.commit()
    assert first is not None and second is None
    async with books.uow() as uow:
        order = await uow.catalogue.get_order(placed.order.id)
    assert order is not None and order.request_number == "R1001"
