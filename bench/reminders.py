"""催费 benchmark: the scheduled reminder run over 10 000 client companies (`make bench-pay`).

A SQLite file (WAL, as `serve` uses it) holds one firm, 10 000 companies with one bound
contact each and one unpaid contract bill each, their due dates spread from 30 days ago to 9
days ahead, so that on the benchmark's day 85 % of them are within the schedule (three days
before, on the day, 3 and 7 days after, weekly after) and, never reminded yet, due one. Then,
timed, in one process:

- **baseline**: reading every unpaid bill due by the horizon with its company (the one query
  the run cannot do without), in the same pages of 500;
- **first run**: the reminder job as the scheduler calls it: each due bill's day claimed, a
  notice queued per contact, the log row written, committed a page at a time;
- **second run** the same day: nothing due any more (each bill was reminded today): the cost of
  the job when it has nothing to do, which is what most of its runs are;
- **after payment**: half the bills paid, a week later: the paid ones are never reminded.

    python -m bench.reminders [--companies 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from bot.workers.jobs import run_fee_reminders
from domain.clock import FixedClock
from domain.reminder_rules import ReminderPolicy
from storage.engine import create_engine, session_factory
from storage.tables import Base
from storage.tables.billing import BillRow
from storage.tables.identity import CompanyRow, ContactRow, FirmRow
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork

TODAY = date(2026, 3, 18)  # a Wednesday
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def seed(url: str, companies: int) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(FirmRow), [{"id": 1, "name": "基准代账", "appid": "wxbench"}])
        await conn.execute(
            insert(CompanyRow),
            [{"id": i, "firm_id": 1, "name": f"基准公司{i}"} for i in range(1, companies + 1)],
        )
        await conn.execute(
            insert(ContactRow),
            [
                {
                    "id": i,
                    "company_id": i,
                    "name": f"联系人{i}",
                    "phone": "",
                    "openid": f"o_bench_{i}",
                }
                for i in range(1, companies + 1)
            ],
        )
        rows = []
        for i in range(1, companies + 1):
            due = TODAY + timedelta(days=(i % 40) - 30)  # 30 days ago .. 9 days ahead
            rows.append(
                {
                    "id": i,
                    "firm_id": 1,
                    "number": f"B{100000 + i}",
                    "company_id": i,
                    "kind": "contract",
                    "title": "",
                    "amount_fen": 30000,
                    "period_start": due.replace(day=1),
                    "period_end": due,
                    "due_on": due,
                    "status": "unpaid",
                    "created_at": NOW - timedelta(days=40),
                    "updated_at": NOW - timedelta(days=40),
                }
            )
        await conn.execute(insert(BillRow), rows)
    await engine.dispose()


async def baseline(url: str) -> tuple[float, int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    start = time.perf_counter()
    seen, after = 0, 0
    while True:
        async with SqlUnitOfWork(sessions) as uow:
            page = await uow.reminders.unpaid_bills(ReminderPolicy().horizon(TODAY), after, 500)
        if not page:
            break
        seen += len(page)
        after = page[-1][0].id
    took = time.perf_counter() - start
    await engine.dispose()
    return took, seen


async def timed_run(url: str, at: datetime) -> tuple[float, int, int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    start = time.perf_counter()
    scan = await run_fee_reminders(sessions, FixedClock(at), pay_url_base="https://b.example/m")
    took = time.perf_counter() - start
    await engine.dispose()
    return took, scan.looked_at, scan.sent


async def pay_half(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            update(BillRow).where(BillRow.id % 2 == 0).values(status="paid", paid_at=NOW)
        )
    await engine.dispose()


async def count_notices(url: str) -> int:
    from sqlalchemy import func, select

    engine = create_engine(url)
    async with engine.connect() as conn:
        n = await conn.scalar(select(func.count()).select_from(OutboxRow))
    await engine.dispose()
    return int(n or 0)


async def main(companies: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await seed(url, companies)
        base, seen = await baseline(url)
        first, looked, sent = await timed_run(url, NOW)
        second, looked2, sent2 = await timed_run(url, NOW + timedelta(hours=1))
        notices = await count_notices(url)
        await pay_half(url)
        later, looked3, sent3 = await timed_run(url, NOW + timedelta(days=7))
        notices_later = await count_notices(url)
    print(
        f"催费 over {companies} companies (SQLite WAL, one process, {os.cpu_count()} CPUs shared)"
    )
    print(f"  baseline  read unpaid bills due by the horizon: {base * 1000:7.0f} ms ({seen} bills)")
    print(
        f"  first run {first * 1000:7.0f} ms: {looked} looked at, {sent} reminded "
        f"({first / max(sent, 1) * 1000:.2f} ms each), {first / base:.1f}x the baseline"
    )
    print(
        f"  same day  {second * 1000:7.0f} ms: {looked2} looked at, {sent2} reminded ({second / base:.1f}x)"
    )
    print(
        f"  a week later, half paid {later * 1000:7.0f} ms: {looked3} looked at, {sent3} reminded "
        f"(paid bills reminded: {'none' if looked3 <= companies // 2 else 'SOME'})"
    )
    print(f"  notices queued: {notices} after the first runs, {notices_later} in all")
    assert sent == notices and sent2 == 0, "one reminder a bill a day"
    assert looked3 <= companies - companies // 2, "paid bills are not even looked at"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.companies))
