"""Job leases: at most one process runs a scheduled job at a time.

Every process runs the scheduler (web workers, `yunkuaiji worker jobs`), and each job is
idempotent, but two scans of the same job running at once would still do the work twice and
fight over the same rows. So a run first takes the job's row in `job_leases`: it may when the
row is free (its lease ran out or was released) or already its own. The lease is short and
renewed while the run lasts (a heartbeat); a process that died mid-run stops renewing and the
job is free again within `lease_s`. At the end the run releases the row and counts itself.

Taking a lease is one conditional UPDATE (or the first INSERT of the row), so it holds across
processes and machines on PostgreSQL and across processes on SQLite alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables.messaging import JobLeaseRow

T: Table = JobLeaseRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class JobState:
    name: str
    holder: str
    lease_until: datetime
    runs: int
    last_started_at: datetime | None
    last_ended_at: datetime | None


class SqlJobLeases:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def take(self, name: str, holder: str, now: datetime, lease_s: float) -> bool:
        """Take the job's lease for `lease_s` if it is free or ours; False if another holds it."""
        until = now + timedelta(seconds=lease_s)
        async with self.sessions() as s, s.begin():
            result = await s.execute(
                update(T)
                .where(T.c.name == name, or_(T.c.lease_until < now, T.c.holder == holder))
                .values(holder=holder, lease_until=until, last_started_at=now)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                return True
            exists = await s.scalar(select(T.c.name).where(T.c.name == name))
            if exists is not None:
                return False
        try:
            async with self.sessions() as s, s.begin():
                await s.execute(
                    insert(T).values(
                        name=name, holder=holder, lease_until=until, runs=0, last_started_at=now
                    )
                )
        except IntegrityError:
            return False  # another process inserted the row first: it holds the lease
        return True

    async def renew(self, name: str, holder: str, now: datetime, lease_s: float) -> bool:
        async with self.sessions() as s, s.begin():
            result = await s.execute(
                update(T)
                .where(T.c.name == name, T.c.holder == holder)
                .values(lease_until=now + timedelta(seconds=lease_s))
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, name: str, holder: str, now: datetime) -> bool:
        """End the run: the job is free at once, and the run is counted."""
        async with self.sessions() as s, s.begin():
            result = await s.execute(
                update(T)
                .where(T.c.name == name, T.c.holder == holder)
                .values(
                    lease_until=now - timedelta(microseconds=1),
                    runs=T.c.runs + 1,
                    last_ended_at=now,
                )
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_predecessors(self, holder: str, now: datetime) -> int:
        """At start: the jobs this instance's previous run held (it died mid-run) are free."""
        tag, _, run = holder.partition(".")
        if not tag or not run:
            return 0
        async with self.sessions() as s, s.begin():
            result = await s.execute(
                update(T)
                .where(T.c.holder.like(f"{tag}.%"), T.c.holder != holder, T.c.lease_until >= now)
                .values(lease_until=now - timedelta(microseconds=1))
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def states(self) -> list[JobState]:
        async with self.sessions() as s:
            rows = (await s.execute(select(T).order_by(T.c.name))).all()
        return [
            JobState(r.name, r.holder, r.lease_until, r.runs, r.last_started_at, r.last_ended_at)
            for r in rows
        ]
