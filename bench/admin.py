"""Admin panel benchmark: server time of the panel's heaviest pages on a firm of 10 000 clients,
100 000 requests and 50 000 bills, on SQLite and on PostgreSQL.

The panel runs as `bot.app` mounts it (the /admin sub-application over the real database), on
loopback, logged in as the admin. A middleware of the bench's parent app times each request
on the server (from the panel's first middleware to the response, rendering included); the
client only drives. Pages: the work board (all columns), the client list filtered by two tags,
the performance page (30 days), arrears by client with their ageing, and the overdue bills.
The staff page (a dozen rows: the fixed cost of a page, its
session, its user and its template) is the baseline measured in the same run, so that a
loaded machine shows as a slow baseline. Target: p95 <= 100 ms each.

    python -m bench.admin [--runs 60] [--backends sqlite,postgres]

PostgreSQL: a throwaway database on TEST_POSTGRES_URL's server (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from admin_web.app import create_admin_app
from admin_web.config import PanelConfig, PanelPorts
from admin_web.passwords import Argon2Hasher
from admin_web.routing import PREFIX
from bench.books import percentile
from domain.clock import SystemClock
from domain.staff_logins import set_password
from storage.engine import create_engine, session_factory
from storage.tables import Base
from storage.tables.billing import BillRow
from storage.tables.identity import CompanyRow, ContactRow, FirmRow, StaffRow
from storage.tables.panel import ClientTagRow, CompanyTagRow
from storage.tables.requests import ComplaintRow, RatingRow, RequestRow
from storage.uow import SqlUnitOfWork

APPID = "wx_bench_admin"
PASSWORD = "春眠不觉晓处处闻啼鸟夜来风雨声"
CLIENTS, REQUESTS, BILLS, STAFF = 10_000, 100_000, 50_000, 12
TAGS = ("小规模", "一般纳税人", "电子专票", "纸质发票", "餐饮", "科技", "贸易", "关联集团",
        "每月15号前开票", "季度结算", "年度结算", "外资")  # fmt: skip
CHUNK = 5_000
TARGET_MS = 100.0
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _bulk(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        await conn.execute(insert(table), rows[i : i + CHUNK])


async def seed(url: str, now: datetime) -> dict[str, Any]:
    """The firm, its staff, clients (with tags), requests, ratings, complaints and bills."""
    rnd = random.Random(16)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        firm_id = (
            await conn.execute(
                insert(FirmRow).values(name="示范代账", appid=APPID).returning(FirmRow.id)
            )
        ).scalar_one()
        staff = [
            {"firm_id": firm_id, "name": f"会计{i:02d}", "phone": f"1380000{i:04d}",
             "is_admin": i == 0, "active": True}
            for i in range(STAFF)
        ]  # fmt: skip
        await _bulk(conn, StaffRow, staff)
        staff_ids = [r[0] for r in await conn.execute(text("SELECT id FROM staff ORDER BY id"))]
        accountants = staff_ids[1:]
        await _bulk(
            conn,
            CompanyRow,
            [
                {
                    "firm_id": firm_id,
                    "name": f"杭州示范{i:05d}有限公司",
                    "accountant_id": rnd.choice(accountants),
                }
                for i in range(CLIENTS)
            ],
        )
        companies = [
            (r[0], r[1])
            for r in await conn.execute(text("SELECT id, accountant_id FROM client_companies"))
        ]
        await _bulk(
            conn,
            ContactRow,
            [
                {"company_id": c, "name": "联系人", "phone": "", "openid": f"o_{c}"}
                for c, _ in companies
            ],
        )
        contacts = dict(
            (r[0], r[1]) for r in await conn.execute(text("SELECT company_id, id FROM contacts"))
        )
        await _bulk(
            conn, ClientTagRow, [{"firm_id": firm_id, "name": n, "group": ""} for n in TAGS]
        )
        tag_ids = [r[0] for r in await conn.execute(text("SELECT id FROM client_tags ORDER BY id"))]
        await _bulk(
            conn,
            CompanyTagRow,
            [
                {"company_id": c, "tag_id": t}
                for c, _ in companies
                for t in tag_ids
                if rnd.random() < 0.25
            ],
        )
        requests, statuses = [], []
        for i in range(REQUESTS):
            company, accountant = rnd.choice(companies)
            created = now - timedelta(minutes=rnd.randint(10, 365 * 24 * 60))
            roll = rnd.random()
            status = (
                "rated" if roll < 0.55 else "completed" if roll < 0.90 else "in_progress"
                if roll < 0.95 else "claimed" if roll < 0.97 else "submitted" if roll < 0.985
                else "escalated" if roll < 0.99 else "cancelled"
            )  # fmt: skip
            held = status not in ("submitted", "escalated", "cancelled")
            claimed = created + timedelta(minutes=rnd.randint(1, 240)) if held else None
            done = (
                min(claimed + timedelta(hours=rnd.randint(2, 120)), now)
                if status in ("rated", "completed") and claimed
                else None
            )
            requests.append(
                {"firm_id": firm_id, "number": f"R{1001 + i}", "company_id": company,
                 "contact_id": contacts[company], "client_openid": f"o_{company}",
                 "type": rnd.choice(("记账报税", "营业执照", "工商变更", "发票代开", "社保公积金")),
                 "description": "需要办理", "urgency": "urgent" if rnd.random() < 0.1 else "normal",
                 "photos": {"media_ids": []}, "status": status,
                 "handler_id": accountant if held else None, "created_at": created,
                 "updated_at": done or claimed or created, "claimed_at": claimed,
                 "first_progress_at": claimed + timedelta(minutes=30) if claimed else None,
                 "completed_at": done,
                 "due_at": created + timedelta(minutes=30) if status in ("submitted", "escalated") else None}
            )  # fmt: skip
            statuses.append(status)
        await _bulk(conn, RequestRow, requests)
        rated = [
            (r[0], r[1], r[2], r[3])
            for r in await conn.execute(
                select(
                    RequestRow.id,
                    RequestRow.company_id,
                    RequestRow.handler_id,
                    RequestRow.completed_at,
                ).where(RequestRow.status == "rated")
            )
        ]
        await _bulk(
            conn,
            RatingRow,
            [
                {"request_id": rid, "firm_id": firm_id, "company_id": cid, "staff_id": sid,
                 "attitude": rnd.choice((5, 5, 5, 4, 4, 3, 2, 1)), "speed": rnd.choice((5, 5, 4, 4, 3, 2)),
                 "comment": "", "created_at": at, "updated_at": at}
                for rid, cid, sid, at in rated
            ],
        )  # fmt: skip
        await _bulk(
            conn,
            ComplaintRow,
            [
                {"firm_id": firm_id, "number": f"C{1001 + i}", "company_id": cid, "client_openid": f"o_{cid}",
                 "client_name": "联系人", "description": "不满意", "photos": {"media_ids": []},
                 "request_id": rid, "staff_id": sid, "source": "rating", "status": "open",
                 "resolution": "", "resolved_by": "", "created_at": at}
                for i, (rid, cid, sid, at) in enumerate(rated[:600])
            ],
        )  # fmt: skip
        today = now.date()
        bills = []
        for i in range(BILLS):
            company, _ = companies[i % CLIENTS]
            due = today - timedelta(days=rnd.randint(-20, 360))
            paid = rnd.random() < 0.8
            at = datetime.combine(due, datetime.min.time(), UTC) + timedelta(
                days=rnd.randint(-5, 20)
            )
            bills.append(
                {"firm_id": firm_id, "number": f"B{1001 + i}", "company_id": company, "kind": "one_off",
                 "title": "代账费", "amount_fen": rnd.choice((30_000, 50_000, 80_000, 120_000)), "due_on": due,
                 "source_ref": f"bench:{i}", "status": "paid" if paid else "unpaid", "attempts": 0,
                 "paid_at": min(at, now) if paid else None, "refunded_fen": 0,
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
        await _bulk(conn, BillRow, bills)
    # Statistics, and on PostgreSQL the visibility map (index-only scans), as autovacuum
    # leaves a live database.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        admin = await uow.identities.get_staff(staff_ids[0])
        assert admin is not None
        await set_password(uow, admin, PASSWORD, now, Argon2Hasher.cheap())
        await uow.commit()
    await engine.dispose()
    tagged = {t: n for t, n in zip(tag_ids, TAGS, strict=True)}
    return {"admin": "会计00", "tags": list(tagged)[:2], "statuses": statuses}


Timings = dict[str, list[float]]


def timing_middleware(timings: Timings) -> Any:
    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            key = request.headers.get("X-Bench-Page")
            if key:
                timings.setdefault(key, []).append((time.perf_counter() - started) * 1000)

    return timed


@asynccontextmanager
async def serve(url: str, timings: Timings) -> AsyncIterator[TestServer]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    app = web.Application(middlewares=[timing_middleware(timings)])
    config = PanelConfig(firm_appid=APPID, bootstrap_password="", secure_cookies=False)
    ports = PanelPorts(sessions=lambda: sessions, clock=SystemClock(), hasher=Argon2Hasher.cheap())
    app.add_subapp(PREFIX, create_admin_app(config, ports))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
        await engine.dispose()


async def log_in(http: aiohttp.ClientSession, base: str, login: str) -> None:
    async with http.get(f"{base}{PREFIX}/login") as r:
        token = re.search(r'name="_csrf" value="([^"]+)"', await r.text())
    assert token
    form = {"login": login, "password": PASSWORD, "_csrf": token.group(1)}
    async with http.post(f"{base}{PREFIX}/login", data=form, allow_redirects=False) as r:
        assert r.status == 303, await r.text()


async def measure(url: str, runs: int) -> dict[str, tuple[float, float, int]]:
    timings: Timings = {}
    now = datetime.now(UTC)
    started = time.perf_counter()
    facts = await seed(url, now)
    seeded_s = time.perf_counter() - started
    print(
        f"  seeded {CLIENTS} clients, {REQUESTS} requests, {BILLS} bills in {seeded_s:.0f} s",
        flush=True,
    )
    a, b = facts["tags"]
    pages = {
        "baseline: staff page (12 rows)": "/staff",
        "work board": "/",
        "client list, two tag filters": f"/clients?tag={a}&tag={b}",
        "performance (30 days)": "/performance",
        "arrears by client (ageing)": "/money/arrears",
        "bills, overdue": "/money/bills?state=overdue",
    }
    async with serve(url, timings) as server:
        base = str(server.make_url("")).rstrip("/")
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            await log_in(http, base, facts["admin"])
            for name, path in pages.items():
                for i in range(runs + 5):
                    async with http.get(
                        f"{base}{PREFIX}{path}", headers={"X-Bench-Page": name if i >= 5 else ""}
                    ) as r:
                        body = await r.text()
                        assert r.status == 200, (path, r.status, body[:300])
    return {name: (percentile(v, 0.5), percentile(v, 0.95), len(v)) for name, v in timings.items()}


@asynccontextmanager
async def postgres(base_url: str) -> AsyncIterator[str]:
    name = f"yk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def report(backend: str, figures: dict[str, tuple[float, float, int]]) -> bool:
    ok = True
    print(f"\n{backend}: server time per page, ms")
    print(f"  {'page':34} {'p50':>7} {'p95':>7}  runs  target p95 <= {TARGET_MS:.0f}")
    for name, (p50, p95, n) in figures.items():
        baseline = name.startswith("baseline")
        met = baseline or p95 <= TARGET_MS
        ok = ok and met
        verdict = "" if baseline else ("met" if met else "MISSED")
        print(f"  {name:34} {p50:7.1f} {p95:7.1f}  {n:4d}  {verdict}")
    return ok


async def run(backends: list[str], runs: int) -> bool:
    ok = True
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            print("SQLite (a file, WAL)", flush=True)
            figures = await measure(f"sqlite+aiosqlite:///{Path(folder)}/bench.db", runs)
            ok = report("SQLite", figures) and ok
    if "postgres" in backends:
        base = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
        print("\nPostgreSQL", flush=True)
        async with postgres(base) as url:
            figures = await measure(url, runs)
        ok = report("PostgreSQL", figures) and ok
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args(argv)
    print(
        f"bench.admin on {platform.node()}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    ok = asyncio.run(run(args.backends.split(","), args.runs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
