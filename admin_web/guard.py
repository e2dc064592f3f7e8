"""The panel's gate, one middleware in front of every handler.

In order: a route must carry an access declaration (else 404: deny by default); public routes
pass (their forms are checked against the double-submitted pre-login token); everything else
needs a live session of an active staff member whose password has not changed since they
logged in, within the idle and absolute timeouts; admin routes need an admin (403); and a
state-changing request needs the same origin and the session's CSRF token (403, nothing done).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import get_session

from admin_web.actor import PanelUser
from admin_web.keys import CONFIG, PORTS, STATE
from admin_web.routing import PREFIX, Access, Handler, Route, declared
from admin_web.security import (
    CSRF_FIELD,
    PRE_COOKIE,
    same_origin,
    submitted_token,
    tokens_match,
)
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

USER = web.RequestKey("panel_user", PanelUser)
# Set once the guard has read a multipart form (whose files it then closes after the handler).
FORM_READ = web.RequestKey("panel_form_read", bool)
# Saving the session again (which pushes its expiry on) at most this often while someone works.
TOUCH_EVERY = timedelta(seconds=60)


def is_htmx(request: web.Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_login(request: web.Request) -> web.HTTPException:
    if request.method == "GET" and not is_htmx(request):
        return web.HTTPSeeOther(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
    # htmx follows HX-Redirect; anything else reads the 401.
    return web.HTTPUnauthorized(
        text="请先登录。", headers={"HX-Redirect": f"{PREFIX}/login"}, content_type="text/plain"
    )


async def current_user(request: web.Request) -> PanelUser | None:
    """The logged-in staff member, or None (the session, if any, is then ended)."""
    session = await get_session(request)
    if "staff" not in session:
        return None
    config = request.app[CONFIG]
    now = request.app[PORTS].clock.now()
    try:
        login_at = datetime.fromtimestamp(float(session["login_at"]), UTC)
        seen = datetime.fromtimestamp(float(session["seen"]), UTC)
        staff_id, version, csrf = int(session["staff"]), int(session["ver"]), str(session["csrf"])
    except (KeyError, TypeError, ValueError):
        session.invalidate()
        return None
    if now - login_at > config.absolute_timeout or now - seen > config.idle_timeout:
        session.invalidate()
        return None
    firm = await request.app[STATE].firm(request.app)
    async with SqlUnitOfWork(request.app[PORTS].sessions()) as uow:
        staff = await uow.identities.get_staff(staff_id)
        credential = await uow.staff_access.credential(staff_id)
    if (
        staff is None
        or not staff.active
        or staff.firm_id != firm.id
        or credential is None
        or credential.version != version
    ):
        session.invalidate()
        return None
    if now - seen >= TOUCH_EVERY:
        session["seen"] = now.timestamp()
    return PanelUser(staff, firm, csrf)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    info = request.match_info
    if info.http_exception is not None:
        raise info.http_exception  # no such page (404) or method (405): nothing to guard
    route = declared(info.handler)
    if route is None:
        log.error("refused %s %s: the route declares no access", request.method, request.path)
        raise web.HTTPNotFound()
    outer = request  # the one the error pages see
    if route.max_body:
        # An upload form: read with this route's own limit (the service's is for WeChat XML).
        request = request.clone(client_max_size=route.max_body)
    try:
        return await _admit(request, outer, route, handler)
    finally:
        await _close_uploads(request)


async def _admit(
    request: web.Request, outer: web.Request, route: Route, handler: Handler
) -> web.StreamResponse:
    unsafe = route.changes_state
    if unsafe and not same_origin(request):
        raise web.HTTPForbidden(text="来源不符，操作未执行。")
    if route.access is Access.PUBLIC:
        if unsafe and not tokens_match(request.cookies.get(PRE_COOKIE), await _form_token(request)):
            raise web.HTTPForbidden(text="页面已过期，请刷新后重试。")
        return await handler(request)
    user = await current_user(request)
    if user is None:
        raise _to_login(request)
    if route.access is Access.ADMIN and not user.is_admin:
        raise web.HTTPForbidden(text="这项操作需要管理员权限。")
    token = await _bounded(submitted_token(request)) if unsafe else None
    request[FORM_READ] = unsafe and request.content_type == "multipart/form-data"
    if unsafe and not tokens_match(user.csrf, token):
        raise web.HTTPForbidden(text="页面已过期，请刷新后重试。")
    request[USER] = outer[USER] = user
    return await handler(request)


async def _close_uploads(request: web.Request) -> None:
    """Close the temporary files aiohttp made for a multipart form's files (once it was read:
    the token check reads it, and the form is cached for the handler)."""
    if request.get(FORM_READ):
        for value in (await request.post()).values():
            if isinstance(value, web.FileField):
                value.file.close()


async def _bounded(reading: Awaitable[str | None]) -> str | None:
    """The token, from a body read within its limit; a body over it is refused in Chinese."""
    try:
        return await reading
    except web.HTTPRequestEntityTooLarge as exc:
        raise web.HTTPRequestEntityTooLarge(
            max_size=0,
            actual_size=0,
            text="提交的内容太大了（图片请压缩到 1 MB 以内），什么都没有改变。",
        ) from exc


async def _form_token(request: web.Request) -> str | None:
    form = await request.post()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None
