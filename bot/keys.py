"""Every typed application key in one place: what the app factory and each room put on the
aiohttp application, and the one place where a room that queued work wakes the ones that do it.

Types of rooms that import this module are named under TYPE_CHECKING only, so any room may
import its keys without importing the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.wechat.pay_protocol import PayKeys
from bot.wechat.protocol import MessageCrypto
from domain.clock import Clock
from domain.identity import Firm
from storage.batch_writer import BatchWriter

if TYPE_CHECKING:
    from bot.outbox.sender import OutboxPolicy, OutboxSender
    from bot.outbox.templates import TemplateBook
    from bot.pay.client import WeChatPayClient
    from bot.pay.notify import PayStats
    from bot.runtime.catalogue_vocabulary import CatalogueVocabulary
    from bot.sandbox.courier import Courier
    from bot.sandbox.emulator import Emulator
    from bot.sandbox.pay_emulator import PayEmulator
    from bot.webhook.pipeline import Pipeline
    from bot.wechat import WeChatClient
    from bot.wechat.base import ApiBase
    from bot.workers.invoice_scout import QrDecoder, QrScout, ScoutPolicy
    from bot.workers.invoices import InvoiceReader, InvoiceWorker, WorkerPolicy
    from bot.workers.scheduler import Jobs
    from storage.nonces import NonceMemory


class WakeUps:
    """Who to poke when a turn queued work (notices for the sender, uploads for the invoice
    reader): registered by each room as it starts, called by the pipeline after a turn."""

    def __init__(self) -> None:
        self._after_turn: list[Callable[[], None]] = []

    def after_turn(self, poke: Callable[[], None]) -> Callable[[], None]:
        """Register `poke`; returns a function that unregisters it."""
        self._after_turn.append(poke)
        return lambda: self._after_turn.remove(poke)

    def turn_queued_work(self) -> None:
        for poke in list(self._after_turn):
            poke()


# The core: settings, time, crypto, database.
SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
CRYPTO = web.AppKey("crypto", MessageCrypto)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
WRITER = web.AppKey("writer", BatchWriter)
WAKEUPS = web.AppKey("wakeups", WakeUps)
FIRM = web.AppKey("firm", Firm)
# What this process runs besides the web routes: "outbox", "invoices", "jobs" (all of them for
# `serve`; one of them for `yunkuaiji worker <part>`).
PARTS = web.AppKey("parts", frozenset)

# The NLU's request types, kept equal to the service catalogue (bot.runtime.catalogue_vocabulary).
VOCABULARY: web.AppKey[CatalogueVocabulary] = web.AppKey("catalogue_vocabulary")

# webhook/
PIPELINE: web.AppKey[Pipeline] = web.AppKey("pipeline")
NONCES: web.AppKey[NonceMemory] = web.AppKey("nonce_memory")

# wechat/ and outbox/
API_BASE: web.AppKey[ApiBase] = web.AppKey("wechat_api_base")
WECHAT: web.AppKey[WeChatClient] = web.AppKey("wechat_client")
SENDER: web.AppKey[OutboxSender] = web.AppKey("outbox_sender")
TEMPLATES: web.AppKey[TemplateBook] = web.AppKey("templates")
# Tests and the benchmark may set these before the app starts.
POLICY: web.AppKey[OutboxPolicy] = web.AppKey("outbox_policy")
TOKEN_PREFIX = web.AppKey("token_key_prefix", str)

# workers/
WORKER: web.AppKey[InvoiceWorker] = web.AppKey("invoice_worker")
READER: web.AppKey[InvoiceReader] = web.AppKey("invoice_reader")  # tests swap the OCR reader
WORKER_POLICY: web.AppKey[WorkerPolicy] = web.AppKey("invoice_worker_policy")
SCOUT: web.AppKey[QrScout] = web.AppKey("invoice_scout")
QR_LANE: web.AppKey[QrDecoder] = web.AppKey("invoice_qr_lane")  # tests swap the QR decoder
SCOUT_POLICY: web.AppKey[ScoutPolicy] = web.AppKey("invoice_scout_policy")
SCHEDULER: web.AppKey[Jobs] = web.AppKey("scheduler")

# pay/: the merchant's keys (a configured merchant's, or the sandbox's), the client, counts.
PAY_KEYS = web.AppKey("pay_keys", PayKeys)
PAY: web.AppKey[WeChatPayClient] = web.AppKey("pay_client")
PAY_STATS: web.AppKey[PayStats] = web.AppKey("pay_stats")

# sandbox/
EMULATOR: web.AppKey[Emulator] = web.AppKey("sandbox_emulator")
SANDBOX_HTTP = web.AppKey("sandbox_http", aiohttp.ClientSession)
COURIER: web.AppKey[Courier] = web.AppKey("sandbox_courier")
PAY_EMULATOR: web.AppKey[PayEmulator] = web.AppKey("sandbox_pay_emulator")
