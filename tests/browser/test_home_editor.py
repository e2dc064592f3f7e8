"""The client home page editor in real Chromium: upload a slide image, type a title with markup
in it, add an announcement and a recommended service, preview it in the phone frame (nothing
saved yet), save, then open /m/ as a client in the sandbox's phone and see the same, with the
markup shown as text and no CSP violation anywhere. Screenshots go to var/test-artefacts/."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import watched_page
from tests.browser.test_admin_panel import ARTEFACTS, WAIT_MS, log_in
from tests.support.panel import Panel, panel_settings, running_panel

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE = "年终<b>优惠</b>"


def banner_png(width: int = 160, height: int = 60) -> bytes:
    """A small solid green PNG: enough for a slide to show."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x1a\x7f\x5a" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def panel(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Panel]:
    settings = await panel_settings(tmp_path_factory.mktemp("home-editor"))
    async with running_panel(settings) as panel:
        yield panel


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, panel: Panel) -> AsyncIterator[Page]:
    async with watched_page(browser, 1280, 900) as page:
        yield page


async def test_arrange_the_home_page_preview_it_as_a_phone_and_the_client_sees_it(
    page: Page, panel: Panel, tmp_path: Path
) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    image = tmp_path / "banner.png"
    image.write_bytes(banner_png())
    await log_in(page, panel)
    await page.click("nav.nav >> text=客户首页")
    await expect(page.locator("h1")).to_have_text("客户首页")

    await page.set_input_files('input[name="slide1_upload"]', str(image))
    await page.fill('input[name="slide1_title"]', TITLE)
    await page.fill('input[name="slide1_link"]', "/m/bills")
    await page.fill('input[name="ann1_text"]', "春节期间 2 月 1 日至 7 日放假")
    await page.fill('input[name="ann1_until"]', "2099-02-07")
    await page.select_option('select[name="svc1_item"]', index=1)
    await page.click('button[value="preview"]')

    await expect(page.locator(".notice")).to_contain_text("这是预览", timeout=WAIT_MS)
    phone = page.locator(".phone-screen")
    await expect(phone.locator(".m-slide figcaption")).to_have_text(TITLE)  # markup as text
    await expect(phone.locator(".m-announcements")).to_contain_text("春节期间")
    await expect(phone.locator(".m-service")).to_have_count(1)
    # The upload became the slide's image address, served by /m/ and drawn in the preview.
    src = await page.input_value('input[name="slide1_image"]')
    assert src.startswith("/m/home/images/")
    loaded = await phone.locator(".m-slide img").evaluate("img => img.naturalWidth")
    assert loaded == 160
    await page.screenshot(path=ARTEFACTS / "admin-home-preview.png", full_page=True)

    await page.click('button[value="save"]')
    await expect(page.locator(".notice")).to_contain_text("已保存（第 1 版）", timeout=WAIT_MS)
    await expect(page.locator("table.history")).to_contain_text("第 1 版（线上）")

    # The client opens the home page in the sandbox's phone (WeChat's web authorisation).
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{panel.base}/sandbox/phone?openid=o_demo_chen&url=/m/")
    await expect(page.locator(".slide figcaption")).to_have_text(TITLE, timeout=WAIT_MS)
    await expect(page.locator(".announcements")).to_contain_text("春节期间")
    await expect(page.locator(".services li")).to_have_count(1)
    assert await page.locator(".slide img").evaluate("img => img.naturalWidth") == 160
    await page.screenshot(path=ARTEFACTS / "m-home.png", full_page=True)
