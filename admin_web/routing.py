"""Deny by default: every route of the panel declares who may use it, in one table.

A route is added only through `install`, which marks its handler with its `Route`; the guard
(`admin_web.guard`) refuses any request whose handler carries no mark, and `check_declared`
refuses to start an app holding a route added some other way. So a page cannot be reachable
by accident: forgetting the declaration breaks the start, not the security.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from aiohttp.web_urldispatcher import DynamicResource

# Where bot.app mounts the panel.
PREFIX = "/admin"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Access(StrEnum):
    """Who may use a route. `PUBLIC` pages (login, setting a password, static files) are
    for anyone; `STAFF` for any logged-in staff member, each seeing only what their role
    allows; `ADMIN` for admins only."""

    PUBLIC = "public"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # inside the panel, e.g. "/requests/{number}"
    handler: Handler
    access: Access
    name: str
    # The largest body this route reads, when more than the service's usual limit (uploads).
    max_body: int = 0

    @property
    def full_path(self) -> str:
        """As a person reads it: `/admin/requests/{number}`, without the pattern."""
        return PREFIX + (DynamicResource(self.path).canonical if "{" in self.path else self.path)

    @property
    def changes_state(self) -> bool:
        return self.method in UNSAFE_METHODS


_MARK = "__admin_route__"


class UndeclaredRoute(RuntimeError):
    """A route without an access declaration: the panel refuses to start with it."""


def declared(handler: object) -> Route | None:
    """The declaration a handler was installed with, or None."""
    route = getattr(handler, _MARK, None)
    return route if isinstance(route, Route) else None


def install(app: web.Application, routes: Iterable[Route]) -> None:
    for route in routes:
        if not isinstance(route.access, Access):
            raise UndeclaredRoute(f"{route.method} {route.full_path} declares no access")

        async def handler(request: web.Request, _h: Handler = route.handler) -> web.StreamResponse:
            return await _h(request)

        setattr(handler, _MARK, route)
        # allow_head is off on purpose: HEAD would be one more route to declare.
        app.router.add_route(route.method, route.path, handler, name=route.name)


def check_declared(app: web.Application) -> None:
    """Raise `UndeclaredRoute` if any route of `app` was added without a declaration."""
    missing = [
        f"{r.method} {r.resource.canonical if r.resource else '?'}"
        for r in app.router.routes()
        if declared(r.handler) is None
    ]
    if missing:
        raise UndeclaredRoute("routes without an access declaration: " + ", ".join(missing))
