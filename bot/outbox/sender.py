"""Drains the outbox: claims due notices with a lease, picks the channel, sends, records.

Each notice is worded when it is sent (`bot.outbox.render`), with the firm's own wording for its
kind where the firm set one. Channel, as WeChat allows it:
- a 客服 message while the user's 48-hour window is open (they wrote, tapped or followed within
  48 hours): text, a msgmenu for quick replies, news or image for rich payloads;
- else a template message, if the firm configured one for the notice's kind (and also when
  WeChat refuses the 客服 message with 45015/45047);
- else the notice fails with `no_channel`, recorded on the row.

Retryable failures (WeChat busy, timeouts, 5xx) come back after an exponential backoff with
jitter (2 s doubling to 10 min by default) until `max_attempts`; final WeChat errors are recorded
at once. A stopped sender finishes what it is sending and hands back what it has not started; a
crashed one leaves leases that expire, so another worker (or the next start) picks them up.

Leases are short (30 s) and renewed every 10 s while a batch is being sent (`LeaseHeartbeat`),
so a dead process's rows are taken over within about 30 s. Delivery is at least once: a send
that reached WeChat just before a crash, its outcome unrecorded, is sent again once the lease
runs out (README, "Operator notes").
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.render import Message, Wording, render
from bot.outbox.templates import TemplateBook, template_data
from bot.runtime.json_logs import MESSAGE_ID
from bot.runtime.lease_heartbeat import LeaseHeartbeat, heartbeat_every
from bot.runtime.metrics import DELIVERIES
from bot.runtime.polling import PollingLoop
from bot.runtime.run_id import RUN_ID
from bot.wechat import WeChatClient, WeChatError
from bot.wechat.errors import WINDOW_CODES
from bot.wechat.tencent_sms import SmsError
from domain.clock import Clock
from domain.fee_reminders import SMS_PREFIX
from storage.inbound import SqlInboundLog
from storage.outbox import ClaimedNotice, SqlOutboxQueue
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
# Don't start a 客服 message in the last minute of the window: it could close on the way.
WINDOW_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class OutboxPolicy:
    batch: int = 50
    concurrency: int = 8
    # Short, and renewed every `heartbeat_s` while a batch is being sent: a dead process's
    # rows are taken over after at most this long.
    lease_s: float = 30.0
    heartbeat_s: float = 10.0
    poll_s: float = 0.5
    # After a poke, wait this long so that notices committed together go in one claim.
    linger_s: float = 0.01
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    max_attempts: int = 10
    stop_grace_s: float = 15.0


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class NoChannel(Exception):
    pass


class Unrenderable(Exception):
    """The row's facts do not fit its kind: no retry will change that."""


@dataclass
class BatchLease:
    """What this sender knows of its batch's lease: the rows still held, until when."""

    token: str
    until: datetime
    held: set[int]


