"""The /m/ checkout in real Chromium inside the chat simulator's phone frame, as a client uses
it after `make run`: 交费 from the menu lists the overdue demo bill with a 去支付 link; the link
opens in the phone as the chosen user (WeChat's web authorisation, emulated); 微信支付 shows the
pay sheet; 支付 makes the emulator send its signed notification; the page confirms the payment
and the receipt arrives in the chat. A screenshot of the phone is saved as `checkout.png` in
the test's tmp_path (`pytest --basetemp=/tmp/bt tests/browser/test_checkout.py` to find it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from bot.sandbox.demo import load_demo
from tests.support.harness import create_schema, make_settings
from tests.support.outbound import SandboxChat, running_sandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")

WAIT_MS = 15_000


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxChat]:
    tmp = tmp_path_factory.mktemp("checkout")
    url = f"sqlite+aiosqlite:///{tmp}/test.db"
    await create_schema(url)
    settings = make_settings(url, tmp)
    await load_demo(settings)
    async with running_sandbox(settings) as chat:
        yield chat


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, sandbox: SandboxChat) -> AsyncIterator[Page]:
    context = await browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1100, "height": 860}
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(sandbox.base() + "/")
    await expect(page.locator(".who.on")).to_have_count(1, timeout=WAIT_MS)
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


async def test_the_client_pays_an_overdue_bill_in_the_phone_frame(
    page: Page, sandbox: SandboxChat, tmp_path: Path
) -> None:
    await page.click('.who[data-openid="o_demo_chen"]')
    await page.locator("#menu > div > button", has_text="我的服务").click()
    await page.locator("#menu .sub.open button", has_text="交费").click()
    answer = page.locator("#log .row:not(.me) .bubble").last
    await expect(answer).to_contain_text("1 笔待付账单，合计 ¥300.00", timeout=WAIT_MS)
    await expect(answer).to_contain_text("已逾期")
    await answer.locator("a", has_text="去支付").click()

    phone = page.locator("#mphone")
    await expect(phone).to_have_class("open", timeout=WAIT_MS)
    frame = page.frame_locator("#mframe")
    await expect(frame.locator("[data-state]")).to_have_text("已逾期", timeout=WAIT_MS)
    await expect(frame.locator(".muted").first).to_have_text("杭州青禾餐饮管理有限公司")
    pay = frame.locator("#pay")
    await expect(pay).to_have_text("微信支付 ¥300.00")
    await page.screenshot(path=str(tmp_path / "checkout.png"))

    await pay.click()
    sheet = page.locator("#paysheet")
    await expect(sheet).to_have_class("open", timeout=WAIT_MS)
    await expect(page.locator("#payamt")).to_have_text("¥300.00")
    await page.locator("#paygo").click()
    await expect(frame.locator("[data-state]")).to_have_text("已支付", timeout=WAIT_MS)
    await expect(frame.locator("#pay")).to_have_count(0)
    await page.screenshot(path=str(tmp_path / "checkout-paid.png"))
    assert (tmp_path / "checkout.png").stat().st_size > 10_000

    orders: list[dict[str, Any]] = await sandbox_orders(sandbox)
    paid = [o for o in orders if o["state"] == "SUCCESS"]
    assert len(paid) == 1 and paid[0]["payer_openid"] == "o_demo_chen"
    assert paid[0]["amount_fen"] == 30000

    await page.locator("#mclose").click()
    receipt = page.locator("#log .row:not(.me) .bubble", has_text="【收据】")
    await expect(receipt).to_have_count(1, timeout=WAIT_MS)
    await expect(receipt).to_contain_text("¥300.00")


async def sandbox_orders(sandbox: SandboxChat) -> list[dict[str, Any]]:
    async with sandbox.session.get(sandbox.base() + "/api/pay/orders") as resp:
        data: list[dict[str, Any]] = await resp.json()
        return data
