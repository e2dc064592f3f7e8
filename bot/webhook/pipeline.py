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

Nothing is acknowledged that is not kept. When the database cannot take a message (it refuses
connections, the disk is full), the message goes to the local `InboundJournal` before WeChat
hears anything, and is replayed when the database is back. When the journal cannot take it
either, WeChat gets no acknowledgement (`NotKept`: the webhook answers 503) and retries; the
last retry is told kindly to send again later.

A passive reply counts only if it can still reach the wire: WeChat drops the connection at 5 s.
An answer that became durable after every waiting delivery of its message had run out of time
travels through the outbox instead (once), so it is neither lost nor sent twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.json_logs import MESSAGE_ID
from bot.runtime.metrics import HANDLER_ERRORS, REPLIED_IN_BUDGET, REPLIED_LATE, count_message_in
from bot.webhook.deadlines import Deadlines
from bot.webhook.journal import InboundJournal
from bot.webhook.locks import KeyedLocks
from bot.wechat.protocol import render_reply
from bot.wechat.speech import Transcriber
from domain.clock import Clock
from domain.conversation import Conversation
from domain.identity import Firm, Identity
from domain.notices import Article, ChatReply, Notice, NoticeKind
from handlers import texts
from handlers.message import Inbound
from handlers.replies import News, Reply, Text
from handlers.router import RootRouter
from handlers.turn import Ports, Turn
from storage.batch_writer import BatchWriter, Mode, WriteSet, write_in_session
from storage.conversations import load_on
from storage.identities import resolve_on
from storage.turn_reads import identity_and_conversation
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

IDENTITY_TTL_S = 30.0
IDENTITY_CACHE_SIZE = 20_000
CONVERSATION_CACHE_SIZE = 20_000
RECENT_KEYS = 50_000
STALE_AFTER = timedelta(minutes=2)
# WeChat closes the connection 5 s after it sent a delivery; a passive reply ready later than
# this after the delivery arrived would go to a closed socket.
WIRE_DEADLINE_S = 4.8
# A message WeChat delivers this many times while we cannot keep it gets a kind "send it again".
LAST_DELIVERY = 3
NOT_KEPT_MEMORY = 5_000


class _Late:
    """The budget ran out before the answer was ready."""


LATE = _Late()


class _NotKept:
    """Neither the database nor the journal could take the message."""


NOT_KEPT = _NotKept()
Outcome = str | None | _NotKept


class NotKept(Exception):
    """Not durable anywhere: the webhook must not acknowledge it (WeChat will retry)."""


def is_storage_failure(exc: BaseException) -> bool:
    """The database (or the disk under it) failed, as opposed to a bug in a handler: the
    message must be kept elsewhere and handled again later, not answered with an apology."""
    return isinstance(
        exc, sa_exc.DBAPIError | sa_exc.TimeoutError | sa_exc.ResourceClosedError | OSError
    ) and not isinstance(exc, sa_exc.IntegrityError)


class ReplySlot:
    """The handshake between the webhook (waiting up to the budget) and the handling task.
    Both sides decide synchronously, so exactly one of them wins: a passive reply or a late
    answer through the outbox, never both, never neither."""

    def __init__(self, deadline: float = float("inf")) -> None:
        self.state = "open"  # open -> passive | late
        self.accepted: asyncio.Future[bool] | None = None  # the durable `processing` row
        # Loop time until which some delivery of this message still waits on an open socket.
        self.deadline = deadline

    def extend(self, deadline: float) -> None:
        self.deadline = max(self.deadline, deadline)

    def try_claim_passive(self) -> bool:
        if self.state == "open":
            self.state = "passive"
        return self.state == "passive"

    def try_mark_late(self) -> bool:
        if self.state == "open":
            self.state = "late"
        return self.state == "late"


# What WeChat's recognition (or its speech-to-text API) puts around the words it heard.
_HEARD_PUNCT = "。，！？!?,. \t\n"


def heard_text(recognised: str) -> str:
    """A transcript as the person would have typed it: without the trailing full stop."""
    return recognised.strip().strip(_HEARD_PUNCT)


