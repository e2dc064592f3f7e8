"""The outbox: notices are queued in the caller's transaction (`SqlOutbox.add`, or the batch
writer's `queue_notices`: one row shape, one statement, one way of dropping a repeated dedup key)
and drained by the sender through `SqlOutboxQueue`, which claims due rows with a lease so that
two workers never send the same row, and records how each attempt ended.

A row holds the notice's kind and its facts as JSON (`{"facts": {...}}`), never wording: the
sender renders it when it sends it. Rows queued before notices were typed hold the wording they
were queued with (`{"text": ..., "template_fields": ...}`); the sender still delivers them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.notices import Notice, facts_to_json
from storage.leases import new_lease_token
from storage.tables.messaging import OutboxRow


def outbox_row(notice: Notice, now: datetime) -> dict[str, Any]:
    """The one shape of a queued notice."""
    return {
        "recipient": notice.recipient,
        "kind": notice.kind.value,
        "payload": {"facts": facts_to_json(notice.facts)},
        "dedup_key": notice.dedup_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def queue_notices(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbox rows in `session`'s transaction; a row whose dedup key is queued already
    (by anyone, ever) is dropped by the database, so racing writers cannot both queue it."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(OutboxRow.__table__).on_conflict_do_nothing(index_elements=["dedup_key"])
    await session.execute(stmt, list(rows))


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, notice: Notice, now: datetime) -> None:
        await queue_notices(self.s, [outbox_row(notice, now)])

    async def add_many(self, notices: Sequence[Notice], now: datetime) -> None:
        """Several notices in one statement (a scheduled run's page)."""
        await queue_notices(self.s, [outbox_row(n, now) for n in notices])


@dataclass(frozen=True)
class QueuedNotice:
    """A notice as its row holds it: who, which kind, and the payload to render."""

    recipient: str
    kind: str
    payload: dict[str, Any]
    dedup_key: str | None = None


@dataclass(frozen=True)
class ClaimedNotice:
    """A row this worker holds the lease on, under `lease_token`, until `lease_until` (as
    claimed; heartbeats push it on with `SqlOutboxQueue.renew`)."""

    id: int
    notice: QueuedNotice
    attempts: int  # including the one about to be made
    created_at: datetime
    lease_until: datetime
    lease_token: str = ""


def _due(now: datetime) -> Any:
    # Pending and due, or claimed by a worker whose lease ran out (it died mid-send). The
    # status IN term lets the database use the partial index of open rows.
    return and_(OutboxRow.status.in_(("pending", "sending")), _due_open(now))


def _due_open(now: datetime) -> Any:
    return or_(
        and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == "sending", OutboxRow.lease_until < now),
    )


def _held_back(now: datetime) -> Any:
    """Per user, the first open row that is not sendable now (being sent by some worker, or
    waiting for its retry). A user's notices go out in order: nothing after it may overtake
    it. One grouped scan of the open rows, however many candidates there are."""
    return (
        select(OutboxRow.recipient, func.min(OutboxRow.id).label("first_id"))
        .where(
            OutboxRow.status.in_(("pending", "sending")),
            or_(
                and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at > now),
                and_(OutboxRow.status == "sending", OutboxRow.lease_until >= now),
            ),
        )
        .group_by(OutboxRow.recipient)
        .subquery("held_back")
    )


