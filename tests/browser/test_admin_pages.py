"""The panel's other pages in real Chromium: tag clients and filter by two tags, edit a message
template and watch the preview follow the typing, resolve a complaint (the client hears it in
WeChat), and see the performance and money charts drawn by the app's own ECharts, with the
strict CSP holding (no violation in the console). Screenshots go to var/test-artefacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from domain.requests import Status
from tests.browser.conftest import watched_page
from tests.browser.test_admin_panel import ARTEFACTS, WAIT_MS, log_in, outbox_texts
from tests.support.panel import Panel, panel_settings, running_panel
from tests.support.panel_seed import complain

pytestmark = pytest.mark.asyncio(loop_scope="module")

QINGHE, YUNFAN, MINGYUAN = (
    "杭州青禾餐饮管理有限公司",
    "杭州云帆科技有限公司",
    "杭州明远贸易有限公司",
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def panel(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Panel]:
    settings = await panel_settings(tmp_path_factory.mktemp("admin-pages"))
    async with running_panel(settings) as panel:
        await panel.seed(QINGHE, status=Status.CLAIMED, handler="王会计")
        await panel.seed(MINGYUAN, status=Status.CLAIMED, handler="王会计")
        await panel.seed(YUNFAN, status=Status.CLAIMED, handler="李会计")
        yield panel


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, panel: Panel) -> AsyncIterator[Page]:
    async with watched_page(browser, 1280, 900) as page:
        yield page


async def define_tag(page: Page, name: str, group: str) -> None:
    await page.fill('.tagdef input[name="name"]', name)
    await page.fill('.tagdef input[name="group"]', group)
    await page.click('.tagdef button[type="submit"]')
    await expect(page.locator('select[name="tag"]').first).to_contain_text(name, timeout=WAIT_MS)


async def tag_rows(page: Page, companies: list[str], tag: str) -> None:
    for company in companies:
        await page.locator("tr", has_text=company).locator('input[name="company"]').check()
    await page.select_option('.bulk select[name="tag"]', label=tag)
    await page.click('.bulk button[type="submit"]')
    for company in companies:
        row = page.locator("tr", has_text=company)
        await expect(row.locator(".tags")).to_contain_text(tag.split("：")[-1], timeout=WAIT_MS)


async def test_tag_clients_and_filter_by_two_tags(page: Page, panel: Panel) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await log_in(page, panel)
    await page.click("nav.nav >> text=客户")
    await expect(page.locator("h1")).to_contain_text("客户")
    await expect(page.locator("table.clients tbody tr")).to_have_count(3)
    await define_tag(page, "小规模", "纳税人类型")
    await define_tag(page, "电子专票", "发票类型偏好")
    await tag_rows(page, [QINGHE, YUNFAN], "纳税人类型：小规模")
    await tag_rows(page, [YUNFAN, MINGYUAN], "发票类型偏好：电子专票")

    tag_selects = page.locator('form.filters select[name="tag"]')
    await tag_selects.nth(0).select_option(label="纳税人类型：小规模")
    await tag_selects.nth(1).select_option(label="发票类型偏好：电子专票")
    await page.click('form.filters button[type="submit"]')
    await expect(page).to_have_url(re.compile(r"/admin/clients\?.*tag=\d+&tag=\d+"))
    rows = page.locator("table.clients tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(YUNFAN)
    await page.screenshot(path=ARTEFACTS / "admin-clients-two-tags.png", full_page=True)

    await rows.first.locator("a.name").click()
    await expect(page.locator("h1")).to_have_text(YUNFAN)
    await expect(page.locator(".facts .tags")).to_contain_text("小规模")
    await expect(page.locator("table").first).to_contain_text("刘先生")


async def test_edit_a_template_and_see_the_preview(page: Page, panel: Panel) -> None:
    await log_in(page, panel)
    await page.goto(panel.base + "/admin/templates")
    await page.locator("tr", has_text="已接单（给客户）").locator("a").click()
    await expect(page.locator("h1")).to_have_text("已接单（给客户）")
    text = page.locator('textarea[name="text"]')
    await text.fill("{company}的{type}由{handler}负责，请放心～")
    preview = page.locator("#preview")
    await expect(preview).to_contain_text(
        "杭州青禾餐饮管理有限公司的营业执照变更由王会计负责，请放心～", timeout=WAIT_MS
    )
    await text.fill("您好{老板}")
    await expect(preview.locator(".problems")).to_contain_text("不能用", timeout=WAIT_MS)
    await text.fill("{company}的{type}由{handler}负责，请放心～")
    await expect(preview.locator(".problems")).to_have_count(0, timeout=WAIT_MS)
    await page.screenshot(path=ARTEFACTS / "admin-template-preview.png", full_page=True)
    await page.click('.template-form button[type="submit"]')
    await expect(page.locator(".notice")).to_contain_text("已保存为第 1 版", timeout=WAIT_MS)
    await expect(page.locator(".history")).to_contain_text("第 1 版")


async def test_resolve_a_complaint(page: Page, panel: Panel) -> None:
    case = await complain(panel, QINGHE, "报税晚了一天，被罚款了")
    await log_in(page, panel)
    await page.click("nav.nav >> text=投诉")
    await page.locator("a.number", has_text=case.number).click()
    await expect(page.locator("h1")).to_contain_text(case.number)
    await page.fill('textarea[name="note"]', "罚款由我们承担，已安排专人复核申报流程")
    await page.click('form.resolve button[type="submit"]')
    await expect(page.locator(".notice")).to_contain_text("已结案", timeout=WAIT_MS)
    await expect(page.locator(".facts .state")).to_have_text("已结案")
    await page.screenshot(path=ARTEFACTS / "admin-complaint-resolved.png", full_page=True)

    async def told() -> bool:
        return any("罚款由我们承担" in t for t in await outbox_texts(panel, "o_demo_chen"))

    await panel.chat.wait_for(told, within=10)


async def test_see_the_performance_and_money_charts(page: Page, panel: Panel) -> None:
    await log_in(page, panel)
    await page.click("nav.nav >> text=绩效")
    chart = page.locator("#team-chart")
    await expect(chart).to_have_attribute("data-drawn", "true", timeout=WAIT_MS)
    await expect(chart.locator("canvas")).to_have_count(1)
    await expect(page.locator("table.performance")).to_contain_text("王会计")
    box = await chart.bounding_box()
    assert box is not None and box["height"] > 200
    trend = page.locator("#trend-chart")  # the twelve-month trend, a line chart
    await expect(trend).to_have_attribute("data-drawn", "true", timeout=WAIT_MS)
    await expect(trend.locator("canvas")).to_have_count(1)
    await page.screenshot(path=ARTEFACTS / "admin-performance-chart.png", full_page=True)
    await page.click("nav.nav >> text=收款")
    await expect(page.locator("#money-chart")).to_have_attribute("data-drawn", "true")
    await page.screenshot(path=ARTEFACTS / "admin-money-chart.png", full_page=True)
    await page.click("nav.nav >> text=操作记录")
    await expect(page.locator("table.audit")).to_contain_text("修改消息模板")