def message_from_fields(fields: dict[str, str], transcript: str | None = None) -> Inbound:
    """The handlers' view of a message. A voice message's words are its `Recognition` field,
    or `transcript` (from the speech-to-text API) when recognition is off for the account."""
    msg_type = fields["MsgType"].lower()
    text = fields.get("Content", "")
    if msg_type == "voice":
        text = heard_text(fields.get("Recognition", "") or transcript or "")
    return Inbound(
        openid=fields["FromUserName"],
        msg_type=msg_type,
        created_at=datetime.fromtimestamp(int(fields["CreateTime"]), UTC),
        text=text,
        event=fields.get("Event", "").lower(),
        event_key=fields.get("EventKey", ""),
        media_id=fields.get("MediaId", ""),
        pic_url=fields.get("PicUrl", ""),
        menu_id=fields.get("bizmsgmenuid", ""),
        msg_id=fields.get("MsgId", ""),
        voice_format=fields.get("Format", "").lower() if msg_type == "voice" else "",
        transcribed=msg_type == "voice" and not fields.get("Recognition") and bool(transcript),
    )


def reply_notice(openid: str, reply: Reply, kind: NoticeKind = NoticeKind.REPLY) -> Notice:
    """A reply that cannot go passively becomes a 客服 message through the outbox, worded as
    the chat worded it."""
    if isinstance(reply, Text):
        return Notice(openid, kind, ChatReply(reply.text, reply.quick_replies))
    if isinstance(reply, News):
        articles = tuple(Article(a.title, a.description, a.url, a.image) for a in reply.articles)
        return Notice(openid, kind, ChatReply(articles=articles))
    return Notice(openid, kind, ChatReply(media_id=reply.media_id))


