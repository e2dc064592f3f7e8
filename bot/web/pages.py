"""What a /m/ page is: a path under /m, who may open it, and a handler that is given the
`Viewer` (the WeChat user the web authorisation named, as the firm knows them). The guard
(`bot.web.guard`) runs before every page: no handler ever sees an anonymous request, a
stranger, or someone of the wrong kind.

A page module exposes `PAGES: tuple[MobilePage, ...]`; `bot.web.app.PAGE_MODULES` lists the
modules. A page shows the viewer's own company only: read through the domain services with
`viewer.actor` (they refuse another company's things) and answer refusals with `refusal()`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from domain.actors import Actor, actor_of
from domain.identity import ClientCompany, Identity, Role

PREFIX = "/m"
STATIC_DIR = Path(__file__).parent / "static"
TEMPLATE_DIR = Path(__file__).parent / "templates"
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


class Audience(StrEnum):
    """Who may open a page."""

    CLIENT = "client"  # a bound contact of a client company
    STAFF = "staff"  # a staff member or admin of the firm
    BOUND = "bound"  # either


@dataclass(frozen=True)
class Viewer:
    """The visitor: their openid (from web authorisation) and who they are in the firm."""

    openid: str
    identity: Identity

    @property
    def actor(self) -> Actor:
        return actor_of(self.identity)

    @property
    def company(self) -> ClientCompany | None:
        return self.identity.company

    @property
    def name(self) -> str:
        return self.actor.name

    def may_open(self, audience: Audience) -> bool:
        role = self.identity.role
        if role is Role.CLIENT:
            return audience in (Audience.CLIENT, Audience.BOUND) and self.company is not None
        if role in (Role.STAFF, Role.ADMIN):
            return audience in (Audience.STAFF, Audience.BOUND)
        return False


PageHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class MobilePage:
    method: str  # "GET" or "POST"
    path: str  # under /m: "/", "/pay/{number}"
    handler: PageHandler
    audience: Audience
    name: str  # the route's name, for `request.app.router[name].url_for(...)`
    # A label for the start page's list of pages (a path without parameters); empty: not listed.
    menu: str = ""


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    version: str
    # The body gzipped once, at the highest level, when that saves something worth a header:
    # sent to browsers that accept gzip (ECharts: 507 KB as 170 KB), never compressed per request.
    gzipped: bytes | None = None


GZIP_MIN_SAVING = 512  # bytes


@functools.cache
def static_files() -> dict[str, StaticFile]:
    """Every file under static/, read once: only these are served, by their exact name."""
    files: dict[str, StaticFile] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        kind = CONTENT_TYPES.get(path.suffix)
        if path.is_file() and kind:
            body = path.read_bytes()
            name = path.relative_to(STATIC_DIR).as_posix()
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            smaller = packed if len(body) - len(packed) >= GZIP_MIN_SAVING else None
            files[name] = StaticFile(body, kind, hashlib.sha256(body).hexdigest()[:12], smaller)
    return files


def static_url(name: str) -> str:
    """A static file's address with its content's hash, so browsers may keep it for long."""
    return f"{PREFIX}/static/{name}?v={static_files()[name].version}"


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page in the mobile layout (templates/base.html)."""
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def refusal(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """A clear, kind refusal page: nothing was shown or changed."""
    return render(request, "refusal.html", {"title": title, "text": text}, status=status)
