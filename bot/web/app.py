"""The /m/ sub-application: the client's (and staff's) mobile pages, opened from the chat
inside WeChat's browser. `setup(app)` mounts it; `PAGE_MODULES` lists the page modules, each
with its `PAGES` (see `bot.web.pages`).

Every response carries security headers: scripts and styles only from /m/static (no inline
script), framing only by this same site (the sandbox's phone frame), nothing cached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import ModuleType

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.keys import SETTINGS
from bot.web import archive_docs, bills, books, checklist, home
from bot.web.guard import STATE, MobileState, guarded, oauth_return, redirect
from bot.web.pages import PREFIX, TEMPLATE_DIR, Handler, refusal, static_files, static_url
from bot.web.session import SessionCodec, derive_key

# Add a page module here (it must define PAGES).
PAGE_MODULES: tuple[ModuleType, ...] = (home, bills, books, checklist, archive_docs)

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # https images: the home page's slides may be hosted elsewhere (images only).
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
COMPRESSED_TYPES = ("text/html", "application/json")
COMPRESS_MIN_BYTES = 1024  # below this gzip saves less than its own cost
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
}


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def kind_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An unknown address or method gets a Chinese page, not aiohttp's English one."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPNotFound:
        return refusal(request, 404, "页面不存在", "没有找到这个页面，请从公众号里的链接打开。")
    except web.HTTPMethodNotAllowed:
        return refusal(request, 405, "无法打开", "请从公众号里的链接打开页面。")


def accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


async def static(request: web.Request) -> web.StreamResponse:
    """A static file by its exact name: gzipped ahead of time for browsers that accept it, kept
    for a year (its address carries its content's hash, so a new version is a new address)."""
    found = static_files().get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    body = found.body
    if found.gzipped is not None and accepts_gzip(request):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=body, content_type=found.content_type, headers=headers)


@web.middleware
async def compressed_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages and JSON answers gzipped for browsers that accept it (a /m/books page: 12 KB as
    3 KB). They carry no CSRF token or other secret beside reflected input (the POST guard is
    the Origin), so compression gives a BREACH-style attacker nothing to guess."""
    response = await handler(request)
    if (
        isinstance(response, web.Response)
        and response.content_type in COMPRESSED_TYPES
        and isinstance(response.body, bytes)
        and len(response.body) >= COMPRESS_MIN_BYTES
        and accepts_gzip(request)
    ):
        response.enable_compression(web.ContentCoding.gzip)
        response.headers["Vary"] = "Accept-Encoding"
    return response


async def to_home(request: web.Request) -> web.StreamResponse:
    return redirect(PREFIX + "/")


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as http:
        app[STATE].http = http
        yield
        app[STATE].http = None


def create_mobile_app(codec: SessionCodec) -> web.Application:
    mobile = web.Application(middlewares=[compressed_pages, kind_errors])
    mobile[STATE] = MobileState(codec)
    env = aiohttp_jinja2.setup(
        mobile,
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    env.globals["static"] = static_url
    env.globals["PREFIX"] = PREFIX
    mobile.on_response_prepare.append(_headers)
    mobile.cleanup_ctx.append(_http_ctx)
    mobile.router.add_get("/static/{name:.+}", static)
    mobile.router.add_get("/oauth", oauth_return)
    mobile.router.add_get("/home/images/{id:[0-9]{1,9}}", home.home_image)
    pages = [page for module in PAGE_MODULES for page in module.PAGES]
    for page in pages:
        mobile.router.add_route(page.method, page.path, guarded(page), name=page.name)
    mobile[STATE].menu = tuple(p for p in pages if p.menu and p.method == "GET")
    return mobile


def setup(app: web.Application) -> None:
    """Mount /m/ on the app (after SETTINGS is set)."""
    settings = app[SETTINGS]
    codec = SessionCodec(derive_key(settings.wechat_secret, settings.wechat_aes_key))
    app.router.add_get(PREFIX, to_home)
    app.add_subapp(PREFIX, create_mobile_app(codec))
