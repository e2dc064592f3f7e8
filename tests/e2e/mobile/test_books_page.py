"""`/m/books` over real HTTP behind the sandbox's WeChat web authorisation: the client's own
company's month with its comparisons, the statement lines behind each card, the trend data, the
original file; another company's page, file or a period not begun shows nothing; staff see the
companies they keep and no other."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.clock import FixedClock
from tests.support.books_world import NOW, ORIGINAL, QINGHE, YUNFAN, BooksWorld, seed_books_world
from tests.support.harness import make_settings
from tests.support.mobile import MobileVisitor, mobile_visitor
from tests.support.outbound import SandboxChat, running_sandbox


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[tuple[SandboxChat, BooksWorld]]:
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=FixedClock(NOW)) as chat:
        seeded = await seed_books_world(chat.sessions, chat.pipeline.firm.id, settings.data_dir)
        yield chat, seeded


@pytest.fixture
async def phone(world: Any) -> AsyncIterator[MobileVisitor]:
    chat, _ = world
    async with mobile_visitor(str(chat.server.make_url("/"))) as visitor:
        yield visitor


def trend_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def test_the_client_sees_their_month_with_comparisons_lines_and_trend(
    world: Any, phone: MobileVisitor
) -> None:
    page = await phone.open_as("o_liu", "/m/books?period=2026-09")
    assert page.status == 200, page.text
    assert YUNFAN in page.text and QINGHE not in page.text
    assert "128,500.00" in page.text  # 营业收入
    assert "26,187.51" in page.text  # 净利润
    assert "比上月多 6,187.51元（+30.9%）" in page.text
    assert "比去年同月多 11,187.51元（+74.6%）" in page.text
    assert "增值税" in page.text and "1,285.00" in page.text  # the month's tax summary
    assert 'data-card="cash"' in page.text and "货币资金" in page.text
    trend = trend_of(page.text)
    assert trend["periods"][0] == "2025-10" and trend["periods"][-1] == "2026-09"
    assert trend["revenue"][-1] == 128_500.0 and trend["revenue"][0] is None
    assert trend["mom"][-1] == 16.8  # 128,500 against August's 110,000
    script = re.search(
        r'data-echarts="(/m/static/vendor/echarts\.books\.min\.js\?v=\w+)"', page.text
    )
    assert script is not None
    async with phone.session.get(
        phone.origin + script.group(1), headers={"Accept-Encoding": "gzip"}
    ) as resp:
        assert resp.status == 200 and resp.headers["Content-Encoding"] == "gzip"
        assert "immutable" in resp.headers["Cache-Control"]
        assert int(resp.headers["Content-Length"]) < 200_000  # 507 KB as sent over 4G: gzipped
        assert "Accept-Encoding" in resp.headers["Vary"]
        assert (await resp.read()).startswith(b"(()=>{")
    async with phone.session.get(
        phone.origin + script.group(1), headers={"Accept-Encoding": "identity"}
    ) as resp:  # a client without gzip gets the plain file
        assert "Content-Encoding" not in resp.headers
        assert int(resp.headers["Content-Length"]) > 500_000
    # The page itself is gzipped, and the chart's library is not a blocking script of it:
    # books.js fetches it once the page has loaded.
    assert page.headers.get("Content-Encoding") == "gzip"
    assert '<script src="/m/static/vendor/' not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_the_latest_month_by_default_and_a_month_not_kept_says_when(
    world: Any, phone: MobileVisitor
) -> None:
    page = await phone.open_as("o_liu", "/m/books")
    assert page.status == 200 and "2026年9月" in page.text
    page = await phone.get("/m/books?period=2026-10")
    assert page.status == 200 and "2026年10月的账还没做好，预计11月16日前做好" in page.text
    assert "26,187.51" not in page.text


async def test_bad_periods_and_another_company_reveal_nothing(
    world: Any, phone: MobileVisitor
) -> None:
    _, seeded = world
    assert (await phone.open_as("o_chen", "/m/books")).status == 200
    other = await phone.get(f"/m/books?company={seeded.yunfan}")
    assert other.status == 404 and "128,500.00" not in other.text and YUNFAN not in other.text
    future = await phone.get("/m/books?period=2026-11")
    assert future.status == 400 and "还没到" in future.text
    for bad in ("2026-13", "2026-9", "x' or 1=1", "9" * 40):
        refused = await phone.get(f"/m/books?period={bad}")
        assert refused.status == 400, bad
    own = await phone.get("/m/books")
    assert QINGHE in own.text and "的账还没做好" in own.text


async def test_the_original_file_downloads_for_its_company_only(
    world: Any, phone: MobileVisitor
) -> None:
    _, seeded = world
    page = await phone.open_as("o_liu", "/m/books?period=2026-09")
    assert f"/m/books/file/{seeded.file_sha}" in page.text
    got = await phone.session.get(phone.origin + f"/m/books/file/{seeded.file_sha}")
    assert got.status == 200 and await got.read() == ORIGINAL
    assert "attachment" in got.headers["Content-Disposition"]
    async with mobile_visitor(phone.origin) as other:
        await other.open_as("o_chen", "/m/")
        refused = await other.get(f"/m/books/file/{seeded.file_sha}")
        assert refused.status == 404 and "PK" not in refused.text
        assert (await other.get("/m/books/file/not-a-digest")).status == 404


async def test_staff_see_the_companies_they_keep_and_no_other(
    world: Any, phone: MobileVisitor
) -> None:
    _, seeded = world
    listing = await phone.open_as("o_wang", "/m/books")
    assert listing.status == 200 and YUNFAN in listing.text and QINGHE not in listing.text
    mine = await phone.get(f"/m/books?company={seeded.yunfan}&period=2026-09")
    assert mine.status == 200 and "26,187.51" in mine.text
    async with mobile_visitor(phone.origin) as li:
        refused = await li.open_as("o_li", f"/m/books?company={seeded.yunfan}")
        assert refused.status == 404 and "26,187.51" not in refused.text
        assert "不是您服务的客户" in refused.text


async def test_the_archive_lists_the_months_by_year_with_their_originals(
    world: Any, phone: MobileVisitor
) -> None:
    _, seeded = world
    page = await phone.open_as("o_liu", "/m/archive")
    assert page.status == 200
    months = re.findall(r'data-month="(\d{4}-\d\d)"', page.text)
    assert months == ["2026-09", "2026-08", "2026-07", "2025-09"]
    assert f"/m/books/file/{seeded.file_sha}" in page.text
    year = await phone.get("/m/archive?year=2025")
    assert re.findall(r'data-month="(\d{4}-\d\d)"', year.text) == ["2025-09"]
    assert (await phone.get("/m/archive?year=abc")).status == 400
    async with mobile_visitor(phone.origin) as other:
        theirs = await other.open_as("o_chen", "/m/archive")
        assert theirs.status == 200 and "data-month" not in theirs.text
        assert YUNFAN not in theirs.text
