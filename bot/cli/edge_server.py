"""The HTTP server `yunkuaiji serve` runs: aiohttp's, with the limits a public port needs.

aiohttp's server has a keep-alive timeout but, by itself, no cap on connections and no deadline
for a request body, and the versions we allow differ in whether a connection that never
finishes its request head is timed out at all. A probe held about 1 100 idle or half-sent
connections open: the process ran out of file descriptors, `accept()` failed in a loop and
asyncio logged each failure with a traceback. So:

- `GuardedConnection` wraps each connection's aiohttp `RequestHandler` (which is an ordinary
  `asyncio.Protocol`: everything the transport reports is forwarded to it unchanged). It counts
  the connection in a `ConnectionGate` and gives it `header_timeout_s` to deliver its first
  request head (found by looking for the blank line that ends it, not by parsing: aiohttp
  parses). A connection past the cap takes the slot of the oldest one still waiting for its
  head, or, when every slot is busy with a real request, gets a canned 503 and is closed before
  aiohttp sees it. Later requests on a kept-alive connection are aiohttp's business: its
  keep-alive timer (`keepalive_timeout_s`) closes a connection idle between requests.
- `body_deadline` is a middleware: a request body still incomplete `body_timeout_s` after the
  head arrived fails the read with `RequestBodyTimeout`, answered 408, connection closed.
- `serve` runs the app like `web.run_app` does, on a `GuardedSite`, with the event loop's
  exception handler and aiohttp's error logger rate-limited (`bot.runtime.log_throttle`).

A reverse proxy in front (README, "Operator notes") should still buffer bodies and cut slow
clients; these limits are what holds when it doesn't.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import resource
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import uvloop
from aiohttp import web

from bot.runtime.log_throttle import Throttle, loop_exception_handler, throttle_loggers

log = logging.getLogger(__name__)

REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
)
HEAD_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
# The end of a request head: "\r\n\r\n" contains "\n\r\n"; bare "\n\n" is tolerated too.
_HEAD_ENDS = (b"\n\r\n", b"\n\n")


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 512
    # From accepting a connection to the end of its first request head. WeChat and a proxy
    # send the whole head at once; only a stalled or hostile client needs more than a second.
    header_timeout_s: float = 10.0
    # From the request head to the end of its body.
    body_timeout_s: float = 10.0
    # Idle time allowed between two requests on one kept-alive connection.
    keepalive_timeout_s: float = 15.0
    # File descriptors kept free of client connections, for the database, the WeChat API
    # client, the OCR pool and files: the cap never lets connections take the last of them.
    fd_reserve: int = 128
    # Several worker processes listen on one port (SO_REUSEPORT: the kernel spreads new
    # connections over them). Set by `serve --workers N` in each worker.
    reuse_port: bool = False

    def connection_cap(self) -> int:
        """`max_connections`, lowered to fit under the process's open-file limit."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(1, min(self.max_connections, soft - self.fd_reserve))


class ConnectionGate:
    """Admits connections up to `cap`; tracks the ones still waiting for their first head."""

    def __init__(self, cap: int, header_timeout_s: float) -> None:
        self.cap = cap
        self.header_timeout_s = header_timeout_s
        self._live: set[GuardedConnection] = set()
        # Insertion-ordered: the first is the one that has waited longest for its head.
        self._waiting: dict[GuardedConnection, None] = {}
        self.refused = 0
        self.evicted = 0
        self.timed_out = 0
        self._throttle = Throttle()

    @property
    def open(self) -> int:
        return len(self._live)

    def admit(self, conn: GuardedConnection) -> bool:
        if len(self._live) >= self.cap:
            if not self._waiting:
                self.refused += 1
                self._report("refused a connection")
                return False
            oldest = next(iter(self._waiting))
            self.evicted += 1
            self._report("closed the oldest connection still waiting for its request head")
            oldest.close_waiting()
        self._live.add(conn)
        self._waiting[conn] = None
        return True

    def head_seen(self, conn: GuardedConnection) -> None:
        self._waiting.pop(conn, None)

    def head_timed_out(self, conn: GuardedConnection) -> None:
        self.timed_out += 1
        self._waiting.pop(conn, None)

    def release(self, conn: GuardedConnection) -> None:
        self._live.discard(conn)
        self._waiting.pop(conn, None)

    def _report(self, what: str) -> None:
        verdict = self._throttle.hit(what)
        if verdict is None:
            return
        more = f" ({verdict.dropped} more times since the last report)" if verdict.dropped else ""
        log.warning("connection cap (%d) reached: %s%s", self.cap, what, more)


