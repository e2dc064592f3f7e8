"""The scheduler: APScheduler's AsyncIOScheduler on the app's event loop, started and stopped
in the app's `cleanup_ctx`. Jobs keep no state of their own (see `bot.workers.jobs`), so a restart
simply scans again. Every run goes through a `JobGuard`: with several processes on one database
each job runs in one process at a time (see `bot.workers.job_guard`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.run_id import RUN_ID
from bot.settings import Settings, dispatch_policy, instance_name
from bot.workers.job_guard import JobGuard
from bot.workers.jobs import (
    run_billing_issue,
    run_dispatch_scan,
    run_fee_reminders,
    run_filing_cycle,
    run_inbound_retention,
    run_pay_queries,
)
from domain.clock import Clock
from domain.ports import PayGateway
from storage.leases import lease_holder

log = logging.getLogger(__name__)

DISPATCH_JOB = "dispatch_scan"
RECOVERY_JOB = "recover_stale_messages"
RETENTION_JOB = "inbound_retention"
BILLING_JOB = "billing_issue"
PAY_QUERY_JOB = "pay_query"
REMINDER_JOB = "fee_reminders"
# 催费 looks for due reminders this often, in working hours only.
REMINDER_EVERY = timedelta(minutes=15)
FILING_JOB = "filing_cycle"
# Checklists open and reminders go out within this long of being due (reminders are daily).
FILING_EVERY = timedelta(minutes=10)
RETENTION_EVERY = timedelta(hours=6)
# The first retention pass waits a little after start: a restart has better things to do.
RETENTION_FIRST_AFTER = timedelta(minutes=5)
# The active query looks at least this often: the first look at an attempt is due 30 s in.
PAY_QUERY_EVERY_S = 15.0
# How long `stop()` waits for job runs in flight (a run past it lapses its lease by itself).
STOP_WAIT_S = 30.0


class Jobs:
    """The scheduler and its jobs; `stop()` waits for a scan in flight before the database
    goes away."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        on_notices: Callable[[], None] | None = None,
        recover: Callable[[], Awaitable[int]] | None = None,
        gateway: PayGateway | None = None,
        holder: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.on_notices = on_notices
        self.recover = recover
        self.gateway = gateway
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._busy = asyncio.Lock()
        # The active query calls WeChat Pay (up to its timeout per call): it keeps a lock of
        # its own, so an outage there never holds up the dispatch scan.
        self._pay_busy = asyncio.Lock()
        self._stopping = False
        self._shut_down = False
        self._inflight: set[asyncio.Task[object]] = set()
        self.guard = JobGuard(
            sessions, clock, holder or lease_holder(instance_name(settings), RUN_ID)
        )

    async def dispatch_scan(self) -> None:
        async def work() -> None:
            async with self._busy:
                await run_dispatch_scan(
                    self.sessions, self.clock, dispatch_policy(self.settings), self.on_notices
                )

        try:
            await self._run(DISPATCH_JOB, work)
        except Exception:
            log.exception("dispatch scan failed; the next run scans again")

    async def recover_stale(self) -> None:
        """Messages a dead worker accepted but never answered (another worker's crash)."""
        if self.recover is None:
            return
        recover = self.recover

        async def work() -> None:
            recovered = await recover()
            if recovered:
                log.info("recovered %d interrupted messages", recovered)

        try:
            await self._run(RECOVERY_JOB, work)
        except Exception:
            log.exception("recovery scan failed; the next run scans again")

    async def inbound_retention(self) -> None:
        """Clear old inbound payloads, a batch at a time (each batch holds `_busy`, so `stop()`
        waits for the one in flight and the dispatch scan interleaves)."""

        async def work() -> None:
            await run_inbound_retention(
                self.sessions,
                self.clock,
                self.settings.inbound_retention_days,
                guard=self._busy,
                keep_going=lambda: not self._stopping,
            )

        try:
            await self._run(RETENTION_JOB, work)
        except Exception:
            log.exception("inbound retention failed; the next run tries again")

    async def billing_issue(self) -> None:
        """Bill the contract periods that have begun (one pass at a time under `_busy`)."""

        async def work() -> None:
            async with self._busy:
                await run_billing_issue(
                    self.sessions, self.clock, keep_going=lambda: not self._stopping
                )

        try:
            await self._run(BILLING_JOB, work)
        except Exception:
            log.exception("issuing bills failed; the next run tries again")

    async def filing_cycle(self) -> None:
        """Open the month's checklists and remind clients of open items (under `_busy`)."""
        try:
            async with self._busy:
                reminded = await run_filing_cycle(
                    self.sessions, self.clock, keep_going=lambda: not self._stopping
                )
            if reminded and self.on_notices is not None:
                self.on_notices()
        except Exception:
            log.exception("the filing cycle failed; the next run tries again")

    async def pay_query(self) -> None:
        """Ask WeChat Pay about payments whose notification is late (and refunds)."""
        gateway = self.gateway
        if gateway is None:
            return

        async def work() -> None:
            async with self._pay_busy:
                await run_pay_queries(
                    self.sessions, self.clock, gateway, on_notices=self.on_notices
                )

        try:
            await self._run(PAY_QUERY_JOB, work)
        except Exception:
            log.exception("pay query failed; the next run asks again")

    async def fee_reminders(self) -> None:
        """催费 by the schedule, in working hours on working days only (people are not chased
        at night); a step missed meanwhile is caught up at the next run in hours."""
        if not dispatch_policy(self.settings).hours.is_open(self.clock.now()):
            return
        origin = self.settings.public_origin

        async def work() -> None:
            async with self._busy:
                await run_fee_reminders(
                    self.sessions,
                    self.clock,
                    pay_url_base=f"{origin}/m" if origin else "",
                    on_notices=self.on_notices,
                )

        try:
            await self._run(REMINDER_JOB, work)
        except Exception:
            log.exception("催费 failed; the next run tries again")

    def start(self) -> None:
        self._stopping = False
        self._shut_down = False
        self.scheduler.add_job(
            self.fee_reminders,
            "interval",
            seconds=max(REMINDER_EVERY.total_seconds(), self.settings.scheduler_interval_s),
            id=REMINDER_JOB,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=30),
            misfire_grace_time=None,
        )
        if self.settings.inbound_retention_days > 0:
            self.scheduler.add_job(
                self.inbound_retention,
                "interval",
                seconds=RETENTION_EVERY.total_seconds(),
                id=RETENTION_JOB,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC) + RETENTION_FIRST_AFTER,
                misfire_grace_time=None,
            )
        self.scheduler.add_job(
            self.dispatch_scan,
            "interval",
            seconds=self.settings.scheduler_interval_s,
            id=DISPATCH_JOB,
            max_instances=1,  # a slow scan is never overlapped by the next one
            coalesce=True,
            next_run_time=datetime.now(UTC),  # scan once at start: catch up after a restart
            misfire_grace_time=None,
        )
        if self.recover is not None:
            self.scheduler.add_job(
                self.recover_stale,
                "interval",
                seconds=self.settings.scheduler_interval_s,
                id=RECOVERY_JOB,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.add_job(
            self.billing_issue,
            "interval",
            seconds=self.settings.scheduler_interval_s,
            id=BILLING_JOB,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # bill at once what fell due while stopped
            misfire_grace_time=None,
        )
        self.scheduler.add_job(
            self.filing_cycle,
            "interval",
            seconds=max(self.settings.scheduler_interval_s, FILING_EVERY.total_seconds()),
            id=FILING_JOB,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
            misfire_grace_time=None,
        )
        if self.gateway is not None:
            self.scheduler.add_job(
                self.pay_query,
                "interval",
                seconds=min(self.settings.scheduler_interval_s, PAY_QUERY_EVERY_S),
                id=PAY_QUERY_JOB,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.start()
        log.info("scheduler started (every %ss)", self.settings.scheduler_interval_s)

    async def _run(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        """One run under the job's lease, known to `stop()` from taking the lease to
        releasing it."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self.guard.run(name, work)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def stop(self) -> None:
        self._stopping = True
        if self.scheduler.running and not self._shut_down:
            self._shut_down = True  # shutdown() twice in one tick raises in APScheduler
            self.scheduler.shutdown(wait=False)
        current = asyncio.current_task()
        inflight = [t for t in self._inflight if t is not current]
        if inflight:  # runs in flight finish (and release their leases) first
            await asyncio.wait(inflight, timeout=STOP_WAIT_S)
        async with self._busy:  # let a scan in flight finish its transaction
            pass
        async with self._pay_busy:
            pass

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)
