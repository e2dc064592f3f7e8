"""From an accepted WeChat message to its answer: dedup, per-user lock, identity, conversation,
handlers, and the 5-second budget.

A turn runs in a unit of work that connects to the database only if a handler touches it.
- A turn that changed business data commits its own transaction, which also records the
  message and its reply in the inbound log (unique by dedup key) and queues its notices.
- A turn that only answered (most of them) hands those same writes to the batch writer, which
  commits many turns per transaction.
Either way the reply is returned to WeChat only after it is durably recorded, and a message
whose dedup key is already recorded (a retry, or another worker's delivery) leaves no trace.

When the budget runs out first, the message is recorded as `processing` before WeChat hears
`success`; the answer then goes through the outbox, and a crash in between is recovered by
`recover_stale` on the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyed_locks import KeyedLocks
from bot.wechat_protocol import render_reply
from domain.clock import Clock
from domain.conversation import Conversation
from domain.identity import Firm, Identity
from domain.notices import Notice
from handlers import texts
from handlers.message import Inbound
from handlers.replies import News, Reply, Text
from handlers.router import RootRouter
from handlers.turn import Ports, Turn
from storage.batch_writer import BatchWriter, Mode, WriteSet, write_in_session
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

IDENTITY_TTL_S = 30.0
CONVERSATION_CACHE_SIZE = 20_000
RECENT_KEYS = 50_000
STALE_AFTER = timedelta(minutes=2)


class _Late:
    """The budget ran out before the answer was ready."""


LATE = _Late()


class ReplySlot:
    """The handshake between the webhook (waiting up to the budget) and the handling task.
    Both sides decide synchronously, so exactly one of them wins: a passive reply or a late
    answer through the outbox, never both, never neither."""

    def __init__(self) -> None:
        self.state = "open"  # open -> passive | late
        self.accepted: asyncio.Future[bool] | None = None  # the durable `processing` row

    def try_claim_passive(self) -> bool:
        if self.state == "open":
            self.state = "passive"
        return self.state == "passive"

    def try_mark_late(self) -> bool:
        if self.state == "open":
            self.state = "late"
        return self.state == "late"


def message_from_fields(fields: dict[str, str]) -> Inbound:
    return Inbound(
        openid=fields["FromUserName"],
        msg_type=fields["MsgType"].lower(),
        created_at=datetime.fromtimestamp(int(fields["CreateTime"]), UTC),
        text=fields.get("Content", ""),
        event=fields.get("Event", "").lower(),
        event_key=fields.get("EventKey", ""),
        media_id=fields.get("MediaId", ""),
        pic_url=fields.get("PicUrl", ""),
        menu_id=fields.get("bizmsgmenuid", ""),
        msg_id=fields.get("MsgId", ""),
    )


def reply_notice(openid: str, reply: Reply, kind: str = "reply") -> Notice:
    """A reply that cannot go passively becomes a 客服 message through the outbox."""
    if isinstance(reply, Text):
        return Notice(openid, kind, reply.text, quick_replies=reply.quick_replies)
    if isinstance(reply, News):
        articles = [
            {"title": a.title, "description": a.description, "url": a.url, "picurl": a.image}
            for a in reply.articles
        ]
        title = reply.articles[0].title if reply.articles else ""
        return Notice(openid, kind, title, payload={"msgtype": "news", "articles": articles})
    return Notice(openid, kind, "[图片]", payload={"msgtype": "image", "media_id": reply.media_id})


@dataclass
class PipelineStats:
    handled: int = 0
    late: int = 0
    errors: int = 0
    duplicates: int = 0
    own_transactions: int = 0


@dataclass
class Pipeline:
    sessions: async_sessionmaker[AsyncSession]
    firm: Firm
    root: RootRouter
    ports: Ports
    clock: Clock
    writer: BatchWriter
    budget_s: float = 4.0
    # Keep identities and conversation state in memory between turns. Right for one process
    # (SQLite); with several workers (PostgreSQL) a user's next message may land on another
    # worker, so both are read from the database every turn.
    single_process: bool = True
    on_late: Callable[[], None] | None = None  # pokes the outbox sender: notices queued
    stats: PipelineStats = field(default_factory=PipelineStats)
    _locks: KeyedLocks = field(default_factory=KeyedLocks)
    _inflight: dict[str, asyncio.Future[str | None]] = field(default_factory=dict)
    _identities: dict[str, tuple[float, Identity]] = field(default_factory=dict)
    _conversations: OrderedDict[str, Conversation] = field(default_factory=OrderedDict)
    # dedup key -> passive reply of recently answered messages (WeChat retries within ~15 s)
    _recent: OrderedDict[str, str | None] = field(default_factory=OrderedDict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    # -- receiving -------------------------------------------------------------------------

    async def receive(self, fields: dict[str, str], key: str) -> str | None:
        """The passive reply XML (plain, not yet encrypted), or None to answer `success`."""
        inflight = self._inflight.get(key)
        if inflight is not None:  # WeChat retried while we are still on it
            self.stats.duplicates += 1
            return await self._wait(inflight)
        if key in self._recent:  # a retry of something answered lately
            self.stats.duplicates += 1
            return self._recent[key]
        loop = asyncio.get_running_loop()
        done: asyncio.Future[str | None] = loop.create_future()
        self._inflight[key] = done
        done.add_done_callback(lambda _f: self._inflight.pop(key, None))
        slot = ReplySlot()
        # What this request waits for: the handled reply, or the budget running out first.
        # (One future and one timer: cheaper than wait_for + shield on every message.)
        answer: asyncio.Future[str | _Late | None] = loop.create_future()

        def handled(f: asyncio.Future[str | None]) -> None:
            if not answer.done():
                answer.set_result(f.result())

        def out_of_time() -> None:
            # Only if the handler has not claimed the passive reply; else its answer follows.
            if not answer.done() and slot.try_mark_late():
                answer.set_result(LATE)

        done.add_done_callback(handled)
        timer = loop.call_later(self.budget_s, out_of_time)
        task = loop.create_task(self._handle(key, fields, slot, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            result = await answer
        finally:
            timer.cancel()
        if not isinstance(result, _Late):
            return result
        self.stats.late += 1
        # Durable before we say `success`: the answer will follow through the outbox.
        slot.accepted = self.writer.submit_nowait(
            self._write_set(key, fields, "processing", "accept")
        )
        await slot.accepted
        return None

    async def _wait(self, fut: asyncio.Future[str | None]) -> str | None:
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.budget_s)
        except TimeoutError:
            return None

    def _write_set(self, key: str, fields: dict[str, str], status: str, mode: Mode) -> WriteSet:
        now = self.clock.now()
        return WriteSet(
            appid=self.firm.appid,
            openid=fields["FromUserName"],
            dedup_key=key,
            msg_type=fields["MsgType"].lower(),
            payload=fields,
            status=status,
            received_at=now,
            mode=mode,
            answered_at=None if mode == "accept" else now,
        )

    # -- handling --------------------------------------------------------------------------

    async def _handle(
        self, key: str, fields: dict[str, str], slot: ReplySlot, done: asyncio.Future[str | None]
    ) -> None:
        reply_xml: str | None = None
        try:
            reply_xml = await self._run_turn(key, fields, slot)
        except Exception:
            self.stats.errors += 1
            log.exception("handler failed for %s", key)
            reply_xml = await self._answer_error(key, fields, slot)
        finally:
            if not done.done():
                done.set_result(reply_xml)

    async def _identity(self, openid: str) -> Identity:
        hit = self._identities.get(openid)
        mono = time.monotonic()
        if hit is not None and hit[0] > mono:
            return hit[1]
        async with self.uow() as uow:
            ident = await uow.identities.resolve(self.firm, openid)
        if self.single_process:
            self._identities[openid] = (mono + IDENTITY_TTL_S, ident)
        return ident

    def forget_identity(self, openid: str) -> None:
        """Call after a binding change made elsewhere in this process."""
        self._identities.pop(openid, None)

    async def _conversation(self, openid: str) -> Conversation:
        cached = self._conversations.get(openid)
        if cached is not None:
            self._conversations.move_to_end(openid)
            return Conversation(
                cached.appid,
                cached.openid,
                cached.flow,
                dict(cached.slots),
                cached.requested_slot,
                cached.updated_at,
            )
        async with self.uow() as uow:
            return await uow.conversations.load(self.firm.appid, openid)

    def _remember(self, conv: Conversation) -> None:
        if not self.single_process:
            return
        self._conversations[conv.openid] = conv
        self._conversations.move_to_end(conv.openid)
        while len(self._conversations) > CONVERSATION_CACHE_SIZE:
            self._conversations.popitem(last=False)

    async def _run_turn(self, key: str, fields: dict[str, str], slot: ReplySlot) -> str | None:
        message = message_from_fields(fields)
        openid = message.openid
        async with self._locks.hold(openid):
            identity = await self._identity(openid)
            conv = await self._conversation(openid)
            before = conv.snapshot()
            async with self.uow() as uow:
                now = self.clock.now()
                turn = Turn(message, identity, conv, uow, self.ports, now)
                replies = await self.root.handle(turn)
                changed = conv.snapshot() != before
                if changed:
                    conv.updated_at = now
                if turn.identity != identity:
                    self.forget_identity(openid)
                reply_xml, writes = self._settle(key, fields, replies, slot, now)
                writes.conversation = conv if changed else None
                touched = uow.touched
                if touched:
                    self.stats.own_transactions += 1
                    applied = key in await write_in_session(uow.session, [writes])
                    if applied:
                        await uow.commit()
                else:
                    applied = await self.writer.submit(writes)
            if not applied:  # recorded before: an old retry, or another worker's delivery
                self.stats.duplicates += 1
                self._conversations.pop(openid, None)
                async with self.uow() as uow:
                    earlier = await uow.inbound.get(self.firm.appid, key)
                if earlier is not None and earlier.status == "answered":
                    return earlier.reply_xml
                return None
            self._remember(conv)
            self._answered(key, reply_xml)
        self.stats.handled += 1
        if (touched or writes.notices) and self.on_late is not None:
            self.on_late()
        return reply_xml

    def _settle(
        self, key: str, fields: dict[str, str], replies: list[Reply], slot: ReplySlot, now: datetime
    ) -> tuple[str | None, WriteSet]:
        openid = fields["FromUserName"]
        if slot.try_claim_passive():
            first, rest = (replies[0], replies[1:]) if replies else (None, [])
            reply_xml = (
                render_reply(first, openid, fields["ToUserName"], int(now.timestamp()))
                if first is not None
                else None
            )
            writes = self._write_set(key, fields, "answered", "insert")
            writes.reply_xml = reply_xml
            writes.notices = [reply_notice(openid, r) for r in rest]
            return reply_xml, writes
        writes = self._write_set(key, fields, "late", "finish")
        writes.notices = [reply_notice(openid, r, kind="late_reply") for r in replies]
        return None, writes

    def _answered(self, key: str, reply_xml: str | None) -> None:
        self._recent[key] = reply_xml
        while len(self._recent) > RECENT_KEYS:
            self._recent.popitem(last=False)

    async def _answer_error(self, key: str, fields: dict[str, str], slot: ReplySlot) -> str | None:
        """A handler crashed: say sorry once and remember it, so retries don't crash again."""
        try:
            reply_xml, writes = self._settle(
                key, fields, [Text(texts.INTERNAL_ERROR)], slot, self.clock.now()
            )
            if slot.accepted is not None:
                await slot.accepted
            if await self.writer.submit(writes):
                self._answered(key, reply_xml)
            if writes.notices and self.on_late is not None:
                self.on_late()
            return reply_xml
        except Exception:
            log.exception("could not record the failure of %s", key)
            return None

    # -- lifecycle -------------------------------------------------------------------------

    async def recover_stale(self) -> int:
        """Handle messages whose process died mid-way; their answers go through the outbox."""
        async with self.uow() as uow:
            stale = await uow.inbound.stale(self.clock.now() - STALE_AFTER)
        recovered = 0
        for rec in stale:
            async with self.uow() as uow:
                if not await uow.inbound.claim_stale(rec.id, self.clock.now()):
                    continue
                await uow.commit()
            slot = ReplySlot()
            slot.try_mark_late()
            fields = dict(rec.payload)
            key = rec.dedup_key
            try:
                await self._run_turn(key, fields, slot)
            except Exception:
                log.exception("recovery of %s failed", key)
                await self._answer_error(key, fields, slot)
            recovered += 1
        return recovered

    async def drain(self, grace_s: float = 10.0) -> None:
        """Let running handlers finish (graceful shutdown); cancel what outlasts the grace
        period. Their messages stay `processing` and are recovered on the next start."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(list(self._tasks), timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d unfinished handlers at shutdown", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