class SqlOutboxQueue:
    """The sender's side of the outbox. Each method is its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta, holder: str = ""
    ) -> Sequence[ClaimedNotice]:
        """Take up to `limit` due rows, oldest first, none overtaking an earlier notice to
        the same user. Each row is won by one conditional UPDATE, so concurrent workers
        (tasks, processes, hosts) never both get it. The batch shares one lease token, which
        starts with `holder` (the process's run id)."""
        until = now + lease
        token = new_lease_token(holder)
        async with self._sessions() as s, s.begin():
            held = _held_back(now)
            candidates = (
                (
                    await s.execute(
                        select(OutboxRow.id)
                        .outerjoin(held, held.c.recipient == OutboxRow.recipient)
                        .where(
                            _due(now),
                            or_(held.c.first_id.is_(None), OutboxRow.id < held.c.first_id),
                        )
                        .order_by(OutboxRow.id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
            if not candidates:
                return []
            # Re-checking "due" in the UPDATE is what makes the claim safe: a row another
            # worker took in the meantime no longer matches and is not returned.
            won = (
                await s.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(candidates), _due(now))
                    .values(
                        status="sending",
                        lease_until=until,
                        lease_token=token,
                        attempts=OutboxRow.attempts + 1,
                    )
                    .returning(
                        OutboxRow.id,
                        OutboxRow.recipient,
                        OutboxRow.kind,
                        OutboxRow.payload,
                        OutboxRow.dedup_key,
                        OutboxRow.attempts,
                        OutboxRow.created_at,
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
        return sorted(
            (
                ClaimedNotice(
                    r.id,
                    QueuedNotice(r.recipient, r.kind, dict(r.payload), r.dedup_key),
                    r.attempts,
                    r.created_at,
                    until,
                    token,
                )
                for r in won
            ),
            key=lambda c: c.id,
        )

    async def renew(self, token: str, until: datetime) -> set[int]:
        """The heartbeat: push the lease of the rows still held under `token` on to `until`.
        Returns their ids (a row missing was finished, or taken over after our lease ran out)."""
        async with self._sessions() as s, s.begin():
            held = await s.execute(
                update(OutboxRow)
                .where(OutboxRow.lease_token == token, OutboxRow.status == "sending")
                .values(lease_until=until)
                .returning(OutboxRow.id)
                .execution_options(synchronize_session=False)
            )
            return set(held.scalars().all())

    @staticmethod
    def _held(claim: ClaimedNotice) -> Any:
        # The token, not `lease_until`: heartbeats move the expiry, the token stays.
        return and_(
            OutboxRow.id == claim.id,
            OutboxRow.status == "sending",
            OutboxRow.lease_token == claim.lease_token,
        )

    async def _finish(self, claim: ClaimedNotice, **values: Any) -> bool:
        """Record the outcome only while we still hold the lease (a worker that overran its
        lease must not overwrite the outcome of the worker that took the row over)."""
        async with self._sessions() as s, s.begin():
            result = await s.execute(
                update(OutboxRow)
                .where(self._held(claim))
                .values(lease_until=None, lease_token=None, **values)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish_many(
        self, outcomes: Sequence[tuple[ClaimedNotice, dict[str, Any]]]
    ) -> list[bool]:
        """Record several outcomes in one transaction (the sender's group commit): one
        writer instead of many keeps SQLite's single write lock uncontended."""
        results: list[bool] = []
        async with self._sessions() as s, s.begin():
            for claim, values in outcomes:
                result = await s.execute(
                    update(OutboxRow)
                    .where(self._held(claim))
                    .values(lease_until=None, lease_token=None, **values)
                )
                results.append(bool(result.rowcount))  # type: ignore[attr-defined]
        return results

    @staticmethod
    def sent_values(channel: str, now: datetime) -> dict[str, Any]:
        return {
            "status": "sent",
            "channel": channel,
            "sent_at": now,
            "errcode": None,
            "last_error": None,
        }

    @staticmethod
    def retry_values(
        next_attempt_at: datetime, errcode: int | None, error: str, channel: str | None = None
    ) -> dict[str, Any]:
        return {
            "status": "pending",
            "next_attempt_at": next_attempt_at,
            "errcode": errcode,
            "last_error": error[:2000],
            "channel": channel,
        }

    @staticmethod
    def failed_values(
        errcode: int | None, error: str, channel: str | None = None
    ) -> dict[str, Any]:
        return {
            "status": "failed",
            "errcode": errcode,
            "last_error": error[:2000],
            "channel": channel,
        }

    async def mark_sent(self, claim: ClaimedNotice, channel: str, now: datetime) -> bool:
        return await self._finish(
            claim, status="sent", channel=channel, sent_at=now, errcode=None, last_error=None
        )

    async def mark_retry(
        self,
        claim: ClaimedNotice,
        next_attempt_at: datetime,
        errcode: int | None,
        error: str,
        channel: str | None = None,
    ) -> bool:
        return await self._finish(
            claim,
            status="pending",
            next_attempt_at=next_attempt_at,
            errcode=errcode,
            last_error=error[:2000],
            channel=channel,
        )

    async def mark_failed(
        self, claim: ClaimedNotice, errcode: int | None, error: str, channel: str | None = None
    ) -> bool:
        return await self._finish(
            claim, status="failed", errcode=errcode, last_error=error[:2000], channel=channel
        )

    async def release(self, claim: ClaimedNotice) -> bool:
        """Give a claimed row back untouched: shutting down before sending it, or an earlier
        notice to the same user has to be retried first."""
        return await self._finish(claim, status="pending", attempts=OutboxRow.attempts - 1)

    async def next_due_at(self) -> datetime | None:
        async with self._sessions() as s:
            value: datetime | None = await s.scalar(
                select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.status == "pending")
            )
            return value

    async def counts(self) -> dict[str, int]:
        async with self._sessions() as s:
            rows = await s.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            )
            return {status: int(n) for status, n in rows.all()}

    async def failures(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest notices that gave up, with why (for operators)."""
        async with self._sessions() as s:
            rs = await s.scalars(
                select(OutboxRow)
                .where(OutboxRow.status == "failed")
                .order_by(OutboxRow.id.desc())
                .limit(limit)
            )
            return [
                {
                    "id": r.id,
                    "recipient": r.recipient,
                    "kind": r.kind,
                    "attempts": r.attempts,
                    "channel": r.channel,
                    "errcode": r.errcode,
                    "last_error": r.last_error,
                    "created_at": r.created_at.isoformat(),
                }
                for r in rs
            ]

    async def requeue_failed(self, now: datetime, ids: Sequence[int] | None = None) -> int:
        """Give failed notices another round of attempts (after fixing a template, say)."""
        stmt = update(OutboxRow).where(OutboxRow.status == "failed")
        if ids is not None:
            stmt = stmt.where(OutboxRow.id.in_(list(ids)))
        async with self._sessions() as s, s.begin():
            result = await s.execute(
                stmt.values(
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    lease_until=None,
                    lease_token=None,
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
