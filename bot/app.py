"""The aiohttp application factory: the composition root. Resources are opened and closed in
`cleanup_ctx`, in order; nothing is created at import time."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from admin_web.app import create_admin_app
from admin_web.config import BookIntake, PanelConfig, PanelPorts, TemplateMessage
from admin_web.routing import PREFIX as ADMIN_PREFIX
from bot.keys import (
    CLOCK,
    CRYPTO,
    ENGINE,
    FIRM,
    PARTS,
    PAY,
    PIPELINE,
    SCHEDULER,
    SENDER,
    SESSIONS,
    SETTINGS,
    TEMPLATES,
    VOCABULARY,
    WAKEUPS,
    WECHAT,
    WORKER,
    WRITER,
    WakeUps,
)
from bot.outbox import wiring as outbound
from bot.outbox.wiring import ALL_PARTS
from bot.pay import wiring as pay
from bot.runtime.catalogue_vocabulary import CatalogueVocabulary
from bot.runtime.metrics import NLU_SECONDS, timed
from bot.runtime.polling import PollingLoop
from bot.settings import DEFAULT_FIRM_NAME, Settings, dispatch_policy, instance_name
from bot.web import app as mobile
from bot.webhook import health, metrics_view
from bot.webhook import routes as webhook
from bot.webhook.journal import InboundJournal
from bot.webhook.pipeline import Pipeline
from bot.wechat import menu
from bot.wechat.pay_keys import merchant_keys
from bot.wechat.protocol import MessageCrypto
from bot.workers import invoice_wiring
from bot.workers.book_files import book_files, read_book_files
from domain import people, service_catalogue
from domain.clock import Clock, SystemClock
from handlers.app import build_root
from handlers.book_texts import book_text
from handlers.router import Router
from handlers.turn import Ports, Understanding
from nlu.intents import ALL_INTENTS, CONVERSATION_INTENTS, OUT_OF_SCOPE
from nlu.types import ParseResult
from storage.batch_writer import LINGER_S, SQLITE_LINGER_S, BatchWriter
from storage.engine import create_engine, is_sqlite, session_factory
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    pipeline = request.app[PIPELINE]
    return web.json_response(
        {
            "status": "ok",
            "pid": os.getpid(),  # which worker answered (`serve --workers N`)
            "sandbox": request.app[SETTINGS].sandbox,
            "handled": pipeline.stats.handled,
            "late": pipeline.stats.late,
            "errors": pipeline.stats.errors,
            "write_batches": request.app[WRITER].batches,
            "batched_writes": request.app[WRITER].items,
        }
    )


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    nlu: Understanding | None = None,
    routers: Iterable[Router] = (),
) -> web.Application:
    """`nlu` and `routers` let tests swap the parser or add routes; production passes neither.
    Raises `UnsafeConfiguration` for settings that would open a way in, whoever starts it."""
    settings.check_safe()
    app = web.Application(client_max_size=settings.max_body_bytes + 1024)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[CRYPTO] = MessageCrypto(
        settings.wechat_token,
        settings.wechat_appid,
        settings.wechat_aes_key,
        settings.wechat_aes_key_previous,
    )
    app[WAKEUPS] = WakeUps()
    extra_routers = tuple(routers)

    async def conversation(app: web.Application) -> AsyncIterator[None]:
        parser = nlu
        if parser is None:
            from nlu.backends import build_parser

            # Training the embedded model takes a moment (a restart loads it from its cache
            # under the data directory): keep the loop free meanwhile.
            parser = await asyncio.to_thread(
                build_parser,
                settings.nlu_backend,
                settings.rasa_url,
                cache_dir=Path(settings.data_dir) / "nlu-cache",
            )
        firm = await ensure_firm(app, settings)
        app[FIRM] = firm
        # The request types the NLU reads are the catalogue's, now and after every edit.
        vocabulary = CatalogueVocabulary(app[SESSIONS], firm.id, parser)
        await vocabulary.refresh()
        vocabulary.start()
        app[VOCABULARY] = vocabulary
        ports = Ports(
            nlu=TimedParser(parser),
            dispatch=dispatch_policy(settings),
            idle_limit=timedelta(seconds=settings.conversation_idle_s),
            firm_phone=settings.firm_phone,
            mobile_url=f"{settings.public_origin}/m" if settings.public_origin else "",
        )
        pipeline = Pipeline(
            sessions=app[SESSIONS],
            firm=firm,
            root=build_root(extra_routers),
            ports=ports,
            clock=app[CLOCK],
            writer=app[WRITER],
            budget_s=settings.reply_budget_s,
            single_process=is_sqlite(settings.database_url),
            journal=InboundJournal(settings.data_dir / "journal"),
            cross_process_lock=not is_sqlite(settings.database_url),
            owner=instance_name(settings),
            wake_workers=app[WAKEUPS].turn_queued_work,
        )
        app[PIPELINE] = pipeline
        recovered = await pipeline.recover_stale(at_start=True)
        if recovered:
            log.info("recovered %d interrupted messages", recovered)
        replayer = PollingLoop("journal-replay", _replay_round(pipeline), _ReplayPolicy)
        replayer.start()
        yield
        await replayer.stop()
        await vocabulary.stop()
        await pipeline.drain(settings.shutdown_grace_s)
        close = getattr(parser, "close", None)
        if close is not None:
            await close()

    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(conversation)
    webhook.setup(app)
    # API client, outbox sender.
    outbound.setup(app)
    pay_keys = merchant_keys(settings)  # None: no payments
    if settings.sandbox:
        # The WeChat and WeChat Pay emulators and the chat simulator, on this same server.
        from bot.sandbox import web as sandbox_web
        from bot.sandbox.pay_keys import sandbox_pay

        sandbox_merchant = sandbox_pay(settings)
        pay_keys = sandbox_merchant.app_keys
        sandbox_web.setup(app, sandbox_merchant)
    if pay_keys is not None:
        # WeChat Pay: the client and /pay/notify, /pay/refund-notify.
        pay.setup(app, pay_keys)
    # Invoice photos: the reader pool and the worker (uses the API client and the sender).
    app.cleanup_ctx.append(invoice_wiring.invoice_ctx)
    app.cleanup_ctx.append(scheduler_ctx)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/healthz/ready", health.readiness)
    app.router.add_get("/metrics", metrics_view.metrics)
    mount_admin(app, settings)
    # The client's mobile pages at /m/ (WeChat web authorisation, signed session cookie).
    mobile.setup(app)
    app.on_shutdown.append(stop_background_work)
    return app


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].database_url)
    app[ENGINE] = engine
    app[SESSIONS] = session_factory(engine)
    sqlite = is_sqlite(app[SETTINGS].database_url)
    writer = BatchWriter(app[SESSIONS], linger_s=SQLITE_LINGER_S if sqlite else LINGER_S)
    writer.start()
    app[WRITER] = writer
    yield
    await writer.close()
    await engine.dispose()


WORKER_PARTS = ("invoices", "outbox", "jobs")


def create_worker_app(
    settings: Settings, part: str, *, clock: Clock | None = None
) -> web.Application:
    """`yunkuaiji worker <part>`: one part of the background work (the invoice reader, the
    outbox sender or the scheduled jobs), with the database and the WeChat API client it
    needs, and no webhook. Its only routes are /healthz and /metrics (see `cli.worker`)."""
    if part not in WORKER_PARTS:
        raise ValueError(f"unknown worker part {part!r}")
    settings.check_safe()
    app = web.Application()
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[WAKEUPS] = WakeUps()
    app[PARTS] = frozenset({part})

    async def firm_ctx(app: web.Application) -> AsyncIterator[None]:
        app[FIRM] = await ensure_firm(app, settings)
        yield

    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(firm_ctx)
    outbound.setup(app)
    pay_keys = merchant_keys(settings)
    if pay_keys is not None and part == "jobs":
        pay.setup(app, pay_keys)
    app.cleanup_ctx.append(invoice_wiring.invoice_ctx)
    app.cleanup_ctx.append(scheduler_ctx)

    async def alive(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "part": part})

    app.router.add_get("/healthz", alive)
    app.router.add_get("/metrics", metrics_view.metrics)
    app.on_shutdown.append(stop_background_work)
    return app


def mount_admin(app: web.Application, settings: Settings) -> None:
    """The /admin panel (admin_web): plain values from the settings, and the database, clock
    and outbox wake-up it shares with the chat."""
    plain_http_loopback = settings.sandbox and settings.host in ("127.0.0.1", "localhost", "::1")
    config = PanelConfig(
        firm_appid=settings.wechat_appid,
        bootstrap_password=settings.admin_password,
        dispatch=dispatch_policy(settings),
        secure_cookies=not plain_http_loopback,
        idle_timeout=timedelta(minutes=settings.admin_idle_minutes),
        absolute_timeout=timedelta(hours=settings.admin_session_hours),
        trusted_proxies=tuple(p.strip() for p in settings.trusted_proxies.split(",") if p.strip()),
        redis_url=settings.redis_url,
        pay_url_base=f"{settings.public_origin}/m" if settings.public_origin else "",
    )

    async def publish_menu(body: dict[str, Any]) -> tuple[int, str] | None:
        client = app.get(WECHAT)
        if client is None:
            return -1, "the WeChat API client has not started"
        return await menu.publish_with(client, body)

    async def catalogue_changed() -> None:
        vocabulary = app.get(VOCABULARY)
        if vocabulary is None:
            return
        try:
            await vocabulary.refresh()
        except Exception as exc:  # the save stands; the next poll hands the change over
            log.warning("the NLU could not take the edited catalogue yet: %r", exc)

    def template_message(kind: str) -> TemplateMessage | None:
        book = app.get(TEMPLATES)
        template = book.for_kind(kind) if book is not None else None
        return TemplateMessage(template.template_id, dict(template.fields)) if template else None

    ports = PanelPorts(
        sessions=lambda: app[SESSIONS],
        clock=app[CLOCK],
        queued_notices=app[WAKEUPS].turn_queued_work,
        publish_menu=publish_menu,
        default_menu=menu.load_menu(settings.data_dir / "menu.json"),
        # A menu tap goes straight to its intent's handler; these are worth a button.
        menu_keys=tuple(i for i in ALL_INTENTS if i not in (*CONVERSATION_INTENTS, OUT_OF_SCOPE)),
        catalogue_changed=catalogue_changed,
        invoice_images=invoice_wiring.invoice_images(settings.data_dir),
        books=BookIntake(read=read_book_files, word=book_text, files=book_files(settings.data_dir)),
        template_message=template_message,
    )
    app.add_subapp(ADMIN_PREFIX, create_admin_app(config, ports))


class _ReplayPolicy:
    """Look for journalled messages every few seconds (the journal is empty but in outages)."""

    poll_s = 2.0
    stop_grace_s = 5.0


def _replay_round(pipeline: Pipeline) -> Callable[[], Awaitable[bool]]:
    async def round_() -> bool:
        await pipeline.replay_journal()
        return False

    return round_


async def stop_background_work(app: web.Application) -> None:
    """Before the server closes its connections, stop whatever makes outgoing calls, so that
    nothing is mid-request to WeChat (or to the in-process sandbox) when the sockets go. Their
    cleanup contexts stop them again later, which is harmless."""
    for service in (app.get(SCHEDULER), app.get(WORKER), app.get(SENDER)):
        if service is not None:
            await service.stop()


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """The job scheduler (dispatch timers), when `SCHEDULER` is on. Last in, first out."""
    settings = app[SETTINGS]
    if not settings.scheduler or "jobs" not in app.get(PARTS, ALL_PARTS):
        yield
        return
    from bot.workers.scheduler import Jobs

    def poke_sender() -> None:
        sender = app.get(SENDER)
        if sender is not None:
            sender.poke()

    jobs = Jobs(
        app[SESSIONS],
        app[CLOCK],
        settings,
        poke_sender,
        recover=app[PIPELINE].recover_stale if PIPELINE in app else None,
        gateway=app.get(PAY),
    )
    freed = await jobs.guard.release_predecessors()
    if freed:
        log.info("freed %d jobs this instance was running when it stopped", freed)
    jobs.start()
    app[SCHEDULER] = jobs
    try:
        yield
    finally:
        await jobs.stop()


class TimedParser:
    """The NLU port, timed for `/metrics`."""

    def __init__(self, inner: Understanding) -> None:
        self.inner = inner

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        with timed(NLU_SECONDS):
            return await self.inner.parse(text, today=today)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # the backend's own attributes (tests count calls)


async def ensure_firm(app: web.Application, settings: Settings) -> Any:
    """The firm behind this Official Account, created on first start."""
    async with SqlUnitOfWork(app[SESSIONS]) as uow:
        firm = await people.ensure_firm(uow, settings.wechat_appid, DEFAULT_FIRM_NAME)
        # The firm's service catalogue starts as the default one (editable afterwards).
        await service_catalogue.ensure_catalogue(uow, firm.id)
        await uow.commit()
        return firm
