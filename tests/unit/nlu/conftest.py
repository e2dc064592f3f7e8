"""One trained embedded parser for the whole NLU unit-test session (training takes ~1-2 s)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import pytest
from aiohttp import web

from bot.runtime.catalogue_vocabulary import seed_vocabulary
from nlu.embedded import EmbeddedParser

# Every relative period in these tests resolves against this day.
TODAY = date(2025, 6, 15)


@pytest.fixture(scope="session")
def parser() -> EmbeddedParser:
    """With the seed catalogue's request types, as the service hands its database's."""
    return EmbeddedParser.train(vocabulary=seed_vocabulary())


Handler = Callable[[web.Request], Any]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Any]]:
    """Start a loopback server that answers `POST /model/parse` like Rasa, with `handler`."""
    runners: list[web.AppRunner] = []

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_file": "nlu.tar.gz"})

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/model/parse", handler)
        app.router.add_get("/status", status)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
