"""The aiohttp application factory: the composition root. Resources are opened and closed in
`cleanup_ctx`, in order; nothing is created at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from aiohttp import web

from bot import invoice_wiring, outbound, webhook
from bot.appkeys import CLOCK, CRYPTO, ENGINE, PIPELINE, SERVICES, SESSIONS, SETTINGS, WRITER
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.wechat_protocol import MessageCrypto
from domain.clock import Clock, SystemClock
from handlers.app import build_root
from handlers.router import Router
from handlers.turn import Ports, Understanding
from storage.batch_writer import BatchWriter
from storage.engine import create_engine, is_sqlite, session_factory
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

DEFAULT_FIRM_NAME = "云会计示范代账公司"


async def healthz(request: web.Request) -> web.Response:
    pipeline = request.app[PIPELINE]
    return web.json_response(
        {
            "status": "ok",
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
    """`nlu` and `routers` let tests swap the parser or add routes; production passes neither."""
    app = web.Application(client_max_size=settings.max_body_bytes + 1024)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[CRYPTO] = MessageCrypto(
        settings.wechat_token,
        settings.wechat_appid,
        settings.wechat_aes_key,
        settings.wechat_aes_key_previous,
    )
    app[SERVICES] = {}
    extra_routers = tuple(routers)

    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app[ENGINE] = engine
        app[SESSIONS] = session_factory(engine)
        writer = BatchWriter(app[SESSIONS])
        writer.start()
        app[WRITER] = writer
        yield
        await writer.close()
        await engine.dispose()

    async def conversation(app: web.Application) -> AsyncIterator[None]:
        parser = nlu
        if parser is None:
            from nlu.parser import build_parser

            # Training the embedded model takes a moment: keep the loop free meanwhile.
            parser = await asyncio.to_thread(build_parser, settings.nlu_backend, settings.rasa_url)
        firm = await ensure_firm(app, settings)
        ports = Ports(nlu=parser, settings=settings, extra=app[SERVICES])
        pipeline = Pipeline(
            sessions=app[SESSIONS],
            firm=firm,
            root=build_root(extra_routers),
            ports=ports,
            clock=app[CLOCK],
            writer=app[WRITER],
            budget_s=settings.reply_budget_s,
            single_process=is_sqlite(settings.database_url),
        )
        app[PIPELINE] = pipeline
        recovered = await pipeline.recover_stale()
        if recovered:
            log.info("recovered %d interrupted messages", recovered)
        yield
        await pipeline.drain(settings.shutdown_grace_s)
        close = getattr(parser, "close", None)
        if close is not None:
            await close()

    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(conversation)
    webhook.setup(app)
    # API client, outbox sender; in sandbox mode the WeChat emulator and chat simulator.
    outbound.setup(app)
    # Invoice photos: the reader pool and the worker (uses the API client and the sender).
    app.cleanup_ctx.append(invoice_wiring.invoice_ctx)
    app.cleanup_ctx.append(scheduler_ctx)
    app.router.add_get("/healthz", healthz)
    app.on_shutdown.append(stop_background_work)
    return app


async def stop_background_work(app: web.Application) -> None:
    """Before the server closes its connections, stop whatever makes outgoing calls, so that
    nothing is mid-request to WeChat (or to the in-process sandbox) when the sockets go. Their
    cleanup contexts stop them again later, which is harmless."""
    for name in ("scheduler", "invoice_worker", "outbox_sender"):
        service = app[SERVICES].get(name)
        if service is not None:
            await service.stop()


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """The job scheduler (dispatch timers), when `SCHEDULER` is on. Last in, first out."""
    settings = app[SETTINGS]
    if not settings.scheduler:
        yield
        return
    from bot.scheduler import Jobs

    def poke_sender() -> None:
        sender = app[SERVICES].get("outbox_sender")
        if sender is not None:
            sender.poke()

    jobs = Jobs(
        app[SESSIONS], app[CLOCK], settings, poke_sender, recover=app[PIPELINE].recover_stale
    )
    jobs.start()
    app[SERVICES]["scheduler"] = jobs
    try:
        yield
    finally:
        await jobs.stop()


async def ensure_firm(app: web.Application, settings: Settings) -> Any:
    """The firm behind this Official Account, created on first start."""
    async with SqlUnitOfWork(app[SESSIONS]) as uow:
        firm = await uow.identities.firm_by_appid(settings.wechat_appid)
        if firm is None:
            firm = await uow.identities.add_firm(DEFAULT_FIRM_NAME, settings.wechat_appid)
            await uow.commit()
        return firm
