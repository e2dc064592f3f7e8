"""Every /admin route, taken from the running app's router (not from the table), refuses an
anonymous visitor, and every admin-only route refuses an accountant."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout

from admin_web.routes import ROUTES
from admin_web.routing import Access, declared
from bot.cli import main as cli
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel, admin_app

SAMPLE = {
    "number": "R1001",
    "token": "x" * 43,
    "name": "admin.css",
    "id": "1",
    "kind": "task_claimed",
    "item_id": "1",
    "fmt": "csv",
    "invoice": "1",
    "taxkind": "small",
    "contact": "1",
}


def concrete(path: str) -> str:
    """A route's path with a plausible value in each placeholder (complaints are C1001, bills
    B1001: the demo's first bill)."""
    if path.startswith("/admin/complaints/"):
        path = path.replace("{number}", "C1001")
    if path.startswith("/admin/money/bills/"):
        path = path.replace("{number}", "B1001")
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


def live_routes(panel: Panel) -> list[tuple[str, str, Access]]:
    routes = []
    for r in admin_app(panel.chat.app).router.routes():
        route = declared(r.handler)
        assert route is not None, f"{r.method} {r.resource} declares no access"
        assert r.resource is not None
        routes.append((r.method, r.resource.canonical, route.access))
    return routes


async def test_every_route_refuses_an_anonymous_visitor(panel: Panel) -> None:
    await panel.seed("杭州青禾餐饮管理有限公司")  # R1001 exists: refused for who, not what
    visitor = await panel.browser()
    routes = live_routes(panel)
    assert len(routes) == len(ROUTES)
    for method, path, access in routes:
        if access is Access.PUBLIC:
            continue
        if method == "GET":
            status, body, headers = await visitor.get(concrete(path).removeprefix("/admin"))
            assert status == 303, (path, status)
            assert headers["Location"].startswith("/admin/login?next="), path
        else:
            status, body, headers = await visitor.post(
                concrete(path).removeprefix("/admin"), {"_csrf": "x", "staff": "2"}
            )
            assert status in (401, 403), (path, status)
        assert "R1001" not in body and "杭州" not in body, path


async def test_every_admin_route_refuses_an_accountant(panel: Panel) -> None:
    req = await panel.seed("杭州青禾餐饮管理有限公司")  # 王会计's own client
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    admin_only = [(m, p) for m, p, a in live_routes(panel) if a is Access.ADMIN]
    assert admin_only
    for method, path in admin_only:
        url = concrete(path).removeprefix("/admin")
        if method == "GET":
            status, _, _ = await wang.get(url)
        else:
            status, _, _ = await wang.post(url, {"_csrf": wang.csrf, "staff": "2"})
        assert status == 403, (method, path, status)
    # Nothing moved: the request is still waiting for someone to claim it.
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get(f"/requests/{req.number}")
    assert "无人接单" in body


async def test_the_admin_routes_command_lists_the_live_routes(panel: Panel) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["admin", "routes"]) == 0
    printed = {
        (line["method"], line["path"], line["role"])
        for line in map(json.loads, out.getvalue().splitlines())
    }
    assert printed == {(m, p, a.value) for m, p, a in live_routes(panel)}


async def test_an_unknown_page_under_admin_is_404_with_the_security_headers(panel: Panel) -> None:
    visitor = await panel.browser()
    status, _, headers = await visitor.get("/no-such-page")
    assert status == 404
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, _, headers = await visitor.get("")
    assert (status, headers["Location"]) == (301, "/admin/")
