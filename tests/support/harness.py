"""Harnesses: databases (a SQLite file, and PostgreSQL when TEST_POSTGRES_URL is set) and the
real app served on loopback, driven with signed, encrypted XML like WeChat sends."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import create_app, stop_background_work
from bot.keys import PIPELINE, SESSIONS
from bot.sandbox.courier import Courier, event_xml, image_xml, text_xml
from bot.settings import Settings
from domain.clock import FixedClock
from storage.engine import create_engine
from storage.tables import Base


async def create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@asynccontextmanager
async def postgres_database(base_url: str) -> AsyncIterator[str]:
    """A throwaway database on the PostgreSQL server of `base_url`, dropped afterwards."""
    name = f"yk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        async with admin.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def file_or_server_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """For tests run on both databases: a SQLite file in `folder`, or a throwaway PostgreSQL
    database when TEST_POSTGRES_URL is set (skipped, with the reason, when it is not)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder}/test.db"
        return
    base_url = os.environ.get("TEST_POSTGRES_URL", "")
    if not base_url:
        pytest.skip("needs TEST_POSTGRES_URL for the PostgreSQL run")
    async with postgres_database(base_url) as url:
        yield url


def make_settings(db_url: str, tmp_path: Any, **overrides: Any) -> Settings:
    base = Settings.from_mapping({"DATABASE_URL": db_url, "DATA_DIR": str(tmp_path)})
    return base.with_(**{"scheduler": False, **overrides})


@dataclass
class Chat:
    """A running app plus a courier: say things as a WeChat user, read the replies."""

    server: TestServer
    session: aiohttp.ClientSession
    courier: Courier
    settings: Settings
    clock: FixedClock | None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/wechat"))

    @property
    def app(self) -> Any:
        return self.server.app

    async def post_xml(self, xml: str, openid: str = "") -> tuple[int, dict[str, str] | None, str]:
        return await self.courier.post(self.session, self.url, xml, openid)

    async def say(
        self, openid: str, text: str, msg_id: int | None = None, menu_id: str | None = None
    ) -> str | None:
        """Send text; the passive reply's content (None for `success`)."""
        xml = text_xml(self.courier.account, openid, text, msg_id, menu_id, self._ts())
        status, reply, body = await self.post_xml(xml, openid)
        assert status == 200, body
        return reply.get("Content") if reply else None

    async def send_event(self, openid: str, event: str, key: str = "") -> str | None:
        xml = event_xml(self.courier.account, openid, event, key, self._ts())
        status, reply, body = await self.post_xml(xml, openid)
        assert status == 200, body
        return reply.get("Content") if reply else None

    async def send_image(self, openid: str, media_id: str) -> str | None:
        xml = image_xml(self.courier.account, openid, media_id, created=self._ts())
        status, reply, body = await self.post_xml(xml, openid)
        assert status == 200, body
        return reply.get("Content") if reply else None

    def _ts(self) -> int:
        return (
            int(self.clock.now().timestamp()) if self.clock else int(datetime.now(UTC).timestamp())
        )

    @property
    def sessions(self) -> Any:
        return self.app[SESSIONS]

    @property
    def pipeline(self) -> Any:
        return self.app[PIPELINE]


async def close_server(server: TestServer) -> None:
    """Stop the app's outgoing work first: the sandbox emulator lives on this same server, and a
    call to it that starts while the server shuts down would wait out its whole timeout."""
    await stop_background_work(server.app)
    await server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sandboxed_server(settings: Settings, **app_kwargs: Any) -> tuple[Any, TestServer]:
    """The app and a test server on a port chosen up front, so that the app knows where its
    sandbox emulator is from the first moment (start-up work may already call WeChat)."""
    port = free_port()
    if settings.sandbox and not settings.wechat_api_base:
        settings = settings.with_(wechat_api_base=f"http://127.0.0.1:{port}/sandbox")
    app = create_app(settings, **app_kwargs)
    return app, TestServer(app, host="127.0.0.1", port=port)


@asynccontextmanager
async def running_chat(
    settings: Settings, *, encrypt: bool = True, clock: FixedClock | None = None, **app_kwargs: Any
) -> AsyncIterator[Chat]:
    _, server = sandboxed_server(settings, clock=clock, **app_kwargs)
    await server.start_server()
    courier = Courier(
        settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key, encrypt=encrypt
    )
    if clock is not None:
        courier_sign = courier.sign

        def sign_at_clock(xml: str, timestamp: int | None = None, openid: str = "") -> Any:
            return courier_sign(xml, timestamp or int(clock.now().timestamp()), openid)

        courier.sign = sign_at_clock  # type: ignore[method-assign]
    async with aiohttp.ClientSession() as session:
        try:
            yield Chat(server, session, courier, settings, clock)
        finally:
            await close_server(server)
    await asyncio.sleep(0)
