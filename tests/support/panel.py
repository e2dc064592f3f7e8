"""The admin panel over HTTP: the real app (sandbox, demo people) on loopback, a browser-like
client per person (its own cookie jar), and requests seeded straight through the repositories."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from admin_web.keys import HASHER
from admin_web.passwords import Argon2Hasher
from admin_web.routing import PREFIX
from bot.sandbox.demo import load_demo
from bot.settings import Settings
from domain.clock import FixedClock
from domain.requests import EventKind, NewRequest, RequestEvent, ServiceRequest, Status, Urgency
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.harness import create_schema, make_settings
from tests.support.outbound import SandboxChat, running_sandbox

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
# The demo's people (bot.sandbox.demo): the first admin logs in with the sandbox ADMIN_PASSWORD.
ADMIN, WANG, LI = "赵主管", "王会计", "李会计"
ADMIN_PASSWORD = "admin"
STAFF_PASSWORD = "春眠不觉晓处处闻啼鸟夜来风雨声"


def admin_app(app: web.Application) -> web.Application:
    """The /admin sub-application inside the service's app."""
    for resource in app.router.resources():
        info = resource.get_info()
        if info.get("prefix") == PREFIX:
            sub: web.Application = info["app"]
            return sub
    raise AssertionError("no /admin sub-application")


@dataclass
class Browser:
    """One person's browser: cookies kept, redirects not followed (tests read them)."""

    base: str
    http: aiohttp.ClientSession
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + PREFIX + path

    async def get(self, path: str, **kw: Any) -> tuple[int, str, Any]:
        headers = {**self.headers, **kw.pop("headers", {})}
        async with self.http.get(self.url(path), allow_redirects=False, headers=headers, **kw) as r:
            return r.status, await r.text(), r.headers

    async def post(self, path: str, data: dict[str, str], **kw: Any) -> tuple[int, str, Any]:
        headers = {**self.headers, **kw.pop("headers", {})}
        async with self.http.post(
            self.url(path), data=data, allow_redirects=False, headers=headers, **kw
        ) as r:
            return r.status, await r.text(), r.headers

    async def login_page(self) -> str:
        status, body, _ = await self.get("/login")
        assert status == 200, body
        match = CSRF.search(body)
        assert match
        return match.group(1)

    async def try_login(self, login: str, password: str) -> tuple[int, str, Any]:
        pre = await self.login_page()
        return await self.post("/login", {"login": login, "password": password, "_csrf": pre})

    async def login(self, login: str, password: str) -> None:
        status, body, _ = await self.try_login(login, password)
        assert status == 303, (status, body)
        status, body, _ = await self.get("/")
        assert status == 200, body
        match = CSRF.search(body)
        assert match
        self.csrf = match.group(1)

    def session_cookie(self) -> str:
        for cookie in self.http.cookie_jar:
            if cookie.key == "yk_admin":
                return cookie.value
        return ""

    async def close(self) -> None:
        await self.http.close()


@dataclass
class Panel:
    chat: SandboxChat
    clock: FixedClock | None
    browsers: list[Browser] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.chat.server.make_url("/")).rstrip("/")

    @property
    def sessions(self) -> Any:
        return self.chat.sessions

    async def browser(self, **headers: str) -> Browser:
        b = Browser(
            self.base,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)),
            headers=dict(headers),
        )
        self.browsers.append(b)
        return b

    async def logged_in(self, name: str, password: str) -> Browser:
        b = await self.browser()
        await b.login(name, password)
        return b

    def now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now().astimezone()

    async def seed(
        self,
        company: str,
        type_: str = "营业执照",
        description: str = "公司地址变更",
        *,
        urgency: Urgency = Urgency.NORMAL,
        status: Status = Status.SUBMITTED,
        handler: str | None = None,
        due_in: timedelta | None = timedelta(minutes=30),
        at: datetime | None = None,
    ) -> ServiceRequest:
        """A request of `company` straight in the database, with its first timeline entry."""
        now = at or self.now()
        async with SqlUnitOfWork(self.sessions) as uow:
            firm = await uow.identities.firm_by_appid(self.chat.settings.wechat_appid)
            assert firm is not None
            found = [c for c in await uow.identities.list_companies(firm.id) if c.name == company]
            assert found, company
            contact = (await uow.identities.list_contacts(found[0].id))[0]
            number = await uow.requests.next_number(firm.id, "R")
            req = await uow.requests.add(
                NewRequest(
                    firm.id,
                    number,
                    found[0].id,
                    contact.id,
                    contact.openid or "",
                    type_,
                    description,
                    urgency,
                    (),
                    now,
                    now + due_in if due_in is not None else None,
                )
            )
            await uow.requests.add_event(
                RequestEvent(req.id, now, EventKind.RAISED, contact.name, description)
            )
            if status is not Status.SUBMITTED or handler:
                staff = await uow.identities.staff_by_name(firm.id, handler) if handler else None
                changes: dict[str, Any] = {}
                if staff is not None:
                    changes.update(handler_id=staff.id, claimed_at=now)
                await uow.requests.transition(
                    req.id, frozenset({Status.SUBMITTED}), status, now, **changes
                )
            await uow.commit()
            fresh = await uow.requests.get_by_id(req.id)
            assert fresh is not None
            return fresh


async def panel_settings(tmp_path: Any, **overrides: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path}/panel.db"
    await create_schema(url)
    settings = make_settings(url, tmp_path, **overrides)
    await load_demo(settings)
    return settings


@asynccontextmanager
async def running_panel(
    settings: Settings,
    *,
    clock: FixedClock | None = None,
    cheap_hashing: bool = True,
    **app_kwargs: Any,
) -> AsyncIterator[Panel]:
    """The panel and the chat of one sandboxed app (`app_kwargs`: `nlu=` a real parser, say)."""

    def configure(app: web.Application) -> None:
        if cheap_hashing:
            admin_app(app)[HASHER] = Argon2Hasher.cheap()

    async with running_sandbox(settings, clock=clock, configure=configure, **app_kwargs) as chat:
        panel = Panel(chat, clock)
        try:
            yield panel
        finally:
            for b in panel.browsers:
                await b.close()


async def set_password(settings: Settings, name: str, password: str) -> None:
    """As `yunkuaiji staff passwd` does."""
    from domain.staff_logins import set_password as set_pw

    engine = create_engine(settings.database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            firm = await uow.identities.firm_by_appid(settings.wechat_appid)
            assert firm is not None
            staff = await uow.identities.staff_by_name(firm.id, name)
            assert staff is not None
            await set_pw(uow, staff, password, datetime.now().astimezone(), Argon2Hasher.cheap())
            await uow.commit()
    finally:
        await engine.dispose()
