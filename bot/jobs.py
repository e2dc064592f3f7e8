"""Scheduled jobs. Each one only scans the database for due work and acts through conditional
UPDATEs, so it is idempotent: two workers, a retry or a restart never double-act. Jobs take the
clock, so tests move time instead of sleeping and call them directly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import dispatch_timers
from domain.clock import Clock
from domain.dispatch import DispatchPolicy
from domain.dispatch_timers import ScanReport
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


async def run_dispatch_scan(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    settings: Any,
    on_notices: Callable[[], None] | None = None,
) -> ScanReport:
    """Re-push, escalate, remind and release whatever is due (see `domain.dispatch_timers.scan`)."""
    policy = DispatchPolicy.from_settings(settings)
    async with SqlUnitOfWork(sessions) as uow:
        report = await dispatch_timers.scan(uow, clock.now(), policy)
        await uow.commit()
    if report.acted:
        log.info("dispatch scan: %s", report)
        if on_notices is not None:
            on_notices()
    return report
