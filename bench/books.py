"""Statement import benchmark: time per file over the fixture layouts, several runs each.

Two figures per file: `read` (perception alone: sniffing, the zip checks, calamine, the layout)
and `import` (read, the domain's checks, and the month kept in a SQLite file with its lines,
committed: what `yunkuaiji books import` does after start-up). Refusals are timed too: a zip
bomb and a formula without a value must be refused quickly. The files are the test fixtures
(`tests.support.statement_files`), written to a temporary folder. Figures go to stdout;
`--markdown PATH` also writes them as a table.

    python -m bench.books [--runs 30] [--markdown nlu/statements/BENCH.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.workers.book_files import books_from_workbooks
from domain.book_imports import import_statements
from nlu.statements import StatementRejected, read_statements
from storage.engine import create_engine, session_factory
from storage.tables import Base
from storage.uow import SqlUnitOfWork
from tests.support.statement_files import COMPANY, FAILURES, LAYOUTS

# Files that are a month's books on their own, and the pair exported as two files.
WHOLE = ("small_xlsx", "small_xls", "general_xlsx", "general_xls", "general_prior_january_xlsx")
PAIR = ("two_files_income", "two_files_balance")
REFUSED = ("zip_bomb", "formula", "encrypted", "unknown_layout")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _refuse(data: bytes, name: str) -> None:
    try:
        read_statements(data, name)
    except StatementRejected:
        return
    raise AssertionError(f"{name} was not refused")


async def _database(folder: Path) -> tuple[object, int, int]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder}/bench.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_bench")
        company = await uow.identities.add_company(firm.id, COMPANY)
        await uow.commit()
    return engine, firm.id, company.id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per file (default 30)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {name: case.make() for name, case in {**LAYOUTS, **FAILURES}.items()}
        rows: list[tuple[str, str, int, list[float]]] = []
        for name in LAYOUTS:
            data = files[name]
            rows.append(
                (
                    "read",
                    LAYOUTS[name].name,
                    len(data),
                    timed(lambda d=data, n=LAYOUTS[name].name: read_statements(d, n), args.runs),
                )
            )
        for name in REFUSED:
            data = files[name]
            rows.append(
                (
                    "refuse",
                    FAILURES[name].name,
                    len(data),
                    timed(lambda d=data, n=FAILURES[name].name: _refuse(d, n), args.runs),
                )
            )

        loop = asyncio.new_event_loop()
        engine, firm_id, company_id = loop.run_until_complete(_database(folder))

        def import_files(names: tuple[str, ...]) -> None:
            workbooks = [read_statements(files[n], LAYOUTS[n].name) for n in names]
            books = books_from_workbooks(workbooks)

            async def keep() -> None:
                async with SqlUnitOfWork(session_factory(engine)) as uow:  # type: ignore[arg-type]
                    period = books.period
                    await import_statements(
                        uow, firm_id, company_id, period, books, datetime.now(UTC)
                    )
                    await uow.commit()

            loop.run_until_complete(keep())

        for name in WHOLE:
            rows.append(
                (
                    "import",
                    LAYOUTS[name].name,
                    len(files[name]),
                    timed(lambda n=name: import_files((n,)), args.runs),
                )
            )
        rows.append(
            (
                "import",
                " + ".join(LAYOUTS[n].name for n in PAIR),
                sum(len(files[n]) for n in PAIR),
                timed(lambda: import_files(PAIR), args.runs),
            )
        )
        loop.run_until_complete(engine.dispose())  # type: ignore[attr-defined]
        loop.close()

    table = render(rows, args.runs)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    return 0


def render(rows: list[tuple[str, str, int, list[float]]], runs: int) -> str:
    lines = [
        "# Statement import: time per file",
        "",
        f"`python -m bench.books --runs {runs}` (`make bench-books`) on {platform.machine()}, "
        f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end: the cores "
        f"are shared), Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}. "
        f"Milliseconds over {runs} runs after 2 warm-ups. "
        "`read`: perception alone; `import`: read, check and keep the month (SQLite, "
        "committed, a new version each run); `refuse`: how soon a bad file is turned away.",
        "",
        "| stage | file | size | p50 ms | p95 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for stage, name, size, times in rows:
        lines.append(
            f"| {stage} | {name} | {size / 1024:.0f} kB | {statistics.median(times):.1f} | "
            f"{percentile(times, 0.95):.1f} | {max(times):.1f} |"
        )
    for stage in ("read", "import"):
        every = [t for s, _, _, times in rows if s == stage for t in times]
        lines.append(
            f"| **{stage}, all files** | | | **{statistics.median(every):.1f}** | "
            f"**{percentile(every, 0.95):.1f}** | **{max(every):.1f}** |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