class GuardedConnection(asyncio.Protocol):
    """One client connection: admitted by the gate, timed until its first request head, then
    everything forwarded to aiohttp's handler, which is only created once admitted."""

    def __init__(self, gate: ConnectionGate, make_handler: Callable[[], asyncio.Protocol]) -> None:
        self._gate = gate
        self._make_handler = make_handler
        self._inner: asyncio.Protocol | None = None
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""
        self._waiting_head = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's do not derive from asyncio.Transport).
        self._transport = cast(asyncio.Transport, transport)
        if not self._gate.admit(self):
            self._transport.write(REFUSED)
            self._transport.close()
            return
        self._waiting_head = True
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._gate.header_timeout_s, self._head_too_slow)
        self._inner = self._make_handler()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            return
        if self._waiting_head:
            seen = self._tail + data
            if any(end in seen for end in _HEAD_ENDS):
                self._head_seen()
            else:
                self._tail = seen[-2:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._gate.release(self)
        if self._inner is not None:
            self._inner.connection_lost(exc)
            self._inner = None

    def close_waiting(self) -> None:
        """Evicted by the gate to make room: this one has not even sent a request head."""
        self._gate.release(self)
        self._close(REFUSED)

    def _head_seen(self) -> None:
        self._waiting_head = False
        self._tail = b""
        self._cancel_timer()
        self._gate.head_seen(self)

    def _head_too_slow(self) -> None:
        self._timer = None
        if self._waiting_head:
            self._gate.head_timed_out(self)
            self._close(HEAD_TIMED_OUT)

    def _close(self, farewell: bytes) -> None:
        self._waiting_head = False
        self._cancel_timer()
        transport = self._transport
        if transport is not None and not transport.is_closing():
            if farewell:
                transport.write(farewell)
            transport.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through a `ConnectionGate`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limits: ServerLimits) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self.gate = ConnectionGate(limits.connection_cap(), limits.header_timeout_s)
        self._reuse_port = limits.reuse_port
        self.bound_port: int | None = None

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.bound_port or self._port}"

    async def start(self) -> None:
        await super().start()
        handlers = self._runner.server
        assert handlers is not None
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: GuardedConnection(self.gate, handlers),
            self._host,
            self._port,
            reuse_port=self._reuse_port or None,
        )
        self._server = server
        self.bound_port = int(server.sockets[0].getsockname()[1])


class RequestBodyTimeout(TimeoutError):
    """The request body did not arrive in time. A `TimeoutError`, so that aiohttp, draining
    what is left of the body after the 408, treats it as the end of the body."""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def body_deadline(timeout_s: float) -> Any:
    """Middleware: a body still incomplete `timeout_s` after the request head fails the read
    in progress; the request is answered 408 and its connection closed."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists or request.content.is_eof():
            return await handler(request)
        expired = False

        def expire() -> None:
            nonlocal expired
            if not request.content.is_eof():
                expired = True
                request.content.set_exception(RequestBodyTimeout())

        timer = asyncio.get_running_loop().call_later(timeout_s, expire)
        try:
            return await handler(request)
        except Exception:
            if not expired:
                raise
            response = web.Response(status=408, text="request body timeout")
            response.force_close()
            return response
        finally:
            timer.cancel()

    return middleware


async def start(
    app: web.Application, host: str, port: int, limits: ServerLimits
) -> tuple[web.AppRunner, GuardedSite]:
    """Start the app (its startup work runs first) and listen. The caller cleans up the runner."""
    app.middlewares.append(body_deadline(limits.body_timeout_s))
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=limits.keepalive_timeout_s)
    await runner.setup()
    try:
        site = GuardedSite(runner, host, port, limits)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info(
        "listening on %s (at most %d connections, request head within %.0f s, body within %.0f s)",
        site.name,
        site.gate.cap,
        limits.header_timeout_s,
        limits.body_timeout_s,
    )
    return runner, site


async def serve(app: web.Application, host: str, port: int, limits: ServerLimits) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully (what `web.run_app` does)."""
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_exception_handler())
    throttle_loggers("aiohttp.server", "aiohttp.web", "storage.batch_writer")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner, _ = await start(app, host, port, limits)
    log.info("event loop %s.%s", type(loop).__module__, type(loop).__name__)
    # Everything made at start (the NLU model, SQLAlchemy's metadata, aiohttp's routes) lives
    # as long as the process: move it out of the collector's sight, so that the full
    # collections garbage from handling messages triggers do not walk it each time (they
    # stopped the event loop for up to ~140 ms under load).
    gc.collect()
    gc.freeze()
    try:
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


EVENT_LOOPS = ("uvloop", "asyncio")


def run(
    app: web.Application, host: str, port: int, limits: ServerLimits, event_loop: str = "uvloop"
) -> None:
    """Serve on uvloop (libuv's event loop: the same webhook load costs about a sixth less CPU
    per message than on asyncio's own loop, measured with `make bench`), or on asyncio's."""
    if event_loop == "uvloop":
        uvloop.run(serve(app, host, port, limits))
    elif event_loop == "asyncio":
        asyncio.run(serve(app, host, port, limits))
    else:
        raise ValueError(f"unknown event loop {event_loop!r}: one of {', '.join(EVENT_LOOPS)}")
