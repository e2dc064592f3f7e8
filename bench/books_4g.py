"""`/m/books` and `/m/checklist` on a phone over 4G: page weight and time in headless Chromium.

The app is the real one (`create_app`, the demo data `make run` loads, the /m/ guard with the
session cookie a WeChat visitor gets) on loopback; Chromium (the same system Chromium and
Playwright the browser tests use) opens each page as the demo client 陈女士 of 青禾餐饮. Each
page is loaded under two network profiles in the same run:

- `none`: loopback, no throttling (the baseline);
- `slow-4g`: Chrome DevTools' throttling through CDP `Network.emulateNetworkConditions` at
  Lighthouse's pessimistic mobile profile: 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency.

and in two states: `first` (a fresh browser profile, empty cache) and `repeat` (the same page
again in that profile: the versioned static files come from the cache). Per page it prints the
bytes transferred (as sent on the wire: compressed bodies plus headers), the requests made (and
how many went to the network), DOMContentLoaded and load (ms from navigation start), and for
/m/books the moment the trend chart is drawn (the `chart-drawn` performance mark `books.js`
sets). Each figure is the median of `--runs` loads.

    python -m bench.books_4g [--runs 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, async_playwright

from bot.app import create_app
from bot.sandbox.demo import load_demo
from bot.web.session import COOKIE, SessionCodec, derive_key
from tests.browser.conftest import CHROMIUM_ARGS, MISSING, chromium_path
from tests.support.harness import create_schema, make_settings

VISITOR = "o_demo_chen"  # 陈女士 of 杭州青禾餐饮管理有限公司 in the demo
PAGES = ("/m/books", "/m/checklist")
KEPT = "## Before and after"


@dataclass(frozen=True)
class Profile:
    name: str
    latency_ms: float
    down_kbit: float  # 0: not throttled
    up_kbit: float

    def conditions(self) -> dict[str, Any]:
        return {
            "offline": False,
            "latency": self.latency_ms,
            "downloadThroughput": self.down_kbit * 1000 / 8 if self.down_kbit else -1,
            "uploadThroughput": self.up_kbit * 1000 / 8 if self.up_kbit else -1,
            "connectionType": "cellular4g" if self.down_kbit else "none",
        }

    def describe(self) -> str:
        if not self.down_kbit:
            return f"{self.name} (loopback, no throttling)"
        return (
            f"{self.name} ({self.down_kbit / 1000:g} Mbit/s down, {self.up_kbit:g} kbit/s up, "
            f"{self.latency_ms:g} ms latency; CDP Network.emulateNetworkConditions)"
        )


BASELINE = Profile("none", 0, 0, 0)
SLOW_4G = Profile("slow-4g", 150, 1600, 750)


@dataclass
class Load:
    bytes: int
    requests: int
    network_requests: int
    dcl_ms: float
    load_ms: float
    chart_ms: float | None


async def _load(context: BrowserContext, url: str, profile: Profile) -> Load:
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", profile.conditions())
    received: dict[str, float] = {}
    requests: set[str] = set()
    cached: set[str] = set()

    def sent(event: dict[str, Any]) -> None:
        if not event["request"]["url"].startswith("data:"):
            requests.add(event["requestId"])

    def finished(event: dict[str, Any]) -> None:
        received[event["requestId"]] = float(event.get("encodedDataLength", 0))

    def from_cache(event: dict[str, Any]) -> None:
        cached.add(event["requestId"])

    def response(event: dict[str, Any]) -> None:
        r = event["response"]
        if r.get("fromDiskCache") or r.get("fromPrefetchCache"):
            cached.add(event["requestId"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", from_cache)
    cdp.on("Network.responseReceived", response)
    await page.goto(url, wait_until="load", timeout=120_000)
    chart: float | None = None
    if "/m/books" in url:
        await page.wait_for_selector('#trend[data-drawn="1"]', timeout=120_000)
        chart = await page.evaluate(
            "performance.getEntriesByName('chart-drawn').map(e => e.startTime)[0] ?? null"
        )
    await page.wait_for_timeout(50)  # the last loadingFinished events
    timing = await page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()"
    )
    status = await page.evaluate("document.title")
    await cdp.detach()
    await page.close()
    if "无法" in status or "请重新" in status:
        raise RuntimeError(f"{url} was refused: {status}")
    return Load(
        int(sum(received.values())),
        len(requests),
        len(requests - cached),
        float(timing[0]),
        float(timing[1]),
        None if chart is None else float(chart),
    )


async def _context(browser: Browser, origin: str, cookie: str) -> BrowserContext:
    context = await browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=(
            "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.50"
        ),
    )
    await context.add_cookies(
        [{"name": COOKIE, "value": cookie, "url": origin + "/m/", "httpOnly": True}]
    )
    return context


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _summary(page: str, profile: Profile, state: str, loads: list[Load]) -> dict[str, Any]:
    charts = [x.chart_ms for x in loads if x.chart_ms is not None]
    return {
        "page": page,
        "profile": profile.name,
        "state": state,
        "bytes": int(statistics.median(x.bytes for x in loads)),
        "requests": int(statistics.median(x.requests for x in loads)),
        "network_requests": int(statistics.median(x.network_requests for x in loads)),
        "dcl_ms": _median([x.dcl_ms for x in loads]),
        "load_ms": _median([x.load_ms for x in loads]),
        "chart_ms": _median(charts) if charts else None,
        "runs": len(loads),
    }


async def measure(runs: int) -> list[dict[str, Any]]:
    path = chromium_path()
    if path is None:
        raise SystemExit(MISSING)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await create_schema(url)
        settings = make_settings(url, folder)
        await load_demo(settings)
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        origin = str(server.make_url("")).rstrip("/")
        codec = SessionCodec(derive_key(settings.wechat_secret, settings.wechat_aes_key))
        results = []
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=str(path), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    for page in PAGES:
                        for profile in (BASELINE, SLOW_4G):
                            first, repeat = [], []
                            for _ in range(runs):
                                cookie = codec.issue(
                                    settings.wechat_appid, VISITOR, datetime.now(UTC)
                                )
                                context = await _context(browser, origin, cookie)
                                try:
                                    first.append(await _load(context, origin + page, profile))
                                    repeat.append(await _load(context, origin + page, profile))
                                finally:
                                    await context.close()
                            results.append(_summary(page, profile, "first", first))
                            results.append(_summary(page, profile, "repeat", repeat))
                finally:
                    await browser.close()
        finally:
            await server.close()
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| page | network | visit | KB transferred | requests (network) | DOMContentLoaded ms"
        " | load ms | chart drawn ms |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        chart = "" if r["chart_ms"] is None else f"{r['chart_ms']:.0f}"
        lines.append(
            f"| {r['page']} | {r['profile']} | {r['state']} | {r['bytes'] / 1024:.1f} | "
            f"{r['requests']} ({r['network_requests']}) | {r['dcl_ms']:.0f} | "
            f"{r['load_ms']:.0f} | {chart} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    before = os.getloadavg()[0]
    results = asyncio.run(measure(args.runs))
    after = os.getloadavg()[0]
    load = f"machine load average {before:.1f} before, {after:.1f} after ({os.cpu_count()} cores)"
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    print(f"profiles: {BASELINE.describe()}; {SLOW_4G.describe()}; {load}")
    table = markdown(results)
    print(table)
    if args.markdown:
        header = (
            f"# /m/ pages over 4G\n\n`make bench-books-4g` ({datetime.now(UTC):%Y-%m-%d}), "
            f"median of {args.runs} loads each. Profiles: {BASELINE.describe()}; "
            f"{SLOW_4G.describe()}. The times include script parsing on this machine's CPU: "
            f"{load}.\n\n"
        )
        kept = ""  # a hand-written section below the table survives a re-run
        if args.markdown.exists():
            old = args.markdown.read_text(encoding="utf-8")
            kept = old[old.index(KEPT) :] if KEPT in old else ""
        args.markdown.write_text(header + table + "\n" + (f"\n{kept}" if kept else ""), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