@dataclass
class PipelineStats:
    handled: int = 0
    late: int = 0
    errors: int = 0
    duplicates: int = 0
    journalled: int = 0  # kept in the local journal while the database could not take them
    not_kept: int = 0  # not acknowledged: neither the database nor the journal took them
    missed_wire: int = 0  # passive answers that became late ones: every socket had closed


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
    # Pokes whoever works the queues a turn wrote to (`bot.keys.WakeUps.turn_queued_work`).
    wake_workers: Callable[[], None] | None = None
    journal: InboundJournal | None = None
    owner: str = ""  # this instance, stable across its restarts (host:port or INSTANCE_ID)
    # PostgreSQL (several workers may share it): one user's turns in order across processes.
    cross_process_lock: bool = False
    # Words for voice messages that come without `Recognition` (set once the API client exists).
    transcriber: Transcriber | None = None
    stats: PipelineStats = field(default_factory=PipelineStats)
    _locks: KeyedLocks = field(default_factory=KeyedLocks)
    _inflight: dict[str, tuple[asyncio.Future[Outcome], ReplySlot]] = field(default_factory=dict)
    _identities: OrderedDict[str, tuple[float, Identity]] = field(default_factory=OrderedDict)
    # dedup key -> deliveries seen while the message could not be kept
    _unkept: OrderedDict[str, int] = field(default_factory=OrderedDict)
    _conversations: OrderedDict[str, Conversation] = field(default_factory=OrderedDict)
    # dedup key -> passive reply of recently answered messages (WeChat retries within ~15 s)
    _recent: OrderedDict[str, str | None] = field(default_factory=OrderedDict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _deadlines: Deadlines | None = None  # every message's budget timer, on one handle

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    # -- receiving -------------------------------------------------------------------------

    async def receive(self, fields: dict[str, str], key: str) -> str | None:
        """The passive reply XML (plain, not yet encrypted), or None to answer `success`.
        Raises `NotKept` when the message could not be kept anywhere."""
        inflight = self._inflight.get(key)
        if inflight is not None:  # WeChat retried while we are still on it
            self.stats.duplicates += 1
            return self._kept_or_raise(key, fields, await self._wait(*inflight))
        if key in self._recent:  # a retry of something answered lately
            self.stats.duplicates += 1
            return self._recent[key]
        count_message_in(fields.get("MsgType", "").lower())
        MESSAGE_ID.set(key)  # this request's task and the handler's (which copies it) log it
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome] = loop.create_future()
        slot = ReplySlot(loop.time() + WIRE_DEADLINE_S)
        self._inflight[key] = (done, slot)
        done.add_done_callback(lambda _f: self._inflight.pop(key, None))
        # What this request waits for: the handled reply, or the budget running out first.
        # (One future and one timer: cheaper than wait_for + shield on every message.)
        answer: asyncio.Future[Outcome | _Late] = loop.create_future()

        def handled(f: asyncio.Future[Outcome]) -> None:
            if not answer.done():
                answer.set_result(f.result())

        def out_of_time() -> None:
            # Only if the handler has not claimed the passive reply; else its answer follows.
            if not answer.done() and slot.try_mark_late():
                answer.set_result(LATE)

        done.add_done_callback(handled)
        timer = self._budget_timers(loop).add(out_of_time)
        task = loop.create_task(self._handle(key, fields, slot, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            result = await answer
        finally:
            timer.cancel()
        if not isinstance(result, _Late):
            REPLIED_IN_BUDGET.inc()
            return self._kept_or_raise(key, fields, result)
        self.stats.late += 1
        REPLIED_LATE.inc()
        # Durable before we say `success`: the answer will follow through the outbox.
        slot.accepted = self.writer.submit_nowait(
            self._write_set(key, fields, "processing", "accept")
        )
        try:
            await slot.accepted
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            # The handler is still running and will meet the same outage; keeping the message
            # here first is what lets us say `success` now.
            kept = await self._journal(key, fields)
            return self._kept_or_raise(key, fields, None if kept else NOT_KEPT)
        return None

    def _budget_timers(self, loop: asyncio.AbstractEventLoop) -> Deadlines:
        timers = self._deadlines
        if timers is None or timers.loop is not loop or timers.delay_s != self.budget_s:
            timers = self._deadlines = Deadlines(loop, self.budget_s)
        return timers

    async def _wait(self, fut: asyncio.Future[Outcome], slot: ReplySlot) -> Outcome:
        """A retry of a message still being handled. Its socket is a new chance for the
        passive reply; if the answer is not ready within the budget, `success` is said only
        once the message is durable (accepted as late), never while its fate is open."""
        loop = asyncio.get_running_loop()
        slot.extend(loop.time() + WIRE_DEADLINE_S)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.budget_s)
        except TimeoutError:
            pass
        accepted = slot.accepted
        if slot.state == "late" and accepted is not None:
            try:
                await asyncio.shield(accepted)
                return None
            except Exception:
                pass  # the original delivery journals it or reports it not kept
        # The handler holds the passive reply while its commit stalls: no answer on this
        # socket (WeChat will retry, and a later delivery or the outbox gets the answer).
        return await asyncio.shield(fut)

    def _kept_or_raise(self, key: str, fields: dict[str, str], outcome: Outcome) -> str | None:
        if not isinstance(outcome, _NotKept):
            self._unkept.pop(key, None)
            return outcome
        seen = self._unkept.get(key, 0) + 1
        self._unkept[key] = seen
        self._unkept.move_to_end(key)
        while len(self._unkept) > NOT_KEPT_MEMORY:
            self._unkept.popitem(last=False)
        if seen >= LAST_DELIVERY:
            # WeChat gives up after this delivery: tell the person, rather than nothing.
            self._unkept.pop(key, None)
            return render_reply(
                Text(texts.BUSY_SEND_AGAIN),
                fields["FromUserName"],
                fields["ToUserName"],
                int(self.clock.now().timestamp()),
            )
        raise NotKept(key)

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
            owner=self.owner or None if mode == "accept" else None,
        )

    # -- handling --------------------------------------------------------------------------

    async def _handle(
        self, key: str, fields: dict[str, str], slot: ReplySlot, done: asyncio.Future[Outcome]
    ) -> None:
        outcome: Outcome = None
        try:
            outcome = await self._run_turn(key, fields, slot)
        except Exception as exc:
            if is_storage_failure(exc):
                log.warning("storage unavailable for %s: %s", key, _brief(exc))
                outcome = await self._spill(key, fields, slot)
            else:
                self.stats.errors += 1
                HANDLER_ERRORS.inc()
                log.exception("handler failed for %s", key)
                outcome = await self._answer_error(key, fields, slot)
        finally:
            if not done.done():
                done.set_result(outcome)

    async def _journal(self, key: str, fields: dict[str, str]) -> bool:
        if self.journal is None:
            return False
        try:
            await self.journal.append(key, fields)
        except OSError as exc:
            log.error("inbound journal refused %s: %s", key, exc)
            return False
        self.stats.journalled += 1
        return True

    async def _spill(self, key: str, fields: dict[str, str], slot: ReplySlot) -> Outcome:
        """The database could not take the message: keep it in the journal, and say so."""
        if not await self._journal(key, fields):
            self.stats.not_kept += 1
            return NOT_KEPT
        if slot.try_claim_passive():
            return render_reply(
                Text(texts.BUSY_KEPT),
                fields["FromUserName"],
                fields["ToUserName"],
                int(self.clock.now().timestamp()),
            )
        return None  # the delivery that marked it late says `success`: it is kept now

    async def _user(self, openid: str) -> tuple[Identity, Conversation]:
        """Who is writing and where their conversation stands: from memory when this
        process remembers them (one process only), else both read in one short session."""
        identity = self._known_identity(openid)
        conv = self._known_conversation(openid)
        if identity is not None and conv is not None:
            return identity, conv
        # A plain connection, not an ORM session: one or two prebuilt statements.
        async with self.sessions.kw["bind"].connect() as conn:
            if identity is None and conv is None:
                identity, conv = await identity_and_conversation(conn, self.firm, openid)
                self._keep_identity(openid, identity)
                return identity, conv
            if identity is None:
                identity = await resolve_on(conn, self.firm, openid)
                self._keep_identity(openid, identity)
            if conv is None:
                conv = await load_on(conn, self.firm.appid, openid)
        return identity, conv

    def _known_identity(self, openid: str) -> Identity | None:
        hit = self._identities.get(openid)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def _keep_identity(self, openid: str, ident: Identity) -> None:
        if not self.single_process:
            return
        self._identities[openid] = (time.monotonic() + IDENTITY_TTL_S, ident)
        self._identities.move_to_end(openid)
        while len(self._identities) > IDENTITY_CACHE_SIZE:
            self._identities.popitem(last=False)

    def forget_identity(self, openid: str) -> None:
        """Call after a binding change made elsewhere in this process."""
        self._identities.pop(openid, None)

    def _known_conversation(self, openid: str) -> Conversation | None:
        cached = self._conversations.get(openid)
        if cached is None:
            return None
        self._conversations.move_to_end(openid)
        return Conversation(
            cached.appid,
            cached.openid,
            cached.flow,
            dict(cached.slots),
            cached.requested_slot,
            cached.updated_at,
        )

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
            if message.msg_type == "voice" and not message.text and self.transcriber is not None:
                # Inside the lock, so the person's messages keep their order; under the reply
                # budget like any turn, so a slow transcript is answered through the outbox.
                heard = await self.transcriber.transcribe(message.media_id, message.voice_format)
                message = message_from_fields(fields, heard)
            async with self.uow() as uow:
                if self.cross_process_lock:
                    # Several workers on PostgreSQL: one user's turns in order across processes
                    # too. The lock belongs to the turn's own transaction, so it holds until the
                    # turn's writes commit, on the one connection the turn uses anyway.
                    lock_id = _advisory_key(self.firm.appid, openid)
                    await uow.session.execute(select(func.pg_advisory_xact_lock(lock_id)))
                    identity, conv = await identity_and_conversation(uow.session, self.firm, openid)
                else:
                    identity, conv = await self._user(openid)
                before = conv.snapshot()
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
                # Work for the sender or the reader is queued only by a turn that wrote.
                queued = uow.wrote
                if touched and self.single_process and not queued:
                    # The turn only read (who the firm's staff are, say): end that read and
                    # let the batch writer group this turn's writes with others'.
                    await uow.rollback()
                    touched = False
                if touched:
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
            if queued:
                # Business data changed (the firm's staff or catalogue, perhaps): read what
                # strangers are told afresh.
                self.ports.phone_memory.forget()
                self.ports.services_memory.forget()
            if reply_xml is not None and asyncio.get_running_loop().time() > slot.deadline:
                await self._missed_wire(key, fields, replies)
                reply_xml = None
            self._answered(key, reply_xml)
        self.stats.handled += 1
        if (queued or writes.notices) and self.wake_workers is not None:
            self.wake_workers()
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
        writes.notices = [reply_notice(openid, r, NoticeKind.LATE_REPLY) for r in replies]
        return None, writes

    async def _missed_wire(self, key: str, fields: dict[str, str], replies: list[Reply]) -> None:
        """The passive reply is durable, but every socket that could carry it has closed:
        send it through the outbox instead, once (the notice's dedup key), and make sure a
        stray later retry is not answered passively as well."""
        self.stats.missed_wire += 1
        openid = fields["FromUserName"]
        async with self.uow() as uow:
            now = self.clock.now()
            if await uow.inbound.demote_to_late(self.firm.appid, key, now):
                notice = reply_notice(openid, replies[0], NoticeKind.LATE_REPLY)
                await uow.outbox.add(replace(notice, dedup_key=f"wire:{key}"), now)
            await uow.commit()
        if self.wake_workers is not None:
            self.wake_workers()
        return None

    def _answered(self, key: str, reply_xml: str | None) -> None:
        self._recent[key] = reply_xml
        while len(self._recent) > RECENT_KEYS:
            self._recent.popitem(last=False)

    async def _answer_error(self, key: str, fields: dict[str, str], slot: ReplySlot) -> Outcome:
        """A handler crashed: say sorry once and remember it, so retries don't crash again."""
        try:
            reply_xml, writes = self._settle(
                key, fields, [Text(texts.INTERNAL_ERROR)], slot, self.clock.now()
            )
            if slot.accepted is not None:
                await slot.accepted
            if await self.writer.submit(writes):
                self._answered(key, reply_xml)
            if writes.notices and self.wake_workers is not None:
                self.wake_workers()
            return reply_xml
        except Exception as exc:
            if is_storage_failure(exc):
                return await self._spill(key, fields, slot)
            log.exception("could not record the failure of %s", key)
            return None

    # -- lifecycle -------------------------------------------------------------------------

    async def recover_stale(self, at_start: bool = False) -> int:
        """Handle messages whose process died mid-way; their answers go through the outbox.
        At start this instance's own unanswered messages are its previous life's: taken back
        at once, not after `STALE_AFTER`."""
        async with self.uow() as uow:
            stale = await uow.inbound.stale(
                self.clock.now() - STALE_AFTER, owner=self.owner or None if at_start else None
            )
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

    async def replay(self, key: str, fields: dict[str, str]) -> None:
        """Handle a message from the journal: accepted now, answered through the outbox.
        Raises while the database is still unavailable (the journal keeps the message)."""
        if key in self._inflight:
            return  # WeChat's retry brought it back while it sat in the journal
        slot = ReplySlot()
        slot.try_mark_late()
        if not await self.writer.submit(self._write_set(key, fields, "processing", "accept")):
            return  # already in the log: handled, or being handled
        try:
            await self._run_turn(key, fields, slot)
        except Exception as exc:
            if is_storage_failure(exc):
                raise  # the `processing` row is recovered later, like after a crash
            self.stats.errors += 1
            log.exception("replay of %s failed", key)
            await self._answer_error(key, fields, slot)

    async def replay_journal(self) -> int:
        if self.journal is None or not self.journal.pending():
            return 0
        replayed = await self.journal.replay(self.replay)
        if replayed:
            log.info("replayed %d journalled messages", replayed)
        return replayed

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


def _advisory_key(appid: str, openid: str) -> int:
    digest = hashlib.blake2b(f"{appid}:{openid}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
