"""The scheduler: APScheduler's AsyncIOScheduler on the app's event loop, started and stopped
in the app's `cleanup_ctx`. Jobs keep no state of their own (see `bot.jobs`), so a restart
simply scans again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs import run_dispatch_scan
from bot.settings import Settings
from domain.clock import Clock

log = logging.getLogger(__name__)

DISPATCH_JOB = "dispatch_scan"
RECOVERY_JOB = "recover_stale_messages"


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
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.on_notices = on_notices
        self.recover = recover
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._busy = asyncio.Lock()

    async def dispatch_scan(self) -> None:
        async with self._busy:
            try:
                await run_dispatch_scan(self.sessions, self.clock, self.settings, self.on_notices)
            except Exception:
                log.exception("dispatch scan failed; the next run scans again")

    async def recover_stale(self) -> None:
        """Messages a dead worker accepted but never answered (another worker's crash)."""
        if self.recover is None:
            return
        try:
            recovered = await self.recover()
        except Exception:
            log.exception("recovery scan failed; the next run scans again")
            return
        if recovered:
            log.info("recovered %d interrupted messages", recovered)

    def start(self) -> None:
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
        self.scheduler.start()
        log.info("scheduler started (every %ss)", self.settings.scheduler_interval_s)

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        async with self._busy:  # let a scan in flight finish its transaction
            pass

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)
