"""The /admin sub-application: built by `create_admin_app`, mounted by `bot.app`.

Middlewares, outermost first: error pages (a Chinese page for 403/404, a redirect from
`/admin` to `/admin/`), aiohttp-session over our server-side storage, and the guard
(`admin_web.guard`). Security headers go on every response through `on_response_prepare`.
Templates are Jinja2 with autoescaping on for everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import session_middleware

from admin_web import templating
from admin_web.config import PanelConfig, PanelPorts
from admin_web.guard import guard, is_htmx
from admin_web.keys import CONFIG, HASHER, PORTS, STATE, STORAGE
from admin_web.passwords import Argon2Hasher
from admin_web.routes import ROUTES
from admin_web.routing import PREFIX, Handler, check_declared, install
from admin_web.security import security_headers
from admin_web.sessions import ServerSideStorage
from admin_web.templating import render
from domain.identity import Firm
from domain.staff_logins import bootstrap_admin
from storage.panel_sessions import RedisSessionStore, SessionStore, SqlSessionStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class PanelState:
    """What the panel learns once per process: its firm, and whether the first admin's
    password has been settled (`domain.staff_access.bootstrap_admin`)."""

    def __init__(self) -> None:
        self._firm: Firm | None = None
        self.bootstrapped = False
        self._bootstrap_lock = asyncio.Lock()

    async def firm(self, app: web.Application) -> Firm:
        if self._firm is None:
            async with SqlUnitOfWork(app[PORTS].sessions()) as uow:
                firm = await uow.identities.firm_by_appid(app[CONFIG].firm_appid)
            if firm is None:
                # bot.app creates the firm at start; until then the panel has nothing to show.
                raise web.HTTPServiceUnavailable(text="服务正在启动，请稍后再试。")
            self._firm = firm
        return self._firm

    async def bootstrap(self, app: web.Application) -> None:
        """Give the first admin ADMIN_PASSWORD while no admin has a password (once)."""
        if self.bootstrapped:
            return
        async with self._bootstrap_lock:
            if self.bootstrapped:
                return
            firm = await self.firm(app)
            ports, config = app[PORTS], app[CONFIG]
            async with SqlUnitOfWork(ports.sessions()) as uow:
                admin = await bootstrap_admin(
                    uow, firm.id, config.bootstrap_password, ports.clock.now(), app[HASHER]
                )
                await uow.commit()
                if admin is not None:
                    log.info(
                        "panel: %s logs in with ADMIN_PASSWORD until they change it", admin.name
                    )
                    self.bootstrapped = True
                elif await uow.staff_access.admins_with_password(firm.id):
                    self.bootstrapped = True  # else no admin yet: try again at the next login


class _NotStarted:
    """The session store until the app has started (no request comes before)."""

    async def get(self, *_: Any) -> None:
        raise RuntimeError("panel used before start")

    put = delete = get


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 404 and request.path == PREFIX:
            raise web.HTTPMovedPermanently(PREFIX + "/") from None
        if exc.status not in (400, 403, 404, 405, 409, 413, 429, 503) or is_htmx(request):
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
        response = render(
            "error.html",
            request,
            {"status": exc.status, "message": message},
            status=exc.status,
        )
        for name in ("HX-Redirect", "Allow"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response


def create_admin_app(config: PanelConfig, ports: PanelPorts) -> web.Application:
    storage = ServerSideStorage(
        _NotStarted(),
        ports.clock,
        secure=config.secure_cookies,
        path=PREFIX,
        idle_timeout=config.idle_timeout,
        absolute_timeout=config.absolute_timeout,
    )
    app = web.Application(middlewares=[error_pages, session_middleware(storage), guard])
    app[CONFIG] = config
    app[PORTS] = ports
    app[HASHER] = ports.hasher or Argon2Hasher()
    app[STORAGE] = storage
    app[STATE] = PanelState()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("admin_web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters=templating.FILTERS,
        # The templates ship with the code: no stat() of every template (and of each
        # include, once per card on the board) on every page.
        auto_reload=False,
    )
    aiohttp_jinja2.get_env(app).globals.update(templating.GLOBALS)
    install(app, ROUTES)
    check_declared(app)
    app.on_response_prepare.append(security_headers(config.trusted_proxies))
    app.cleanup_ctx.append(_session_store)
    return app


async def _session_store(app: web.Application) -> AsyncIterator[None]:
    # Routes added after create_admin_app are checked here, before the first request.
    check_declared(app)
    config, storage = app[CONFIG], app[STORAGE]
    redis: Any = None
    store: SessionStore
    if config.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(config.redis_url)
        store = RedisSessionStore(redis)
    else:
        store = SqlSessionStore(app[PORTS].sessions())
    storage.store = store
    try:
        yield
    finally:
        if redis is not None:
            await redis.aclose()
