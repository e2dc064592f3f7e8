"""Logging in and out, and setting a password from a one-time link."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from admin_web.guard import current_user
from admin_web.keys import CONFIG, HASHER, PORTS, STATE, STORAGE
from admin_web.passwords import problems_zh
from admin_web.routing import PREFIX
from admin_web.security import (
    PRE_COOKIE,
    client_address,
    pre_login_token,
    set_pre_login_cookie,
)
from admin_web.sessions import rotate
from admin_web.templating import render
from domain.staff_access import Refusal, WeakPassword, new_token
from domain.staff_logins import link_holder, log_in, set_password_by_link
from storage.uow import SqlUnitOfWork

HOME = PREFIX + "/"
REFUSAL_ZH = {
    Refusal.WRONG: "账号或密码不正确。",
    Refusal.ACCOUNT_LOCKED: "该账号尝试次数过多，已暂时锁定，请 15 分钟后再试。",
    Refusal.ADDRESS_LOCKED: "尝试次数过多，请 15 分钟后再试。",
}


def safe_next(value: object) -> str:
    """Where to go after login: only a page of the panel, never another site."""
    if (
        isinstance(value, str)
        and value.startswith(HOME)
        and "//" not in value
        and "\\" not in value
        and len(value) < 500
    ):
        return value
    return HOME


def _form_page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page with a pre-login form: the double-submit token in the form and in a cookie."""
    token = pre_login_token(request)
    response = render(template, request, {**context, "pre": token}, status=status)
    set_pre_login_cookie(response, token, path=PREFIX, secure=request.app[CONFIG].secure_cookies)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if await current_user(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    context = {"login": "", "next": safe_next(request.query.get("next")), "error": ""}
    return _form_page(request, "login.html", context)


async def login(request: web.Request) -> web.StreamResponse:
    app = request.app
    config, ports = app[CONFIG], app[PORTS]
    form = await request.post()
    name = str(form.get("login", "")).strip()[:64]
    password = str(form.get("password", ""))[:256]
    target = safe_next(form.get("next"))
    await app[STATE].bootstrap(app)
    firm = await app[STATE].firm(app)
    now = ports.clock.now()
    async with SqlUnitOfWork(ports.sessions()) as uow:
        result = await log_in(
            uow,
            firm.id,
            name,
            password,
            client_address(request, config.trusted_proxies),
            now,
            app[HASHER],
            config.access,
        )
        await uow.commit()
    if result.staff is None:
        refusal = result.refusal or Refusal.WRONG
        status = 401 if refusal is Refusal.WRONG else 429
        context = {"login": name, "next": target, "error": REFUSAL_ZH[refusal]}
        return _form_page(request, "login.html", context, status)
    session = await rotate(request, app[STORAGE])
    session.update(
        {
            "staff": result.staff.id,
            "ver": result.version,
            "login_at": now.timestamp(),
            "seen": now.timestamp(),
            "csrf": new_token(),
        }
    )
    done = web.HTTPSeeOther(target)
    done.del_cookie(PRE_COOKIE, path=PREFIX)
    raise done


async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()  # the storage deletes its entry: the cookie is worth nothing now
    raise web.HTTPSeeOther(PREFIX + "/login")


async def password_form(request: web.Request) -> web.StreamResponse:
    ports = request.app[PORTS]
    async with SqlUnitOfWork(ports.sessions()) as uow:
        staff = await link_holder(uow, request.match_info["token"], ports.clock.now())
    if staff is None:
        raise web.HTTPNotFound(text="链接无效、已用过或已过期，请联系管理员重新获取。")
    return _form_page(request, "password.html", {"name": staff.name, "problems": []})


async def set_password(request: web.Request) -> web.StreamResponse:
    app = request.app
    ports = app[PORTS]
    token = request.match_info["token"]
    form = await request.post()
    password = str(form.get("password", ""))[:300]
    now = ports.clock.now()
    async with SqlUnitOfWork(ports.sessions()) as uow:
        holder = await link_holder(uow, token, now)
        if holder is None:
            raise web.HTTPNotFound(text="链接无效、已用过或已过期，请联系管理员重新获取。")
        if password != str(form.get("confirm", "")):
            context = {"name": holder.name, "problems": ["两次输入的密码不一致"]}
            return _form_page(request, "password.html", context, 422)
        try:
            staff = await set_password_by_link(uow, token, password, now, app[HASHER])
        except WeakPassword as exc:
            context = {"name": holder.name, "problems": problems_zh(exc.problems)}
            return _form_page(request, "password.html", context, 422)
        if staff is None:
            raise web.HTTPNotFound(text="链接无效、已用过或已过期，请联系管理员重新获取。")
        await uow.commit()
    return render("password_set.html", request, {"name": staff.name})
