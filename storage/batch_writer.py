"""Group commit for the conversation hot path.

Most turns only answer: they change no business data, just the inbound log (the message and
its reply), perhaps the conversation state, perhaps a few notices. Giving each such turn its
own transaction makes SQLite's single writer the bottleneck, so those writes are queued here
and committed together, many turns per transaction, with the dedup key still deciding: a turn
whose inbound row already exists (handled by another worker) has none of its writes applied.

A turn that touched business data commits in its own unit of work instead, with the same
statements (`write_in_session`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Insert, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversation import Conversation
from domain.notices import Notice
from storage.outbox import outbox_row, queue_notices
from storage.tables.messaging import ConversationRow, InboundRow

log = logging.getLogger(__name__)

# insert: a handled message with its final status; accept: the durable "processing" row
# written before answering WeChat `success`; finish: the final status of an accepted row.
Mode = Literal["insert", "accept", "finish"]
MAX_BATCH = 200
# After a wake-up, how long to let more turns join the batch. Statements run inline on the loop
# (see storage.engine), so nothing queues up *while* a batch commits: a short linger is what
# turns one commit per message into one commit per few dozen. PostgreSQL: a commit is a round
# trip and a WAL flush, so batches are worth 2 ms. SQLite (WAL, synchronous=NORMAL): a commit
# is cheap and runs on the loop itself, and every moment of linger with all connections waiting
# on the batch is an idle core: 0.5 ms gave 15 % more first deliveries a second than 2 ms (five
# paired runs of the webhook load, bench/RUSH.md).
LINGER_S = 0.002
SQLITE_LINGER_S = 0.0005


@dataclass
class WriteSet:
    appid: str
    openid: str
    dedup_key: str
    msg_type: str
    payload: dict[str, Any]
    status: str
    received_at: datetime
    mode: Mode = "insert"
    reply_xml: str | None = None
    answered_at: datetime | None = None
    conversation: Conversation | None = None  # set when the state changed
    notices: list[Notice] = field(default_factory=list)
    owner: str | None = None  # set on `accept`: who is handling it

    def inbound_values(self) -> dict[str, Any]:
        return {
            "appid": self.appid,
            "openid": self.openid,
            "dedup_key": self.dedup_key,
            "msg_type": self.msg_type,
            "payload": self.payload,
            "status": self.status,
            "reply_xml": self.reply_xml,
            "received_at": self.received_at,
            "answered_at": self.answered_at,
            "owner": self.owner,
        }


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _insert(session: AsyncSession, model: Any) -> Any:
    # Core inserts on the Table: the ORM's bulk path costs more than the statement itself.
    module = postgresql if _dialect(session) == "postgresql" else sqlite
    return module.insert(model.__table__)


def _build_inbound(session: AsyncSession, mode: Mode) -> Insert:
    stmt = _insert(session, InboundRow)
    if mode == "finish":
        stmt = stmt.on_conflict_do_update(
            index_elements=["appid", "dedup_key"],
            set_={
                "status": stmt.excluded.status,
                "reply_xml": stmt.excluded.reply_xml,
                "answered_at": stmt.excluded.answered_at,
            },
            # Two comparisons, not IN: an IN list is an "expanding" parameter, which SQLAlchemy
            # refuses in an executemany (a batch of late answers failed that way in the soak).
            where=or_(
                InboundRow.__table__.c.status == "processing",
                InboundRow.__table__.c.status == "recovering",
            ),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["appid", "dedup_key"])
    return stmt.returning(InboundRow.__table__.c.dedup_key)  # type: ignore[no-any-return]


def _build_conversation_upsert(session: AsyncSession) -> Insert:
    stmt = _insert(session, ConversationRow)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["appid", "openid"],
        set_={
            "flow": stmt.excluded.flow,
            "slots": stmt.excluded.slots,
            "requested_slot": stmt.excluded.requested_slot,
            "updated_at": stmt.excluded.updated_at,
        },
    )


# Built once per dialect and executed with parameters (never `.values(rows)`, which puts the
# rows into the statement, so SQLAlchemy compiled it afresh for every turn).
_STATEMENTS: dict[tuple[str, str], Insert] = {}


def _inbound_statement(session: AsyncSession, mode: Mode) -> Insert:
    key = (_dialect(session), mode)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _build_inbound(session, mode)
    return stmt


def _conversation_upsert(session: AsyncSession) -> Insert:
    key = (_dialect(session), "conversation")
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _build_conversation_upsert(session)
    return stmt


# The hot path's one statement, as the driver sees it: no compilation or per-value type
# processing for every message. Values are stored exactly as the column types store them
# (JSON text; naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"), which a test checks by reading back.
_SQLITE_INBOUND = (
    "INSERT INTO inbound_messages (appid, openid, dedup_key, msg_type, payload, status, "
    "reply_xml, received_at, answered_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (appid, dedup_key) DO NOTHING"
)


def _sqlite_time(value: datetime | None) -> str | None:
    # isoformat, not strftime: the same text at a third of the cost (twice per message)
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_row(i: WriteSet) -> tuple[Any, ...]:
    return (
        i.appid,
        i.openid,
        i.dedup_key,
        i.msg_type,
        json.dumps(i.payload),
        i.status,
        i.reply_xml,
        _sqlite_time(i.received_at),
        _sqlite_time(i.answered_at),
        i.owner,
    )


async def write_in_session(
    session: AsyncSession, items: Sequence[WriteSet], *, fresh: bool = False
) -> set[str]:
    """Apply the write sets in `session`'s transaction (the caller commits). Returns the dedup
    keys that were applied; the others were duplicates and left no trace.

    `fresh`: the transaction has written nothing else yet, so on SQLite the common case (no
    duplicates) can use a plain executemany, three times cheaper than a multi-row INSERT ...
    RETURNING, and fall back to the exact path only when a row was skipped."""
    if fresh and _dialect(session) == "sqlite" and all(i.mode != "finish" for i in items):
        conn = await session.connection()
        result = await conn.exec_driver_sql(_SQLITE_INBOUND, [_sqlite_row(i) for i in items])
        if result.rowcount == len(items):
            await _write_rest(session, items)
            return {i.dedup_key for i in items}
        await session.rollback()  # some were seen before: find out which, exactly
    applied: set[str] = set()
    for mode in ("insert", "accept", "finish"):
        group = [i for i in items if i.mode == mode]
        if not group:
            continue
        stmt = _inbound_statement(session, mode)
        # RETURNING names exactly the rows that went in (SQLAlchemy sends many rows as one
        # multi-row INSERT, "insertmanyvalues", from the one cached compilation).
        returned = await session.execute(stmt, [i.inbound_values() for i in group])
        applied.update(returned.scalars().all())
    await _write_rest(session, [i for i in items if i.dedup_key in applied])
    return applied


async def _write_rest(session: AsyncSession, winners: Sequence[WriteSet]) -> None:
    await _write_conversations(session, [i.conversation for i in winners if i.conversation])
    await _write_notices(session, [n for i in winners for n in i.notices], winners)


async def _write_conversations(session: AsyncSession, convs: Iterable[Conversation]) -> None:
    rows = [
        {
            "appid": c.appid,
            "openid": c.openid,
            "flow": c.flow,
            "slots": dict(c.slots),
            "requested_slot": c.requested_slot,
            "updated_at": c.updated_at,
        }
        for c in convs
    ]
    if not rows:
        return
    await session.execute(_conversation_upsert(session), rows)


async def _write_notices(
    session: AsyncSession, notices: Sequence[Notice], items: Sequence[WriteSet]
) -> None:
    if not notices:
        return
    now = max(i.answered_at or i.received_at for i in items)
    await queue_notices(session, [outbox_row(n, now) for n in notices])


class BatchWriter:
    """Queues write sets and commits them in batches: while one batch commits, the next fills."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, linger_s: float = LINGER_S
    ) -> None:
        self._sessions = sessions
        self._linger_s = linger_s
        self._queue: list[tuple[WriteSet, asyncio.Future[bool]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._in_flight = 0
        # Since when writes have waited without a commit succeeding (None: nothing waits).
        self._waiting_since: float | None = None
        self.batches = 0
        self.items = 0

    @property
    def pending(self) -> int:
        """Write sets queued or being committed."""
        return len(self._queue) + self._in_flight

    def stalled_for(self) -> float:
        """Seconds that queued writes have waited without a commit succeeding: since the last
        successful commit, or since work arrived at an idle writer; 0 when nothing waits. Reported
        by the readiness check: a wedged database shows here before anything else."""
        if self._waiting_since is None or not self.pending:
            return 0.0
        return time.monotonic() - self._waiting_since

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="batch-writer")

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    def submit_nowait(self, item: WriteSet) -> asyncio.Future[bool]:
        """Queue `item`; the future tells whether it was applied (False: a duplicate)."""
        if self._task is None or self._closing:
            raise RuntimeError("batch writer is not running")
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not self.pending:
            self._waiting_since = time.monotonic()
        self._queue.append((item, fut))
        self._wakeup.set()
        return fut

    async def submit(self, item: WriteSet) -> bool:
        return await self.submit_nowait(item)

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            if not self._closing:
                await asyncio.sleep(self._linger_s)
            self._wakeup.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                await self._commit(batch)
            if self._closing and not self._queue:
                return

    async def _commit(self, batch: list[tuple[WriteSet, asyncio.Future[bool]]]) -> None:
        items = [item for item, _ in batch]
        self._in_flight = len(batch)
        try:
            async with self._sessions() as session:
                applied = await write_in_session(session, items, fresh=True)
                await session.commit()
        except Exception as exc:
            log.exception("batch of %d writes failed", len(batch))
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        finally:
            self._in_flight = 0
        self._waiting_since = time.monotonic() if self._queue else None
        self.batches += 1
        self.items += len(batch)
        for item, fut in batch:
            if not fut.done():
                fut.set_result(item.dedup_key in applied)