class OutcomeWriter:
    """Group commit for outcomes: whoever records while a write is in flight joins the next
    one. Each caller still waits until its own outcome is durable."""

    def __init__(self, queue: SqlOutboxQueue) -> None:
        self._queue = queue
        self._pending: list[tuple[ClaimedNotice, dict[str, Any], asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, claim: ClaimedNotice, values: dict[str, Any]) -> bool:
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((claim, values, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        while self._pending:
            items, self._pending = self._pending, []
            try:
                results = await self._queue.finish_many([(c, v) for c, v, _ in items])
            except Exception as exc:
                for _, _, fut in items:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, _, fut), ok in zip(items, results, strict=True):
                if not fut.done():
                    fut.set_result(ok)


def backoff(attempts: int, policy: OutboxPolicy, rng: random.Random | None = None) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped, with
    jitter in [half, full] so a crowd of rows does not come back in lockstep."""
    raw = min(policy.backoff_cap_s, policy.backoff_base_s * (2 ** max(0, attempts - 1)))
    jitter: float = (rng or random).random()
    return float(raw * (0.5 + 0.5 * jitter))


class SmsGateway(Protocol):
    async def send(self, phone: str, template_id: str, params: Sequence[str]) -> str: ...


@dataclass(frozen=True)
class SmsRoute:
    """SMS for notices addressed to a phone (`tel:`): the gateway, and the approved template
    id of each kind that may go by SMS."""

    gateway: SmsGateway
    templates: Mapping[str, str]


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: WeChatClient,
        templates: TemplateBook,
        clock: Clock,
        policy: OutboxPolicy | None = None,
        holder: str = RUN_ID,
        firm_id: int | None = None,
        sms: SmsRoute | None = None,
    ) -> None:
        self._sessions = sessions
        self.sms = sms
        self.holder = holder  # lease tokens start with it (storage.leases.lease_holder)
        self.queue = SqlOutboxQueue(sessions)
        self._outcomes = OutcomeWriter(self.queue)
        self.client = client
        self.templates = templates
        # Whose wording the notices are sent in (read each batch, so an admin's change applies
        # from the next one); None: the built-in wording.
        self.firm_id = firm_id
        self.wording: Wording | None = None
        self.clock = clock
        self.policy = policy or OutboxPolicy()
        self.stats = SenderStats()
        self.on_delivered: Callable[[ClaimedNotice, str, datetime], None] | None = None
        self.loop = PollingLoop(
            "outbox-sender", self._round, lambda: self.policy, lambda: self.policy.linger_s
        )

    # -- lifecycle -----------------------------------------------------------------------

    def poke(self) -> None:
        """Something was queued: drain now instead of at the next poll."""
        self.loop.poke()

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        """Stuck on WeChat past the grace period: the leases expire and the next start resends."""
        await self.loop.stop()

    async def _round(self) -> bool:
        return await self.drain_once() >= self.policy.batch  # more may be due right away

    async def drain_once(self) -> int:
        """Claim one batch and deliver it. Returns how many rows were claimed."""
        p = self.policy
        claims = await self.queue.claim_due(
            self.clock.now(), p.batch, timedelta(seconds=p.lease_s), holder=self.holder
        )
        if not claims:
            return 0
        self.wording = await self._firm_wording()
        lease = BatchLease(claims[0].lease_token, claims[0].lease_until, {c.id for c in claims})

        async def renew() -> None:
            until = self.clock.now() + timedelta(seconds=p.lease_s)
            lease.held = await self.queue.renew(lease.token, until)
            lease.until = until

        # One recipient's notices go in order; different recipients in parallel.
        per_user: dict[str, list[ClaimedNotice]] = defaultdict(list)
        for c in claims:
            per_user[c.notice.recipient].append(c)
        gate = asyncio.Semaphore(p.concurrency)

        async def one_user(items: Sequence[ClaimedNotice]) -> None:
            async with gate:
                window = await self._window_open(items[0].notice.recipient)
                held_back = False
                for claim in items:
                    if self.loop.stopping or held_back or self._lease_running_out(claim, lease):
                        await self.queue.release(claim)
                        continue
                    # An earlier notice waiting for a retry holds back the later ones.
                    held_back = await self._deliver(claim, window) == "retry"

        every = heartbeat_every(p.lease_s, p.heartbeat_s)
        async with LeaseHeartbeat("outbox-sender", renew, every):
            await asyncio.gather(*(one_user(items) for items in per_user.values()))
        return len(claims)

    async def _firm_wording(self) -> Wording | None:
        if self.firm_id is None:
            return None
        async with SqlUnitOfWork(self._sessions) as uow:
            saved = await uow.templates.latest(self.firm_id)
        return {kind: s.template for kind, s in saved.items()}

    def _lease_running_out(self, claim: ClaimedNotice, lease: BatchLease) -> bool:
        """Don't start a send the lease may not cover (the heartbeat failing, say): another
        worker could take the row over mid-send and deliver it a second time."""
        if claim.id not in lease.held:
            return True
        margin = timedelta(seconds=min(30.0, self.policy.lease_s / 4))
        return self.clock.now() > lease.until - margin

    # -- one notice ----------------------------------------------------------------------

    async def _window_open(self, openid: str) -> bool:
        async with self._sessions() as s:
            last = await SqlInboundLog(s).last_interaction(openid)
        return last is not None and self.clock.now() - last < WINDOW - WINDOW_MARGIN

    def _render(self, claim: ClaimedNotice) -> Message:
        notice = claim.notice
        try:
            return render(notice.kind, notice.payload, claim.created_at, self.wording)
        except (KeyError, ValueError) as exc:
            raise Unrenderable(f"{notice.kind}: {exc}") from exc

    async def _deliver(self, claim: ClaimedNotice, window_open: bool) -> str:
        """Send one notice and record the outcome: "sent", "retry" or "failed"."""
        MESSAGE_ID.set(claim.notice.dedup_key or f"outbox:{claim.id}")
        tried: list[str] = []  # channels attempted, for the record when it fails
        try:
            message = self._render(claim)
            channel = await self._send(
                claim.notice.recipient, claim.notice.kind, message, window_open, tried
            )
        except Unrenderable as exc:
            await self._outcomes.record(
                claim, self.queue.failed_values(None, f"unrenderable: {exc}")
            )
            self.stats.failed += 1
            log.error("outbox #%s cannot be rendered: %s", claim.id, exc)
            return "failed"
        except NoChannel as exc:
            await self._outcomes.record(claim, self.queue.failed_values(None, f"no_channel: {exc}"))
            self.stats.failed += 1
            log.warning("outbox #%s to %s: no channel (%s)", claim.id, claim.notice.recipient, exc)
            return "failed"
        except WeChatError as exc:
            return await self._record_error(claim, exc, tried)
        except Exception as exc:  # a bug must not wedge the queue: retry later, loudly
            log.exception("outbox #%s: unexpected failure", claim.id)
            error = WeChatError(None, repr(exc), retryable=True)
            return await self._record_error(claim, error, tried)
        now = self.clock.now()
        await self._outcomes.record(claim, self.queue.sent_values(channel, now))
        DELIVERIES.labels("sent", "0").inc()
        self.stats.sent += 1
        self.stats.by_channel[channel] += 1
        if self.on_delivered is not None:
            self.on_delivered(claim, channel, now)
        return "sent"

    async def _record_error(self, claim: ClaimedNotice, exc: WeChatError, tried: list[str]) -> str:
        channel = tried[-1] if tried else None
        error = f"{exc.errcode}: {exc.errmsg}" if exc.errcode is not None else exc.errmsg
        errcode = str(exc.errcode) if exc.errcode is not None else "none"
        if exc.retryable and claim.attempts < self.policy.max_attempts:
            delay = backoff(claim.attempts, self.policy)
            at = self.clock.now() + timedelta(seconds=delay)
            await self._outcomes.record(
                claim, self.queue.retry_values(at, exc.errcode, error, channel)
            )
            self.stats.retried += 1
            DELIVERIES.labels("retry", errcode).inc()
            log.info("outbox #%s: %s; retry %d in %.1fs", claim.id, error, claim.attempts, delay)
            return "retry"
        await self._outcomes.record(claim, self.queue.failed_values(exc.errcode, error, channel))
        DELIVERIES.labels("failed", errcode).inc()
        self.stats.failed += 1
        log.warning("outbox #%s to %s failed: %s", claim.id, claim.notice.recipient, error)
        return "failed"

    async def _send_sms(self, phone: str, kind: str, message: Message, tried: list[str]) -> str:
        template_id = self.sms.templates.get(kind) if self.sms is not None else None
        if self.sms is None or not template_id or not message.sms_params:
            raise NoChannel(f"no SMS for kind {kind!r}")
        tried.append("sms")
        try:
            await self.sms.gateway.send(phone, template_id, message.sms_params)
        except SmsError as exc:
            error = f"sms {exc.code}: {exc.message}"
            raise WeChatError(None, error, retryable=exc.retryable) from exc
        return "sms"

    async def _send(
        self, to: str, kind: str, message: Message, window_open: bool, tried: list[str]
    ) -> str:
        if to.startswith(SMS_PREFIX):  # someone WeChat cannot reach, by phone
            return await self._send_sms(to[len(SMS_PREFIX) :], kind, message, tried)
        template = self.templates.for_kind(kind)
        if window_open:
            tried.append("custom")
            try:
                await self._send_custom(to, message)
                return "custom"
            except WeChatError as exc:
                if exc.errcode not in WINDOW_CODES or template is None:
                    raise
                log.info("客服 refused (%s) for %s; using the template", exc.errcode, to)
        if template is None:
            reason = "48-hour window closed" if not window_open else "客服 refused"
            raise NoChannel(f"{reason} and no template for kind {kind!r}")
        tried.append("template")
        await self.client.send_template(
            to,
            template.template_id,
            template_data(message, template, self.clock.now()),
            url=template.url,
        )
        return "template"

    async def _send_custom(self, to: str, notice: Message) -> None:
        payload: dict[str, Any] = dict(notice.payload or {})
        kind = payload.get("msgtype")
        if kind == "image" and payload.get("media_id"):
            await self.client.send_image(to, str(payload["media_id"]))
        elif kind == "news" and payload.get("articles"):
            articles = list(payload["articles"])
            if len(articles) == 1:
                await self.client.send_news(to, articles[0])
            else:
                # 客服 news carries one article; several become one text with their links.
                await self.client.send_text(to, _articles_as_text(articles))
        elif notice.quick_replies:
            await self.client.send_msgmenu(
                to, notice.text, [(q.id, q.label) for q in notice.quick_replies]
            )
        else:
            await self.client.send_text(to, notice.text)


def _articles_as_text(articles: Sequence[dict[str, Any]]) -> str:
    lines = []
    for a in articles[:8]:
        title, url = a.get("title", ""), a.get("url", "")
        lines.append(f'<a href="{url}">{title}</a>' if url else str(title))
        if a.get("description"):
            lines.append(str(a["description"]))
    return "\n".join(lines)
