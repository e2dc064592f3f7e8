"""`yunkuaiji worker invoices | outbox | jobs`: one part of the background work, alone.

For a second machine (or more reading processes on this one): the same database and the same
data directory (the blob store of invoice photos under it) as the web workers, and no webhook.
Run the web workers with `INVOICE_WORKERS=0` to leave all reading to `worker invoices`. Every
part is safe beside copies of itself: the outbox and the invoice queue are leased row by row,
each scheduled job is run by one process at a time (job leases).

`--metrics-port` serves /healthz and /metrics on 127.0.0.1 (or `--metrics-host`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.runtime.run_id import RUN_ID
from bot.settings import Settings, UnsafeConfiguration, instance_name

log = logging.getLogger(__name__)

PARTS = ("invoices", "outbox", "jobs")


async def run_worker(app: web.Application, host: str, port: int | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()  # runs the app's start-up: the part begins working here
    try:
        if port is not None:
            site = web.TCPSite(runner, host, port)
            await site.start()
            log.info("worker metrics on http://%s:%d/metrics", host, port)
        print("ready", flush=True)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.app import create_worker_app

    settings = Settings.load(env_file=Path(args.env_file))
    if settings.instance_id == "":
        # host:port would name every worker on a machine alike: name it by its part.
        settings = settings.with_(instance_id=f"{instance_name(settings)}/{args.part}")
    if args.instance_id:
        settings = settings.with_(instance_id=args.instance_id)
    if args.part == "invoices" and settings.invoice_workers < 1:
        settings = settings.with_(invoice_workers=1)
    try:
        app = create_worker_app(settings, args.part)
    except UnsafeConfiguration as exc:
        print("云会计 refuses to start with an unsafe configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    print(
        f"云会计 worker {args.part} ({settings.instance_id}, run {RUN_ID})",
        file=sys.stderr,
        flush=True,
    )
    asyncio.run(run_worker(app, args.metrics_host, args.metrics_port))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "worker",
        help="run one part of the background work alone: invoices (the photo reader), outbox "
        "(the notice sender) or jobs (the scheduler)",
    )
    p.add_argument("part", choices=PARTS)
    p.add_argument("--metrics-port", type=int, default=None)
    p.add_argument("--metrics-host", default="127.0.0.1")
    p.add_argument(
        "--instance-id",
        default="",
        help="this worker's stable name (default: INSTANCE_ID, else host:port/<part>)",
    )
    p.set_defaults(func=cmd_worker)
