"""`/m/books` in real Chromium inside the simulator's phone frame, as `make run` shows it: the
demo's books loaded, a client asks "上个月利润多少" with the real parser, taps the link in the
answer, and the page opens in the phone as them: four cards, the trend chart drawn by the
vendored ECharts (no CDN: the page may reach nothing but this server), a card tapped open to
its statement lines. Screenshots go to var/test-artefacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import demo_sandbox
from tests.support.outbound import SandboxChat

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "var" / "test-artefacts"
WAIT_MS = 15_000
CHEN = "o_demo_chen"  # 陈女士 of 杭州青禾餐饮管理有限公司 in the demo

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SandboxChat]:
    async with demo_sandbox(tmp_path_factory.mktemp("books-phone")) as chat:
        yield chat


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, sandbox: SandboxChat) -> AsyncIterator[Page]:
    context = await browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1100, "height": 860}
    )
    page = await context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    origin = sandbox.base().removesuffix("/sandbox")

    def watch(request: Any) -> None:
        if not request.url.startswith((origin, "about:", "data:")):
            outside.append(request.url)

    page.on("request", watch)
    await page.goto(sandbox.base() + "/")
    await expect(page.locator(".who.on")).to_have_count(1, timeout=WAIT_MS)
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"JavaScript errors: {errors}"
    assert outside == [], f"the page reached outside this server: {outside}"


async def test_books_open_in_the_phone_frame_with_cards_chart_and_lines(page: Page) -> None:
    await page.click(f'.who[data-openid="{CHEN}"]')
    await expect(page.locator(f'.who.on[data-openid="{CHEN}"]')).to_have_count(1)
    await page.fill("#text", "上个月利润多少")
    await page.press("#text", "Enter")
    link = page.locator("#log .row:not(.me) a", has_text="查看账目明细").last
    await expect(link).to_be_visible(timeout=WAIT_MS)
    await link.click()
    await expect(page.locator("#mphone.open")).to_have_count(1)
    frame = page.frame_locator("#mframe")
    await expect(frame.locator("[data-card]")).to_have_count(4, timeout=WAIT_MS)
    await expect(frame.locator("body")).to_contain_text("杭州青禾餐饮管理有限公司")
    await expect(frame.locator('[data-card="net_profit"] [data-value]')).to_have_text(
        re.compile(r"^-?[\d,]+\.\d\d$")
    )
    await expect(frame.locator('#trend[data-drawn="1"] canvas')).to_have_count(1, timeout=WAIT_MS)
    box = await frame.locator("#trend canvas").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await frame.locator("#trend").scroll_into_view_if_needed()
    await page.screenshot(path=ARTEFACTS / "books-phone-chart.png")
    await frame.locator('[data-card="revenue"] summary').click()
    lines = frame.locator('[data-card="revenue"] table.lines tr.hit')
    await expect(lines).to_have_count(1)
    await expect(lines).to_contain_text("营业收入")
    await page.screenshot(path=ARTEFACTS / "books-phone.png", full_page=True)
    phone = page.locator("#mphone")
    await phone.screenshot(path=ARTEFACTS / "books-phone-frame.png")
