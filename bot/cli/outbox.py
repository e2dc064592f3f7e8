"""`yunkuaiji outbox status | retry`: what is waiting, what gave up and why, and a second
chance for notices that failed (e.g. after the firm fixed a template id). JSON lines out."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings


async def status(settings: Settings, limit: int) -> list[dict[str, Any]]:
    from storage.engine import create_engine, session_factory
    from storage.outbox import SqlOutboxQueue

    engine = create_engine(settings.database_url)
    try:
        queue = SqlOutboxQueue(session_factory(engine))
        lines: list[dict[str, Any]] = [{"outbox": await queue.counts()}]
        lines.extend({"failed": f} for f in await queue.failures(limit))
        return lines
    finally:
        await engine.dispose()


async def retry(settings: Settings, ids: list[int] | None) -> dict[str, Any]:
    from storage.engine import create_engine, session_factory
    from storage.outbox import SqlOutboxQueue

    engine = create_engine(settings.database_url)
    try:
        queue = SqlOutboxQueue(session_factory(engine))
        return {"requeued": await queue.requeue_failed(datetime.now(UTC), ids)}
    finally:
        await engine.dispose()


def cmd_status(args: argparse.Namespace) -> int:
    settings = Settings.load(env_file=Path(args.env_file))
    for line in asyncio.run(status(settings, args.limit)):
        print(json.dumps(line, ensure_ascii=False))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    settings = Settings.load(env_file=Path(args.env_file))
    if not args.ids and not args.all_failed:
        print(json.dumps({"error": "give notice ids or --all-failed"}))
        return 2
    result = asyncio.run(retry(settings, None if args.all_failed else args.ids))
    print(json.dumps(result))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("outbox", help="notices waiting or failed; retry failed ones")
    osub = p.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    s = osub.add_parser("status", help="counts by status and the latest failures")
    s.add_argument("--limit", type=int, default=20)
    s.set_defaults(func=cmd_status)
    s = osub.add_parser("retry", help="queue failed notices again (a running server sends them)")
    s.add_argument("ids", nargs="*", type=int, help="outbox row ids")
    s.add_argument("--all-failed", action="store_true")
    s.set_defaults(func=cmd_retry)
