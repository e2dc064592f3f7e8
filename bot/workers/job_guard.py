"""One process at a time per scheduled job: every run goes through `JobGuard.run`.

Every process that runs the scheduler (each web worker, `yunkuaiji worker jobs`) schedules
every job; a run first takes the job's lease in the database (`storage.job_leases`), keeps it
alive with a heartbeat while the work runs, and releases it at the end. A process that finds
the job held by another skips that run: the holder is doing the work. So a scan, the billing
pass or the payment query never runs twice at once, however many processes share the
database, and a process that dies mid-run holds the job only until its short lease lapses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.lease_heartbeat import LeaseHeartbeat, heartbeat_every
from bot.runtime.metrics import JOB_RUNS
from domain.clock import Clock
from storage.job_leases import SqlJobLeases

log = logging.getLogger(__name__)

JOB_LEASE_S = 30.0
JOB_HEARTBEAT_S = 10.0
# A run longer than this stops renewing (it is wedged): another process may take the job.
JOB_MAX_HOLD_S = 3600.0


class JobGuard:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        holder: str,
        lease_s: float = JOB_LEASE_S,
        heartbeat_s: float = JOB_HEARTBEAT_S,
    ) -> None:
        self.leases = SqlJobLeases(sessions)
        self.clock = clock
        self.holder = holder
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s

    async def release_predecessors(self) -> int:
        """At start: jobs this instance's previous run was running when it died are free."""
        return await self.leases.release_predecessors(self.holder, self.clock.now())

    async def run(self, name: str, work: Callable[[], Awaitable[object]]) -> bool:
        """Run `work` under the job's lease. False: another process holds the job (skipped).
        Exceptions of `work` propagate after the lease is released."""
        if not await self.leases.take(name, self.holder, self.clock.now(), self.lease_s):
            JOB_RUNS.labels(name, "skipped").inc()
            return False

        async def renew() -> None:
            if not await self.leases.renew(name, self.holder, self.clock.now(), self.lease_s):
                log.warning("job %s: lease lost while running (another process may run it)", name)

        every = heartbeat_every(self.lease_s, self.heartbeat_s)
        outcome = "failed"
        try:
            async with LeaseHeartbeat(f"job {name}", renew, every, JOB_MAX_HOLD_S):
                await work()
            outcome = "ran"
        finally:
            JOB_RUNS.labels(name, outcome).inc()
            try:
                await self.leases.release(name, self.holder, self.clock.now())
            except Exception as exc:  # the lease lapses by itself
                log.warning("job %s: releasing its lease failed: %r", name, exc)
        return True
