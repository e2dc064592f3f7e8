"""Drains the outbox: claims due notices with a lease, picks the channel, sends, records.

Channel, as WeChat allows it:
- a 客服 message while the user's 48-hour window is open (they wrote, tapped or followed within
  48 hours): text, a msgmenu for quick replies, news or image for rich payloads;
- else a template message, if the firm configured one for the notice's kind (and also when
  WeChat refuses the 客服 message with 45015/45047);
- else the notice fails with `no_channel`, recorded on the row.

Retryable failures (WeChat busy, timeouts, 5xx) come back after an exponential backoff with
jitter (2 s doubling to 10 min by default) until `max_attempts`; final WeChat errors are recorded
at once. A stopped sender finishes what it is sending and hands back what it has not started; a
crashed one leaves leases that expire, so another worker (or the next start) picks them up.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox_templates import TemplateBook, template_data
from bot.polling import PollingLoop
from bot.wechat_api import WeChatClient, WeChatError
from bot.wechat_api.errors import WINDOW_CODES
from domain.clock import Clock
from domain.notices import Notice
from storage.inbound import SqlInboundLog
from storage.outbox import ClaimedNotice, SqlOutboxQueue

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
# Don't start a 客服 message in the last minute of the window: it could close on the way.
WINDOW_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class OutboxPolicy:
    batch: int = 50
    concurrency: int = 8
    lease_s: float = 120.0
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
    return raw * (0.5 + 0.5 * (rng or random).random())


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: WeChatClient,
        templates: TemplateBook,
        clock: Clock,
        policy: OutboxPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self.queue = SqlOutboxQueue(sessions)
        self._outcomes = OutcomeWriter(self.queue)
        self.client = client
        self.templates = templates
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
        claims = await self.queue.claim_due(self.clock.now(), p.batch, timedelta(seconds=p.lease_s))
        if not claims:
            return 0
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
                    if self.loop.stopping or held_back or self._lease_running_out(claim):
                        await self.queue.release(claim)
                        continue
                    # An earlier notice waiting for a retry holds back the later ones.
                    held_back = await self._deliver(claim, window) == "retry"

        await asyncio.gather(*(one_user(items) for items in per_user.values()))
        return len(claims)

    def _lease_running_out(self, claim: ClaimedNotice) -> bool:
        """Don't start a send the lease may not cover: another worker could take the row over
        mid-send and deliver it a second time."""
        margin = timedelta(seconds=min(30.0, self.policy.lease_s / 4))
        return self.clock.now() > claim.lease_until - margin

    # -- one notice ----------------------------------------------------------------------

    async def _window_open(self, openid: str) -> bool:
        async with self._sessions() as s:
            last = await SqlInboundLog(s).last_interaction(openid)
        return last is not None and self.clock.now() - last < WINDOW - WINDOW_MARGIN

    async def _deliver(self, claim: ClaimedNotice, window_open: bool) -> str:
        """Send one notice and record the outcome: "sent", "retry" or "failed"."""
        tried: list[str] = []  # channels attempted, for the record when it fails
        try:
            channel = await self._send(claim.notice, window_open, tried)
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
        self.stats.sent += 1
        self.stats.by_channel[channel] += 1
        if self.on_delivered is not None:
            self.on_delivered(claim, channel, now)
        return "sent"

    async def _record_error(self, claim: ClaimedNotice, exc: WeChatError, tried: list[str]) -> str:
        channel = tried[-1] if tried else None
        error = f"{exc.errcode}: {exc.errmsg}" if exc.errcode is not None else exc.errmsg
        if exc.retryable and claim.attempts < self.policy.max_attempts:
            delay = backoff(claim.attempts, self.policy)
            at = self.clock.now() + timedelta(seconds=delay)
            await self._outcomes.record(
                claim, self.queue.retry_values(at, exc.errcode, error, channel)
            )
            self.stats.retried += 1
            log.info("outbox #%s: %s; retry %d in %.1fs", claim.id, error, claim.attempts, delay)
            return "retry"
        await self._outcomes.record(claim, self.queue.failed_values(exc.errcode, error, channel))
        self.stats.failed += 1
        log.warning("outbox #%s to %s failed: %s", claim.id, claim.notice.recipient, error)
        return "failed"

    async def _send(self, notice: Notice, window_open: bool, tried: list[str]) -> str:
        template = self.templates.for_kind(notice.kind)
        if window_open:
            tried.append("custom")
            try:
                await self._send_custom(notice)
                return "custom"
            except WeChatError as exc:
                if exc.errcode not in WINDOW_CODES or template is None:
                    raise
                log.info(
                    "客服 refused (%s) for %s; using the template", exc.errcode, notice.recipient
                )
        if template is None:
            reason = "48-hour window closed" if not window_open else "客服 refused"
            raise NoChannel(f"{reason} and no template for kind {notice.kind!r}")
        tried.append("template")
        await self.client.send_template(
            notice.recipient,
            template.template_id,
            template_data(notice, template, self.clock.now()),
            url=template.url,
        )
        return "template"

    async def _send_custom(self, notice: Notice) -> None:
        payload: dict[str, Any] = dict(notice.payload or {})
        kind = payload.get("msgtype")
        to = notice.recipient
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
