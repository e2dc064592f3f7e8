"""Lease tokens for the leased work queues (the outbox, invoice uploads).

A worker claims a batch of rows with one token; it renews their `lease_until` while it works
(a heartbeat) and records each outcome only where the token is still its own. A worker that
died stops renewing, its short lease runs out and another takes the rows over with a new token;
should the first one come back after all, its writes match nothing. The token starts with the
holder's name (the process's run id, logged at start), so an operator can tell from a row
which process holds it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

TOKEN_LENGTH = 40  # the column's width


def instance_prefix(instance: str) -> str:
    """A short, stable tag for an instance name (host:port or INSTANCE_ID)."""
    return hashlib.blake2b(instance.encode(), digest_size=4).hexdigest()


def lease_holder(instance: str, run_id: str) -> str:
    """`<instance tag>.<run id>`: the instance part survives a restart, the run part does not."""
    return f"{instance_prefix(instance)}.{run_id}"


async def release_predecessors(
    sessions: async_sessionmaker[AsyncSession], row: Any, holder: str, now: datetime
) -> int:
    """At start, the leases this instance held in its previous run are its own dead work:
    expire them at once so they are claimed again now, not when the lease runs out. Leases of
    other instances (which may be alive) are left alone."""
    tag, _, _run = holder.partition(".")
    if not tag or not _run:
        return 0
    table = row.__table__
    async with sessions() as s, s.begin():
        result = await s.execute(
            update(table)
            .where(
                table.c.lease_token.like(f"{tag}.%"),
                ~table.c.lease_token.like(f"{holder}:%"),
                table.c.lease_until >= now,
            )
            .values(lease_until=now - timedelta(seconds=1))
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def new_lease_token(holder: str = "") -> str:
    suffix = secrets.token_hex(8)
    if not holder:
        return suffix
    return f"{holder[: TOKEN_LENGTH - len(suffix) - 1]}:{suffix}"
