"""The chat simulator page in real Chromium, as a newcomer uses it after `make run`: pick who you
are, type, tap the menu, send a photo, and see the bot's passive replies and later pushes.

One app (the real one, with the demo people loaded and the sandbox mounted) and one browser
serve the whole module; each test opens its own page and speaks as its own demo person, so the
tests do not see each other's chats.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from bot.keys import READER, WORKER_POLICY
from bot.sandbox.demo import load_demo
from bot.workers.invoices import WorkerPolicy
from nlu.invoice.intake import load_image
from nlu.invoice.reading import FieldValue, InvoiceReading
from tests.conftest import FIXTURES
from tests.support.harness import create_schema, make_settings
from tests.support.outbound import SandboxChat, running_sandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIANJIN = FIXTURES / "invoices" / "tianjin_jd_e_invoice.png"
WAIT_MS = 10_000  # generous for a busy 2-core machine; a passing run takes far less


class CannedReader:
    """Stands in for the OCR pool (its own tests cover reading): checks the upload is an image,
    then answers with what the Tianjin fixture says, at once. Its QR fast path finds nothing,
    so the chat shows the full result alone."""

    async def read_qr(self, data: bytes) -> InvoiceReading:
        load_image(data)
        return InvoiceReading(is_invoice=False)

    async def read(self, data: bytes) -> InvoiceReading:
        load_image(data)

        def f(value: str | int, source: str = "qr") -> FieldValue:
            return FieldValue(value, source, 0.95)  # type: ignore[arg-type]

        return InvoiceReading(
            is_invoice=True,
            fields={
                "invoice_type": f("增值税电子普通发票"),
                "invoice_code": f("012001800311"),
                "invoice_number": f("33207675"),
                "issue_date": f("2019-05-08"),
                "amount_excl_tax": f(4662),
                "tax": f(608, "ocr"),
                "amount_total": f(5270, "ocr"),
                "seller_name": f("天津瑞佳讯贸易有限公司", "ocr"),
            },
            ocr_done=True,
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SandboxChat]:
    """The app as `make run` starts it: schema, demo people bound to the simulator's openids,
    then the server with the sandbox on loopback."""
    tmp = tmp_path_factory.mktemp("simulator")
    url = f"sqlite+aiosqlite:///{tmp}/test.db"
    await create_schema(url)
    settings = make_settings(url, tmp)
    await load_demo(settings)

    def configure(app: Any) -> None:
        app[READER] = CannedReader()
        app[WORKER_POLICY] = WorkerPolicy(poll_s=0.05, backoff_base_s=0.05)

    async with running_sandbox(settings, configure=configure) as chat:
        yield chat


async def open_page(
    browser: Browser, sandbox: SandboxChat, **context_args: Any
) -> tuple[BrowserContext, Page, list[str]]:
    """A page in a context of its own: its own localStorage, so its own chat logs."""
    options: dict[str, Any] = {
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1100, "height": 800},
    }
    options.update(context_args)
    context = await browser.new_context(**options)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(sandbox.base() + "/")
    # The page picks the first client itself once the people are loaded.
    await expect(page.locator(".who.on")).to_have_count(1, timeout=WAIT_MS)
    await expect(page.locator("#menu button").first).to_be_visible(timeout=WAIT_MS)
    return context, page, errors


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, sandbox: SandboxChat) -> AsyncIterator[Page]:
    """A fresh page (its own chat logs) per test."""
    context, page, errors = await open_page(browser, sandbox)
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


async def be(page: Page, openid: str) -> None:
    await page.click(f'.who[data-openid="{openid}"]')
    await expect(page.locator(f'.who.on[data-openid="{openid}"]')).to_have_count(1)


async def say(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


def bot_rows(page: Page) -> Any:
    return page.locator("#log .row:not(.me)")


async def tap_menu(page: Page, top: str, item: str) -> None:
    await page.locator("#menu > div > button", has_text=top).click()
    await page.locator("#menu .sub.open button", has_text=item).click()


async def test_page_lists_the_demo_people_and_the_menu_in_chinese(page: Page) -> None:
    await expect(page).to_have_title("云会计 · 微信聊天模拟器")
    people = page.locator(".who")
    await expect(people).to_have_count(7)  # six demo people and a stranger
    await expect(people.filter(has_text="陈女士")).to_contain_text("杭州青禾餐饮管理有限公司")
    await expect(people.filter(has_text="陌生人")).to_contain_text("尚未绑定")
    await expect(page.locator("#menu > div > button")).to_have_text(
        ["≡ 我要办事", "≡ 查进度", "≡ 我的服务"]
    )
    # The first client is chosen for a newcomer who just starts typing.
    await expect(page.locator(".who.on")).to_have_attribute("data-openid", "o_demo_chen")
    await expect(page.locator("#whoami")).to_have_text("我是：陈女士（杭州青禾餐饮管理有限公司）")


async def test_a_client_types_hello_and_the_passive_reply_appears(page: Page) -> None:
    await be(page, "o_demo_chen")
    await say(page, "你好")
    await expect(page.locator("#log .row.me .bubble")).to_have_text(["你好"])
    reply = bot_rows(page)
    await expect(reply).to_have_count(1, timeout=WAIT_MS)
    await expect(reply.locator(".bubble")).to_contain_text("陈女士您好！我是")
    await expect(reply.locator(".tag")).to_contain_text("被动回复")
    await expect(page.locator("#text")).to_have_value("")


async def test_a_menu_tap_answers_with_the_clients_accountant(page: Page) -> None:
    await be(page, "o_demo_liu")
    await tap_menu(page, "我的服务", "我的会计")
    await expect(page.locator("#log .sys")).to_have_text(["点击菜单「我的会计」"])
    await expect(page.locator("#menu .sub.open")).to_have_count(0)  # the sub-menu closed
    answer = bot_rows(page).locator(".bubble")
    await expect(answer).to_contain_text("您的专属会计：李会计", timeout=WAIT_MS)
    await expect(answer).to_contain_text("电话：13800000003")
    await expect(answer.locator(".qr button")).to_have_text(["请会计给我回电"])


async def test_help_from_the_menu_lists_what_a_client_can_do(page: Page) -> None:
    await be(page, "o_demo_zhou")
    await tap_menu(page, "我的服务", "使用帮助")
    await expect(bot_rows(page)).to_have_count(1, timeout=WAIT_MS)
    await expect(bot_rows(page).locator(".bubble")).to_contain_text("发票")


async def test_a_stranger_is_told_how_to_bind(page: Page) -> None:
    await be(page, "o_sandbox_stranger")
    await expect(page.locator("#whoami")).to_have_text("我是：陌生人（尚未绑定）")
    await say(page, "你好")
    answer = bot_rows(page).locator(".bubble")
    await expect(answer).to_contain_text("绑定 + 6位绑定码", timeout=WAIT_MS)


async def test_a_photo_is_acknowledged_then_its_reading_is_pushed_without_reload(
    page: Page, tmp_path: Path
) -> None:
    await be(page, "o_demo_zhou")
    async with page.expect_file_chooser() as chooser:
        await page.click("#pick")
    await (await chooser.value).set_files(TIANJIN)
    mine = page.locator("#log .row.me .bubble img")
    await expect(mine).to_have_count(1)
    await expect(mine).to_have_js_property("complete", True)
    assert await mine.evaluate("img => img.naturalWidth") > 0  # the photo shows in the chat
    ack = bot_rows(page).filter(has_text="收到第1张，正在识别…")
    await expect(ack.locator(".tag")).to_contain_text("被动回复", timeout=WAIT_MS)

    pushed = bot_rows(page).filter(has_text="识别结果（第1张）")
    await expect(pushed).to_have_count(1, timeout=WAIT_MS)
    await expect(pushed.locator(".tag")).to_contain_text("客服消息")
    await expect(pushed).to_contain_text("33207675")
    await expect(pushed).to_contain_text("天津瑞佳讯贸易有限公司")
    await page.screenshot(path=tmp_path / "simulator.png", full_page=True)


async def test_a_request_reaches_the_accountant_and_the_claim_comes_back_to_the_client(
    page: Page,
) -> None:
    """Both sides of a request in one open page: what is pushed to a person while another is
    shown appears on switching to them, and a push to the person shown appears by itself."""
    await be(page, "o_demo_chen")
    await say(page, "我要办营业执照")
    await expect(bot_rows(page).last).to_contain_text("具体要办什么", timeout=WAIT_MS)
    await say(page, "公司地址变更")
    await expect(bot_rows(page).last.locator(".qr button")).to_have_text(
        ["普通", "加急"], timeout=WAIT_MS
    )
    await bot_rows(page).last.locator(".qr button", has_text="普通").click()
    await expect(bot_rows(page).last).to_contain_text("请确认您的业务", timeout=WAIT_MS)
    await bot_rows(page).last.locator(".qr button", has_text="确认").click()
    submitted = bot_rows(page).last
    await expect(submitted).to_contain_text("已提交，谢谢您！单号：R", timeout=WAIT_MS)
    number = re.search(r"单号：(R\d+)", await submitted.inner_text())
    assert number is not None
    ref = number.group(1)

    # The new request was pushed to the accountants (a template message: they have not
    # written in 48 hours) while the page showed 陈女士.
    await be(page, "o_demo_wang")
    card = bot_rows(page).locator(".card", has_text=f"【新业务】{ref} 营业执照")
    await expect(card).to_have_count(1, timeout=WAIT_MS)
    await expect(card.locator("h4")).to_have_text("新业务待接单")
    await expect(bot_rows(page).locator(".tag")).to_contain_text(["模板消息"])

    await say(page, f"抢单 {ref}")
    await expect(bot_rows(page).last).to_contain_text(f"抢单成功！{ref}", timeout=WAIT_MS)

    # Back to 陈女士: her chat is as she left it, and the claim notice arrives by itself.
    await be(page, "o_demo_chen")
    await expect(page.locator("#log .row.me .bubble").first).to_have_text("我要办营业执照")
    claimed = bot_rows(page).filter(has_text=f"您的{ref} 营业执照已由王会计接手办理")
    await expect(claimed).to_have_count(1, timeout=WAIT_MS)
    await expect(claimed.locator(".tag")).to_contain_text("客服消息")


async def test_a_reply_that_comes_back_after_switching_stays_with_the_sender(page: Page) -> None:
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        response = await route.fetch()
        await release.wait()
        await route.fulfill(response=response)

    await page.route("**/sandbox/api/send", hold)
    await be(page, "o_demo_liu")
    await say(page, "你好")
    await be(page, "o_demo_zhou")
    release.set()
    await page.wait_for_function("() => (state.logs.o_demo_liu || []).length === 2")
    await expect(page.locator("#log .row")).to_have_count(0)  # nothing landed in 周经理's chat

    await be(page, "o_demo_liu")
    await expect(bot_rows(page).locator(".bubble")).to_contain_text(["刘先生您好！"])


async def test_at_phone_width_the_side_panel_folds_away(
    browser: Browser, sandbox: SandboxChat
) -> None:
    context, page, errors = await open_page(
        browser, sandbox, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        await expect(page.locator("aside")).to_be_hidden()
        await expect(page.locator("#text")).to_be_visible()
        await page.click("#panel")
        await expect(page.locator("aside")).to_be_visible()
        await page.click('.who[data-openid="o_demo_wang"]')
        await expect(page.locator("aside")).to_be_hidden()  # choosing someone folds it again
        await expect(page.locator("#whoami")).to_contain_text("王会计")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    finally:
        await context.close()
    assert errors == []


async def test_suggestions_follow_the_chosen_role(page: Page) -> None:
    await be(page, "o_demo_chen")
    await expect(page.locator("#suggest button", has_text="我的单子呢")).to_have_count(1)
    await be(page, "o_demo_wang")
    await expect(page.locator("#suggest button", has_text="我的任务")).to_have_count(1)
    await expect(page.locator("#suggest button", has_text="帮我办")).to_have_count(0)
    await page.locator("#suggest button", has_text="我的任务").click()
    await expect(bot_rows(page).last).to_contain_text("单", timeout=WAIT_MS)


async def test_a_stranger_gets_a_binding_code_on_the_page_and_binds(page: Page) -> None:
    await be(page, "o_sandbox_stranger")
    await page.click("#get-code")
    code = page.locator("#suggest button.code")
    await expect(code).to_have_count(1, timeout=WAIT_MS)
    await expect(code).to_have_text(re.compile(r"绑定 \d{6}"))
    await code.click()
    await expect(bot_rows(page).last).to_contain_text("绑定成功", timeout=WAIT_MS)


async def test_the_conversation_survives_a_reload(page: Page) -> None:
    await be(page, "o_demo_liu")
    await say(page, "你好")
    await expect(bot_rows(page)).to_have_count(1, timeout=WAIT_MS)
    await page.reload()
    await expect(page.locator(".who.on")).to_have_attribute("data-openid", "o_demo_liu")
    await expect(page.locator("#log .row.me .bubble")).to_have_text(["你好"], timeout=WAIT_MS)
    await expect(bot_rows(page).locator(".bubble")).to_contain_text(["刘先生您好！"])


async def test_times_are_shown_in_beijing_time_wherever_the_page_is_opened(
    browser: Browser, sandbox: SandboxChat
) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    context, page, errors = await open_page(browser, sandbox, timezone_id="America/New_York")
    try:
        await be(page, "o_demo_zhou")
        before = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
        await say(page, "你好")
        tag = page.locator("#log .row.me .tag")
        await expect(tag).to_have_count(1)
        shown = await tag.inner_text()
        allowed = {(before + timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
        assert shown[:5] in allowed, f"{shown!r} is not Beijing time ({sorted(allowed)})"
    finally:
        await context.close()
    assert errors == []


async def test_fault_switches_wait_under_the_developer_section(page: Page) -> None:
    await expect(page.locator("[data-fault]").first).to_be_hidden()
    await page.locator("#dev summary").click()
    await expect(page.locator("[data-fault]").first).to_be_visible()


async def test_at_phone_width_the_chat_reads_and_every_item_works(
    browser: Browser, sandbox: SandboxChat
) -> None:
    """At 390 px: the role's suggestions, a stranger's binding code, readable bubbles (not one
    character a line), and the developer section all work without sideways scrolling."""
    context, page, errors = await open_page(
        browser, sandbox, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        await page.click("#panel")
        await page.click('.who[data-openid="o_demo_chen"]')
        chip = page.locator("#suggest button", has_text="我的单子呢")
        await expect(chip).to_be_visible()
        await chip.click()
        reply = bot_rows(page).last.locator(".bubble")
        await expect(reply).to_be_visible(timeout=WAIT_MS)
        box = await reply.bounding_box()
        assert box is not None and box["width"] >= 180, f"a squeezed reply bubble: {box}"

        await page.click("#panel")
        await page.click('.who[data-openid="o_sandbox_stranger"]')
        await expect(page.locator("aside")).to_be_hidden()
        if not await page.locator("#get-code").is_visible():
            await page.click("#panel")
        await page.click("#get-code")
        if await page.locator("aside").is_visible():
            await page.click("#panel")
        code = page.locator("#suggest button.code")
        await expect(code).to_be_visible(timeout=WAIT_MS)
        await code.click()
        await expect(bot_rows(page).last).to_contain_text("绑定成功", timeout=WAIT_MS)

        if not await page.locator("#dev summary").is_visible():
            await page.click("#panel")
        await page.locator("#dev summary").click()
        await expect(page.locator("[data-fault]").first).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    finally:
        await context.close()
    assert errors == []
