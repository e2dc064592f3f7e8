"""From an accepted WeChat message to its answer: dedup, per-user lock, identity, conversation,
handlers, and the 5-second budget.

Every message is first written to the inbound log in its own short transaction (so it is never
lost and never handled twice), then handled in one unit of work that also stores the passive
reply beside the log row, or, when the budget ran out, queues the answer in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyed_locks import KeyedLocks
from bot.wechat_protocol import render_reply
from domain.clock import Clock
from domain.identity import Firm, Identity
from domain.notices import Notice
from handlers import texts
from handlers.message import Inbound
from handlers.replies import News, Reply, Text
from handlers.router import RootRouter
from handlers.turn import Ports, Turn
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

IDENTITY_TTL_S = 30.0
STALE_AFTER = timedelta(minutes=2)


class ReplySlot:
    """The handshake between the webhook (waiting up to the budget) and the handling task.
    Both sides decide synchronously, so exactly one of them wins: a passive reply or a late
    answer through the outbox, never both, never neither."""

    def __init__(self) -> None:
        self.state = "open"  # open -> passive | late

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


@dataclass
class Pipeline:
    sessions: async_sessionmaker[AsyncSession]
    firm: Firm
    root: RootRouter
    ports: Ports
    clock: Clock
    budget_s: float = 4.0
    on_late: Callable[[], None] | None = None  # pokes the outbox sender
    stats: PipelineStats = field(default_factory=PipelineStats)
    _locks: KeyedLocks = field(default_factory=KeyedLocks)
    _inflight: dict[str, asyncio.Future[str | None]] = field(default_factory=dict)
    _identities: dict[str, tuple[float, Identity]] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    async def receive(self, fields: dict[str, str], key: str) -> str | None:
        """The passive reply XML (plain, not yet encrypted), or None to answer `success`."""
        inflight = self._inflight.get(key)
        if inflight is not None:  # WeChat retried while we are still on it
            self.stats.duplicates += 1
            return await self._wait(inflight)
        # Claim the key in this process before touching the database, so a concurrent
        # delivery of the same message waits for this one instead of racing it.
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = done
        done.add_done_callback(lambda _f: self._inflight.pop(key, None))
        try:
            now = self.clock.now()
            async with self.uow() as uow:
                row_id, earlier = await uow.inbound.accept(
                    self.firm.appid,
                    fields["FromUserName"],
                    key,
                    fields["MsgType"].lower(),
                    fields,
                    now,
                )
                if row_id is not None:
                    await uow.commit()
        except BaseException:
            done.set_result(None)
            raise
        if row_id is None:  # seen before: by an earlier delivery, or another worker
            self.stats.duplicates += 1
            answered = earlier is not None and earlier.status == "answered"
            done.set_result(earlier.reply_xml if answered and earlier else None)
            return done.result()
        slot = ReplySlot()
        task = asyncio.create_task(self._handle(row_id, fields, slot, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(done), self.budget_s)
        except TimeoutError:
            if slot.try_mark_late():
                self.stats.late += 1
                return None
            return await done  # the handler claimed the passive reply a moment ago

    async def _wait(self, fut: asyncio.Future[str | None]) -> str | None:
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.budget_s)
        except TimeoutError:
            return None

    async def _handle(
        self,
        row_id: int,
        fields: dict[str, str],
        slot: ReplySlot,
        done: asyncio.Future[str | None],
    ) -> None:
        reply_xml: str | None = None
        try:
            reply_xml = await self._run_turn(row_id, fields, slot)
        except Exception:
            self.stats.errors += 1
            log.exception("handler failed for inbound #%s", row_id)
            reply_xml = await self._answer_error(row_id, fields, slot)
        finally:
            if not done.done():
                done.set_result(reply_xml)

    async def _identity(self, uow: SqlUnitOfWork, openid: str) -> Identity:
        hit = self._identities.get(openid)
        mono = time.monotonic()
        if hit is not None and hit[0] > mono:
            return hit[1]
        ident = await uow.identities.resolve(self.firm, openid)
        self._identities[openid] = (mono + IDENTITY_TTL_S, ident)
        return ident

    def forget_identity(self, openid: str) -> None:
        self._identities.pop(openid, None)

    async def _run_turn(self, row_id: int, fields: dict[str, str], slot: ReplySlot) -> str | None:
        message = message_from_fields(fields)
        openid = message.openid
        async with self._locks.hold(openid), self.uow() as uow:
            now = self.clock.now()
            identity = await self._identity(uow, openid)
            conv = await uow.conversations.load(self.firm.appid, openid)
            before = conv.snapshot()
            turn = Turn(message, identity, conv, uow, self.ports, now)
            replies = await self.root.handle(turn)
            if conv.snapshot() != before:
                await uow.conversations.save(conv, now)
            if turn.identity != identity:
                self.forget_identity(openid)
            reply_xml = await self._settle(
                uow, row_id, message, fields["ToUserName"], replies, slot, now
            )
            await uow.commit()
        self.stats.handled += 1
        return reply_xml

    async def _settle(
        self,
        uow: SqlUnitOfWork,
        row_id: int,
        message: Inbound,
        account: str,
        replies: list[Reply],
        slot: ReplySlot,
        now: datetime,
    ) -> str | None:
        if slot.try_claim_passive():
            first, rest = (replies[0], replies[1:]) if replies else (None, [])
            reply_xml = (
                render_reply(first, message.openid, account, int(now.timestamp()))
                if first is not None
                else None
            )
            for r in rest:
                await uow.outbox.add(reply_notice(message.openid, r), now)
            await uow.inbound.finish(row_id, "answered", reply_xml, now)
            return reply_xml
        for r in replies:
            await uow.outbox.add(reply_notice(message.openid, r, kind="late_reply"), now)
        await uow.inbound.finish(row_id, "late", None, now)
        if self.on_late is not None:
            self.on_late()
        return None

    async def _answer_error(
        self, row_id: int, fields: dict[str, str], slot: ReplySlot
    ) -> str | None:
        """A handler crashed: say sorry once and remember it, so retries don't crash again."""
        message = message_from_fields(fields)
        try:
            async with self.uow() as uow:
                now = self.clock.now()
                xml = await self._settle(
                    uow,
                    row_id,
                    message,
                    fields["ToUserName"],
                    [Text(texts.INTERNAL_ERROR)],
                    slot,
                    now,
                )
                await uow.commit()
                return xml
        except Exception:
            log.exception("could not record the failure of inbound #%s", row_id)
            return None

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
            try:
                await self._run_turn(rec.id, dict(rec.payload), slot)
            except Exception:
                log.exception("recovery of inbound #%s failed", rec.id)
                await self._answer_error(rec.id, dict(rec.payload), slot)
            recovered += 1
        return recovered

    async def drain(self) -> None:
        """Wait for handlers still running (graceful shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
