"""Deny by default: a route that declares no access keeps the panel from starting, and every
route in the table says who may use it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from admin_web.app import create_admin_app
from admin_web.config import PanelConfig, PanelPorts
from admin_web.routes import ROUTES
from admin_web.routing import Access, Route, UndeclaredRoute, check_declared, declared, install
from domain.clock import FixedClock


def panel() -> web.Application:
    def no_database() -> object:
        raise AssertionError("no database in this test")

    return create_admin_app(
        PanelConfig(firm_appid="wx-test", bootstrap_password="x"),
        PanelPorts(sessions=no_database, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))),  # type: ignore[arg-type]
    )


async def sneaky(request: web.Request) -> web.Response:
    return web.Response(text="every client's books")


def test_every_route_in_the_table_declares_access_and_is_installed_with_it() -> None:
    app = panel()
    installed = {
        (r.method, r.resource.canonical): declared(r.handler)
        for r in app.router.routes()
        if r.resource is not None
    }
    assert len(installed) == len(ROUTES)
    for route in ROUTES:
        assert isinstance(route.access, Access)
        assert route in installed.values()


def test_a_route_added_without_a_declaration_is_found() -> None:
    app = panel()
    app.router.add_get("/sneaky", sneaky)
    with pytest.raises(UndeclaredRoute, match="GET /sneaky"):
        check_declared(app)


async def test_the_panel_refuses_to_start_with_an_undeclared_route() -> None:
    app = panel()
    app.router.add_get("/sneaky", sneaky)
    server = TestServer(app)
    with pytest.raises(UndeclaredRoute):
        await server.start_server()
    await server.close()


def test_a_route_whose_access_is_no_access_level_is_refused() -> None:
    app = web.Application()
    with pytest.raises(UndeclaredRoute):
        install(app, [Route("GET", "/x", sneaky, "admin", "x")])  # type: ignore[arg-type]


def test_only_login_password_links_and_static_files_are_public() -> None:
    public = {(r.method, r.full_path) for r in ROUTES if r.access is Access.PUBLIC}
    assert public == {
        ("GET", "/admin/login"),
        ("POST", "/admin/login"),
        ("GET", "/admin/password/{token}"),
        ("POST", "/admin/password/{token}"),
        ("GET", "/admin/static/{name}"),
    }
