"""The server's own limits: a slow request head or body is cut off, and the connection cap
refuses what it cannot hold without starving real requests. Each runs on uvloop (what `serve`
runs on) and on asyncio's own loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import uvloop
from aiohttp import web

from bot.cli.edge_server import GuardedSite, ServerLimits, start

Run = Callable[[Coroutine[Any, Any, None]], None]


@pytest.fixture(params=["uvloop", "asyncio"])
def run(request: pytest.FixtureRequest) -> Run:
    """Runs a test's body on a new loop of the kind asked for, as `serve` would."""
    kind: str = request.param

    def on_loop(body: Coroutine[Any, Any, None]) -> None:
        async def checked() -> None:
            assert isinstance(asyncio.get_running_loop(), uvloop.Loop) == (kind == "uvloop")
            async with asyncio.timeout(30):  # a server that never answers fails, not hangs
                await body

        (uvloop.run if kind == "uvloop" else asyncio.run)(checked())

    return on_loop


FAST = ServerLimits(
    max_connections=3, header_timeout_s=0.3, body_timeout_s=0.3, keepalive_timeout_s=5
)


@dataclass
class Served:
    site: GuardedSite
    release: asyncio.Event
    all_held: asyncio.Event  # every connection slot is serving /hold

    @property
    def port(self) -> int:
        assert self.site.bound_port is not None
        return self.site.bound_port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def raw(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@asynccontextmanager
async def served(limits: ServerLimits = FAST) -> AsyncIterator[Served]:
    release = asyncio.Event()
    all_held = asyncio.Event()
    holding: list[None] = []

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="pong")

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    async def hold(request: web.Request) -> web.Response:
        holding.append(None)
        if len(holding) >= limits.max_connections:
            all_held.set()
        await release.wait()
        return web.Response(text="released")

    app = web.Application()
    app.router.add_get("/ping", ping)
    app.router.add_post("/echo", echo)
    app.router.add_get("/hold", hold)
    runner, site = await start(app, "127.0.0.1", 0, limits)
    try:
        yield Served(site, release, all_held)
    finally:
        release.set()
        await runner.cleanup()


async def read_all(reader: asyncio.StreamReader, within: float = 3.0) -> bytes:
    return await asyncio.wait_for(reader.read(), within)


def test_a_client_dripping_its_request_head_is_cut_off_after_the_timeout(run: Run) -> None:
    run(_a_client_dripping_its_request_head_is_cut_off_after_the_timeout())


async def _a_client_dripping_its_request_head_is_cut_off_after_the_timeout() -> None:
    async with served() as s:
        reader, writer = await s.raw()
        loop = asyncio.get_running_loop()
        started = loop.time()
        writer.write(b"POST /echo HTTP/1.1\r\nHost: bot\r\n")

        async def drip() -> None:
            # Slowloris: a header line now and then, never the blank line that ends the head.
            for i in range(50):
                await asyncio.sleep(0.05)
                writer.write(b"X-Drip-%d: 1\r\n" % i)

        dripping = asyncio.create_task(drip())
        answer = await read_all(reader)
        elapsed = loop.time() - started
        dripping.cancel()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert 0.25 <= elapsed < 1.5, elapsed
        assert s.site.gate.timed_out == 1
        await asyncio.sleep(0.05)
        assert s.site.gate.open == 0


def test_idle_connections_at_the_cap_give_way_to_a_real_request(run: Run) -> None:
    run(_idle_connections_at_the_cap_give_way_to_a_real_request())


async def _idle_connections_at_the_cap_give_way_to_a_real_request() -> None:
    async with served(ServerLimits(max_connections=3, header_timeout_s=30)) as s:
        idle = [await s.raw() for _ in range(3)]
        await asyncio.sleep(0.05)
        assert s.site.gate.open == 3
        async with aiohttp.ClientSession() as http, http.get(s.url("/ping")) as resp:
            assert (resp.status, await resp.text()) == (200, "pong")
        # The connection that had waited longest for its head made room.
        first_reader, _ = idle[0]
        assert (await read_all(first_reader)).startswith(b"HTTP/1.1 503 ")
        assert s.site.gate.evicted == 1
        for _, writer in idle:
            writer.close()


def test_the_cap_refuses_extra_connections_while_every_slot_serves_a_request(run: Run) -> None:
    run(_the_cap_refuses_extra_connections_while_every_slot_serves_a_request())


async def _the_cap_refuses_extra_connections_while_every_slot_serves_a_request() -> None:
    async with served() as s, aiohttp.ClientSession() as http:
        busy = [asyncio.create_task(http.get(s.url("/hold"))) for _ in range(3)]
        await asyncio.wait_for(s.all_held.wait(), 5)
        reader, writer = await s.raw()
        assert (await read_all(reader)).startswith(b"HTTP/1.1 503 ")
        writer.close()
        assert s.site.gate.refused == 1
        # The held requests finish; the server answers as before.
        s.release.set()
        for task in busy:
            resp = await task
            assert (resp.status, await resp.text()) == (200, "released")
            resp.release()
    async with served() as s, aiohttp.ClientSession() as http:
        for _ in range(5):  # one kept-alive connection, several requests
            async with http.get(s.url("/ping")) as resp:
                assert resp.status == 200
        assert s.site.gate.open == 1


def test_a_body_that_stops_arriving_is_answered_408_and_closed(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    run(_a_body_that_stops_arriving_is_answered_408_and_closed(caplog))


async def _a_body_that_stops_arriving_is_answered_408_and_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with served() as s:
        reader, writer = await s.raw()
        loop = asyncio.get_running_loop()
        started = loop.time()
        writer.write(b"POST /echo HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\n\r\n0123456789")
        answer = await read_all(reader)
        elapsed = loop.time() - started
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert 0.25 <= elapsed < 1.5, elapsed
        # Whole bodies still go through, on the same kind of connection.
        async with (
            aiohttp.ClientSession() as http,
            http.post(s.url("/echo"), data=b"x" * 5000) as r,
        ):
            assert (r.status, len(await r.read())) == (200, 5000)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_cap_stays_under_the_open_file_limit() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limits = ServerLimits(max_connections=10**9, fd_reserve=100)
    assert limits.connection_cap() == soft - 100
    assert ServerLimits(max_connections=5).connection_cap() == 5
