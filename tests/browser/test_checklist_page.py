"""`/m/checklist` in real Chromium inside the simulator's phone frame, with the demo's data
(`make run`): 陈女士 of 青禾餐饮 asks about last month in the chat, opens the books from the
answer's link, goes on to this month's checklist, and taps 已准备好 on 确认工资表; the page
comes back with the item done and the chat's own words, the accountant's items never offered.
A second tap is not possible (the item carries no button any more). Screenshot in
var/test-artefacts/."""

from __future__ import annotations

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
    async with demo_sandbox(tmp_path_factory.mktemp("checklist-phone")) as chat:
        yield chat


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, sandbox: SandboxChat) -> AsyncIterator[Page]:
    context = await browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1100, "height": 900}
    )
    page = await context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A CSP violation is a console error; a failed load is checked by its address below.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type in ("error", "warning") and "Failed to load resource" not in msg.text
            else None
        ),
    )
    # Any failed load of our own pages or files (the browser's own favicon.ico guess aside).
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
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
    assert errors == [], f"JavaScript errors or CSP violations: {errors}"
    assert outside == [], f"the page reached outside this server: {outside}"


async def test_the_client_ticks_an_item_on_the_checklist_in_the_phone(page: Page) -> None:
    await page.click(f'.who[data-openid="{CHEN}"]')
    await expect(page.locator(f'.who.on[data-openid="{CHEN}"]')).to_have_count(1)
    await page.fill("#text", "上个月利润多少")
    await page.press("#text", "Enter")
    link = page.locator("#log .row:not(.me) a", has_text="查看账目明细").last
    await expect(link).to_be_visible(timeout=WAIT_MS)
    await link.click()
    await expect(page.locator("#mphone.open")).to_have_count(1)
    frame = page.frame_locator("#mframe")
    await frame.locator("[data-checklist]").click(timeout=WAIT_MS)

    await expect(frame.locator("[data-item]")).to_have_count(7, timeout=WAIT_MS)
    await expect(frame.locator("body")).to_contain_text("杭州青禾餐饮管理有限公司")
    await expect(frame.locator('[data-item="bank"]')).to_have_attribute("data-state", "done")
    payroll = frame.locator('[data-party="client"] [data-item="payroll"]')
    await expect(payroll).not_to_have_attribute("data-state", "done")
    # The accountant's items are shown with their state, never with a button.
    await expect(frame.locator('[data-party="staff"] button')).to_have_count(0)
    await expect(frame.locator('[data-party="staff"] [data-item="vat"]')).to_contain_text(
        "申报增值税"
    )
    await page.locator("#mphone").screenshot(path=_artefact("checklist-phone-before.png"))

    await payroll.locator("button", has_text="已准备好").click()
    await expect(frame.locator("[data-message]")).to_contain_text(
        "“确认工资表”已确认✅ 还有1项待完成", timeout=WAIT_MS
    )
    await expect(payroll).to_have_attribute("data-state", "done")
    await expect(payroll.locator("button")).to_have_count(0)
    await expect(frame.locator('[data-party="client"] button')).to_have_count(1)  # 进项发票
    await page.locator("#mphone").screenshot(path=_artefact("checklist-phone.png"))


def _artefact(name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS / name
