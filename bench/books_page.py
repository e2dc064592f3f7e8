"""`/m/books` server time with many companies' books stored: 10 000 companies × 24 months by
default (book_versions with their figures, and every month's printed lines), against a baseline
measured in the same run on a database of 10 companies × 24 months.

The app is the real one (`create_app`, the /m/ guard, the session cookie a WeChat visitor gets)
on loopback; a timing middleware records each request's time inside the server, and the client's
round trip is printed beside it. Each measured request opens a random company's page as its
contact, for a random kept month. The rows are written with sqlite3's executemany (a bench
needs data fast, not through the import path, which `bench.books` times).

    python -m bench.books_page [--companies 10000] [--months 24] [--requests 400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.books import percentile
from bot.app import create_app
from bot.sandbox.demo_books import demo_books
from bot.web.session import COOKIE, SessionCodec, derive_key
from domain.books import Column, figures_of
from domain.clock import FixedClock
from storage.books import _source
from tests.support.harness import create_schema, make_settings

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TEMPLATE = "杭州示例贸易有限公司"
COLUMNS = [c for c in Column]


def _template(months: int) -> list[tuple[str, str, str, list[tuple[Any, ...]]]]:
    """(period, figures JSON, source JSON, lines) for `months` months ending 2026-10."""
    last = 2026 * 12 + 10 - 1
    first = last - months + 1
    out = []
    for m in demo_books(
        TEMPLATE, first_period=f"{first // 12:04d}-{first % 12 + 1:02d}", months=months
    ):
        figures = figures_of(m.books)
        lines = [
            (
                index,
                seq,
                line.key,
                line.label,
                line.row,
                line.line_no,
                *(line.amounts.get(c) for c in COLUMNS),
            )
            for index, statement in enumerate(m.books.statements)
            for seq, line in enumerate(statement.lines)
        ]
        out.append(
            (
                m.period,
                json.dumps(figures.to_json(), ensure_ascii=False),
                json.dumps(_source(m.books), ensure_ascii=False),
                lines,
            )
        )
    return out


def fill(path: Path, appid: str, companies: int, months: int) -> None:
    """The firm, a contact per company (openid o_c<i>), and every company's months."""
    template = _template(months)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    at = NOW.replace(tzinfo=None).isoformat(sep=" ")
    db.execute("INSERT INTO firms (id, name, appid) VALUES (1, '示范代账', ?)", (appid,))
    db.executemany(
        "INSERT INTO client_companies (id, firm_id, name, accountant_id) VALUES (?, 1, ?, NULL)",
        ((i, f"示例{i:05d}贸易有限公司") for i in range(1, companies + 1)),
    )
    db.executemany(
        "INSERT INTO contacts (id, company_id, name, phone, openid) VALUES (?, ?, '老板', '', ?)",
        ((i, i, f"o_c{i}") for i in range(1, companies + 1)),
    )
    amount_cols = ", ".join(f"{c.value}_fen" for c in COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    version_id = 0
    for company in range(1, companies + 1):
        months_rows, versions, lines = [], [], []
        for period, figures, source, month_lines in template:
            version_id += 1
            months_rows.append((version_id, company, period, version_id, at))
            versions.append((version_id, company, version_id, period, figures, source, at))
            lines.extend((version_id, *line) for line in month_lines)
        db.executemany(
            "INSERT INTO book_months (id, firm_id, company_id, period, version,"
            " current_version_id, updated_at) VALUES (?, 1, ?, ?, 1, ?, ?)",
            months_rows,
        )
        db.executemany(
            "INSERT INTO book_versions (id, firm_id, company_id, month_id, period, version,"
            " standard, figures, source, imported_at, imported_by, replaced_at)"
            " VALUES (?, 1, ?, ?, ?, 1, 'small', ?, ?, ?, 'bench', NULL)",
            versions,
        )
        db.executemany(
            f"INSERT INTO book_lines (version_id, statement, seq, key, label, row, line_no,"
            f" {amount_cols}) VALUES (?, ?, ?, ?, ?, ?, ?, {marks})",
            lines,
        )
        if company % 1000 == 0:
            db.commit()
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def measure(
    folder: Path, companies: int, months: int, requests: int, seed: int
) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{folder}/page.db"
    await create_schema(url)
    settings = make_settings(url, folder)
    started = time.perf_counter()
    await asyncio.to_thread(fill, folder / "page.db", settings.wechat_appid, companies, months)
    filled_s = time.perf_counter() - started
    rows = sqlite3.connect(folder / "page.db").execute("SELECT count(*) FROM book_lines").fetchone()
    server_ms: list[float] = []

    @web.middleware
    async def timing(request: web.Request, handler: Any) -> web.StreamResponse:
        t0 = time.perf_counter()
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            if request.path == "/m/books":
                server_ms.append((time.perf_counter() - t0) * 1000)

    app = create_app(settings, clock=FixedClock(NOW))
    app.middlewares.append(timing)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    codec = SessionCodec(derive_key(settings.wechat_secret, settings.wechat_aes_key))
    rng = random.Random(seed)
    kept = [p for p, *_ in _template(months)]
    round_ms: list[float] = []
    sizes: list[int] = []
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            for i in range(requests + 20):  # the first 20 warm up and are dropped
                company = rng.randint(1, companies)
                cookie = codec.issue(settings.wechat_appid, f"o_c{company}", NOW)
                period = rng.choice(kept)
                t0 = time.perf_counter()
                async with http.get(
                    server.make_url("/m/books"),
                    params={"period": period},
                    headers={"Cookie": f"{COOKIE}={cookie}"},
                ) as resp:
                    body = await resp.read()
                    assert resp.status == 200, body[:300]
                    assert f"示例{company:05d}".encode() in body
                if i >= 20:
                    round_ms.append((time.perf_counter() - t0) * 1000)
                    sizes.append(len(body))
    finally:
        await server.close()
    server_ms = server_ms[20:]
    return {
        "companies": companies,
        "months": months,
        "lines": rows[0],
        "fill_s": round(filled_s, 1),
        "requests": len(server_ms),
        "server_p50": round(percentile(server_ms, 0.5), 1),
        "server_p95": round(percentile(server_ms, 0.95), 1),
        "round_p95": round(percentile(round_ms, 0.95), 1),
        "html_bytes": int(sum(sizes) / len(sizes)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--baseline-companies", type=int, default=10)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    results = []
    for companies in (args.baseline_companies, args.companies):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(
                asyncio.run(measure(Path(tmp), companies, args.months, args.requests, args.seed))
            )
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    base, big = results
    print(
        f"/m/books server time p95: {big['server_p95']} ms with {big['companies']} companies × "
        f"{big['months']} months ({big['lines']} lines), baseline {base['server_p95']} ms with "
        f"{base['companies']} × {base['months']} (ratio {big['server_p95'] / base['server_p95']:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
