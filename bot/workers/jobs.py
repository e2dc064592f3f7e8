"""Scheduled jobs. Each one only scans the database for due work and acts through conditional
UPDATEs, so it is idempotent: two workers, a retry or a restart never double-act. Jobs take the
clock, so tests move time instead of sleeping and call them directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import (
    annual_report,
    dispatch_timers,
    fee_reminders,
    filing_service,
    payments,
    refund_asks,
    refunds,
    renewals,
)
from domain.clock import Clock
from domain.dispatch_policy import DispatchPolicy
from domain.dispatch_timers import ScanReport
from domain.filing import reminding_now
from domain.filing_service import current_period
from domain.payments import PaymentPolicy, QueryReport
from domain.ports import PayGateway
from domain.reminder_rules import ReminderPolicy, ReminderScan
from storage.inbound import SqlInboundLog
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

RETENTION_BATCH = 500
# Bills issued per transaction, and passes per run (a contract behind by months gets one
# period a pass; a run catches up a year of them).
ISSUE_BATCH = 10
ISSUE_PASSES = 60
# Companies per transaction of the filing cycle, and the pause after each (see
# run_filing_cycle): a few tens of milliseconds of work, then the webhook's turn.
FILING_BATCH = 5
JOB_PAUSE_S = 0.005

T = TypeVar("T")


async def run_dispatch_scan(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: DispatchPolicy,
    on_notices: Callable[[], None] | None = None,
) -> ScanReport:
    """Re-push, escalate, remind and release whatever is due (see `domain.dispatch_timers.scan`)."""
    async with SqlUnitOfWork(sessions) as uow:
        report = await dispatch_timers.scan(uow, clock.now(), policy)
        await uow.commit()
    if report.acted:
        log.info("dispatch scan: %s", report)
        if on_notices is not None:
            on_notices()
    return report


async def run_inbound_retention(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    retention_days: int,
    *,
    batch: int = RETENTION_BATCH,
    guard: asyncio.Lock | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Clear the payload and stored reply of inbound messages older than `retention_days`
    (the rows and dedup keys stay; see `SqlInboundLog.clear_old_payloads`). One short
    transaction per `batch` rows, each under `guard` if given, so the conversation's writes
    interleave and a stopping scheduler can wait for the one in flight. Returns rows cleared."""
    if retention_days <= 0:
        return 0
    before = clock.now() - timedelta(days=retention_days)
    cleared, after_id = 0, 0
    while keep_going():
        async with guard or contextlib.nullcontext(), sessions() as s, s.begin():
            n, last = await SqlInboundLog(s).clear_old_payloads(before, after_id, batch)
        cleared += n
        if last is None:
            break
        after_id = last
        await asyncio.sleep(0)
    if cleared:
        log.info(
            "inbound retention: cleared %d messages older than %d days", cleared, retention_days
        )
    return cleared


