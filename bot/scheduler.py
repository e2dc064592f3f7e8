"""The scheduler: APScheduler's AsyncIOScheduler on the app's event loop, started and stopped
in the app's `cleanup_ctx`. Jobs keep no state of their own (see `bot.jobs`), so a restart
simply scans again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs import run_dispatch_scan
from bot.settings import Settings
from domain.clock import Clock

log = logging.getLogger(__name__)

DISPATCH_JOB = "dispatch_scan"


def start_scheduler(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    settings: Settings,
    on_notices: Callable[[], None] | None = None,
) -> AsyncIOScheduler:
    """Start the jobs on the running loop; call `shutdown(wait=False)` to stop."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        run_dispatch_scan,
        "interval",
        seconds=settings.scheduler_interval_s,
        args=(sessions, clock, settings, on_notices),
        id=DISPATCH_JOB,
        max_instances=1,  # a slow scan is never overlapped by the next one
        coalesce=True,
        next_run_time=datetime.now(UTC),  # scan once at start: catch up after a restart
        misfire_grace_time=None,
    )
    scheduler.start()
    log.info("scheduler started (every %ss)", settings.scheduler_interval_s)
    return scheduler
