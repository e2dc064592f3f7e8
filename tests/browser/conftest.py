"""Real Chromium for the browser tests: Debian's `/usr/bin/chromium` (installed by
`make browser-deps`) driven by Playwright, one browser per test module.

Playwright never downloads a browser here (no `playwright install`): it launches the system
Chromium by path. Without Chromium the tests skip and say why; with it, they fail when the page
misbehaves.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from bot.sandbox.demo import load_demo
from tests.support.harness import create_schema, make_settings
from tests.support.outbound import SandboxChat, running_sandbox

CHROMIUM = Path("/usr/bin/chromium")
MISSING = "chromium not installed: run make browser-deps"
# Without the background-networking flags Chromium keeps calling home, which floods a closed
# network with connection attempts; the rest keep a headless run quiet and deterministic.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip(MISSING)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def watched_page(browser: Browser, width: int, height: int) -> AsyncIterator[Page]:
    """A desktop page in Beijing time whose console is watched: any page error, console error or
    warning (a CSP violation is one) fails the test when the page closes."""
    context = await browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    try:
        yield page
    finally:
        await context.close()
    assert problems == [], f"errors or CSP violations in the console: {problems}"


@asynccontextmanager
async def demo_sandbox(folder: Path) -> AsyncIterator[SandboxChat]:
    """`make run`'s sandbox with the demo loaded and the real embedded parser, on a SQLite
    file in `folder` (the /m/ pages' browser tests open it in the simulator's phone frame)."""
    from nlu.backends import build_parser

    url = f"sqlite+aiosqlite:///{folder}/test.db"
    await create_schema(url)
    settings = make_settings(url, folder)
    await load_demo(settings)
    async with running_sandbox(settings, nlu=build_parser("embedded", "")) as chat:
        yield chat


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """`pytest -q` hides skip reasons; say plainly when the browser tests did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any(MISSING in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line(f"browser tests skipped: {MISSING}", yellow=True)
