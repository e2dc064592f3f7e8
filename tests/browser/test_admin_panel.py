"""The /admin panel in real Chromium, as an owner uses it on the first day: log in with the
bootstrap password, see the board, open an escalated request and assign it; the accountant's
WeChat (the sandbox outbox) gets the message. Screenshots go to var/test-artefacts/.

The pages carry no inline script or style, so the strict CSP must hold without a single
violation in the console, and htmx (served by the app) must do the partial updates.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from domain.requests import Status, Urgency
from tests.browser.conftest import watched_page
from tests.conftest import REPO
from tests.support.panel import ADMIN, ADMIN_PASSWORD, Panel, panel_settings, running_panel

pytestmark = pytest.mark.asyncio(loop_scope="module")

ARTEFACTS = REPO / "var" / "test-artefacts"
WAIT_MS = 10_000


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def panel(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Panel]:
    settings = await panel_settings(tmp_path_factory.mktemp("admin"))
    async with running_panel(settings) as panel:
        await panel.seed("杭州青禾餐饮管理有限公司", description="餐饮许可证到期，需要续办")
        await panel.seed(
            "杭州云帆科技有限公司",
            "工商变更",
            "法人变更，<b>尽快</b>",
            status=Status.ESCALATED,
            urgency=Urgency.URGENT,
            due_in=None,
        )
        await panel.seed("杭州明远贸易有限公司", "注销", status=Status.CLAIMED, handler="王会计")
        yield panel


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, panel: Panel) -> AsyncIterator[Page]:
    async with watched_page(browser, 1280, 860) as page:
        yield page


async def log_in(page: Page, panel: Panel) -> None:
    await page.goto(panel.base + "/admin/")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await expect(page.locator("h1")).to_have_text("员工登录")
    await page.fill('input[name="login"]', ADMIN)
    await page.fill('input[name="password"]', ADMIN_PASSWORD)
    await page.click('button[type="submit"]')
    await expect(page.locator(".me")).to_contain_text("赵主管", timeout=WAIT_MS)


async def outbox_texts(panel: Panel, openid: str) -> list[str]:
    return [str(m.get("text") or "") for m in await panel.chat.outbox_json(openid)]


async def test_log_in_see_the_board_and_assign_an_escalated_request(
    page: Page, panel: Panel
) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await log_in(page, panel)
    escalated = page.locator('section[data-column="escalated"]')
    await expect(escalated.locator("h2 .n")).to_have_text("1")
    await expect(escalated.locator(".card")).to_contain_text("杭州云帆科技有限公司")
    # Markup the client typed is shown as text.
    await expect(escalated.locator(".card .desc")).to_contain_text("<b>尽快</b>")
    await expect(page.locator('section[data-column="unclaimed"] .card')).to_have_count(1)
    await page.screenshot(path=ARTEFACTS / "admin-board.png", full_page=True)

    # A filter changes the board in place (htmx) and the URL with it.
    await page.select_option('select[name="status"]', "escalated")
    await expect(page).to_have_url(re.compile(r"/admin/\?status=escalated$"))
    await expect(page.locator(".list h2")).to_contain_text("待升级指派")

    await page.locator(".card a.number").first.click()
    await expect(page.locator("h1")).to_contain_text("工商变更")
    await expect(page.locator(".timeline")).to_contain_text("刘先生")
    await page.select_option('select[name="staff"]', label="王会计")
    await page.click('form.assign button[type="submit"]')
    notice = page.locator("#request-main .notice")
    await expect(notice).to_contain_text("已分配给王会计", timeout=WAIT_MS)
    await expect(page.locator(".facts .handler")).to_have_text("王会计")
    await expect(page.locator(".timeline")).to_contain_text("指派给王会计")
    await page.screenshot(path=ARTEFACTS / "admin-assigned.png", full_page=True)

    # The accountant hears of it in WeChat (the sandbox's record of what was sent).
    async def told() -> bool:
        return any("分配给您了" in t for t in await outbox_texts(panel, "o_demo_wang"))

    await panel.chat.wait_for(told, within=10)
    assert any("已安排王会计办理" in t for t in await outbox_texts(panel, "o_demo_liu"))


async def test_log_out_ends_the_session(page: Page, panel: Panel) -> None:
    await log_in(page, panel)
    await page.click("form.logout button")
    await expect(page.locator("h1")).to_have_text("员工登录", timeout=WAIT_MS)
    await page.goto(panel.base + "/admin/")
    await expect(page.locator("h1")).to_have_text("员工登录")


async def test_the_board_fits_a_phone(browser: Browser, panel: Panel) -> None:
    context = await browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = await context.new_page()
    try:
        await log_in(page, panel)
        width: Any = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the board overflows a phone's width: {width}px"
        await page.screenshot(path=ARTEFACTS / "admin-board-phone.png", full_page=True)
    finally:
        await context.close()