async def run_billing_issue(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: PaymentPolicy | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Issue the bills of every contract period that has begun (see
    `domain.payments.issue_due_bills`): short transactions of `ISSUE_BATCH` contracts, until a
    pass issues nothing. Idempotent; returns the bills issued."""
    issued = 0
    for _ in range(ISSUE_PASSES):
        if not keep_going():
            break
        async with SqlUnitOfWork(sessions) as uow:
            report = await payments.issue_due_bills(uow, clock.now(), policy, ISSUE_BATCH)
            await uow.commit()
        issued += report.count
        if not report.count and not report.ended:
            break
        await asyncio.sleep(JOB_PAUSE_S)
    if issued:
        log.info("billing: %d bills issued", issued)
    return issued


async def run_filing_cycle(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Open this month's filing checklists (idempotent) and remind clients of their open items
    (each item at most once a day: the claim is a conditional UPDATE, so two workers or a
    restart never remind twice), and of the 工商年报 in its window (each step once a year per
    company: the claim is a unique insert). Returns the notices queued.

    Small transactions of `FILING_BATCH` companies with a pause between them: with SQLite the
    statements run on the event loop, and a firm's 2 000 companies in one transaction held it
    for 12 s at the month's first run (the soak's webhook p99 went to 5.9 s, 125 messages late);
    batches of 50 with a bare yield still held it ~0.5 s at a time."""
    async with SqlUnitOfWork(sessions) as uow:
        firms = list(await uow.filing.firm_ids())
    reminded = 0
    for firm_id in firms:
        async with SqlUnitOfWork(sessions) as uow:
            companies = list(await uow.identities.list_companies(firm_id))
        # Company by company (never the firm's checklists in one read: 2 000 of them with their
        # items held the loop ~0.5 s).
        for chunk in _batches(companies, FILING_BATCH):
            if not keep_going():
                return reminded
            async with SqlUnitOfWork(sessions) as uow:
                now = clock.now()
                await filing_service.open_month(uow, firm_id, now, chunk)
                if reminding_now(now):
                    period = current_period(now)
                    part = [
                        checklist
                        for company in chunk
                        if (checklist := await uow.filing.checklist(company.id, period))
                    ]
                    reminded += await filing_service.remind_open_items(uow, firm_id, now, part)
                    reminded += await filing_service.check_missing_invoices(uow, firm_id, now, part)
                reminded += await annual_report.remind(uow, firm_id, now, chunk)
                await uow.commit()
            await asyncio.sleep(JOB_PAUSE_S)
    if reminded:
        log.info("filing: %d reminders queued", reminded)
    return reminded


def _batches(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def run_pay_queries(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    gateway: PayGateway,
    policy: PaymentPolicy | None = None,
    on_notices: Callable[[], None] | None = None,
) -> QueryReport:
    """The active query: ask WeChat Pay about attempts whose notification is late and refunds
    still processing (`domain.payments.check_due_orders`, `domain.refunds.check_due_refunds`),
    so a lost notification never leaves a paid bill unpaid; and send the refunds admins confirmed
    (`domain.refund_asks.submit_waiting`). Exactly-once like the notifications."""
    uow = SqlUnitOfWork(sessions)
    now = clock.now()
    # Refunds admins confirmed in the chat or the panel go to WeChat Pay first.
    sent = await refund_asks.submit_waiting(uow, gateway, now)
    report = await payments.check_due_orders(uow, gateway, now, policy)
    settled = await refunds.check_due_refunds(uow, gateway, now, policy)
    if sent:
        log.info("pay query: %d refunds sent to WeChat Pay", sent)
    if report.checked or settled:
        log.info(
            "pay query: %d asked, %d paid, %d closed, %d waiting, %d failed; %d refunds settled",
            report.checked,
            report.paid,
            report.closed,
            report.waiting,
            report.failed,
            settled,
        )
    if (report.paid or settled or sent) and on_notices is not None:
        on_notices()
    return report


async def run_fee_reminders(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: ReminderPolicy | None = None,
    pay_url_base: str = "",
    on_notices: Callable[[], None] | None = None,
) -> ReminderScan:
    """催费 by the schedule (see `domain.fee_reminders.remind_due`), then renewals of contracts
    coming to their end (`domain.renewals.remind_renewals`): idempotent per bill and day, so
    two workers or a restart never remind twice. Returns the 催费 scan."""
    scan = await fee_reminders.remind_due(
        SqlUnitOfWork(sessions), clock.now(), policy, pay_url_base
    )
    renewals_scan = await renewals.remind_renewals(
        SqlUnitOfWork(sessions), clock.now(), pay_url_base=pay_url_base
    )
    if scan.sent:
        log.info("催费: %d reminders sent (%d bills looked at)", scan.sent, scan.looked_at)
    if renewals_scan.billed or renewals_scan.reminded:
        log.info(
            "renewals: %d bills raised, %d reminders sent",
            len(renewals_scan.billed),
            renewals_scan.reminded,
        )
    if (scan.sent or renewals_scan.reminded) and on_notices is not None:
        on_notices()
    return scan
