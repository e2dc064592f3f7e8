"""`yunkuaiji serve | migrate | demo`: run the service, upgrade the schema, load demo data."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.cli import edge_server
from bot.runtime.run_id import RUN_ID
from bot.settings import Settings, UnsafeConfiguration, instance_name
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def load_settings(args: argparse.Namespace) -> Settings:
    return Settings.load(env_file=Path(args.env_file))


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app import create_app

    settings = load_settings(args)
    host = args.host or settings.host
    port = args.port or settings.port
    settings = settings.with_(host=host, port=port)
    if args.workers != 1:
        return serve_workers(args, settings, host, port)
    slot = args.worker_slot
    if slot is not None:
        # One of `serve --workers N`: its own stable name, the shared port.
        settings = settings.with_(instance_id=f"{instance_name(settings)}/w{slot}")
    try:
        app = create_app(settings)
    except UnsafeConfiguration as exc:
        print("云会计 refuses to start with an unsafe configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    mode = "sandbox" if settings.sandbox else "production"
    print(f"云会计 serving on http://{host}:{port} ({mode}, {args.event_loop})", flush=True)
    log.info("run id %s (the outbox's and invoice queue's lease tokens start with it)", RUN_ID)
    if settings.sandbox:
        print(f"  chat simulator: http://{host}:{port}/sandbox/", flush=True)
    limits = edge_server.ServerLimits(
        max_connections=args.max_connections,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        keepalive_timeout_s=args.keepalive_timeout,
        reuse_port=slot is not None,
    )
    edge_server.run(app, host, port, limits, args.event_loop)
    return 0


def serve_workers(args: argparse.Namespace, settings: Settings, host: str, port: int) -> int:
    from bot.cli.supervise import refuse_reason, run_workers

    refused = refuse_reason(settings, args.workers, port)
    if refused is not None:
        print(f"云会计 cannot start: {refused}", file=sys.stderr)
        return 2
    try:
        settings.check_safe()
    except UnsafeConfiguration as exc:
        print("云会计 refuses to start with an unsafe configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    passed = [
        "--host",
        host,
        "--port",
        str(port),
        "--max-connections",
        str(args.max_connections),
        "--header-timeout",
        str(args.header_timeout),
        "--body-timeout",
        str(args.body_timeout),
        "--keepalive-timeout",
        str(args.keepalive_timeout),
        "--event-loop",
        args.event_loop,
    ]
    return run_workers(settings, args.workers, args.env_file, passed, args.verbose)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    upgrade(settings.database_url)
    print(json.dumps({"migrated": True, "database": _redacted(settings.database_url)}))
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.sandbox.demo import load_demo

    settings = load_settings(args)
    result: dict[str, Any] = asyncio.run(load_demo(settings, only_if_empty=args.if_empty))
    for line in result["lines"]:
        print(json.dumps(line, ensure_ascii=False))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve", help="run the web service (webhook, sandbox emulator and chat simulator)"
    )
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    d = edge_server.ServerLimits()
    p.add_argument(
        "--max-connections",
        type=int,
        default=d.max_connections,
        help=f"open client connections at most (default {d.max_connections}, lowered to fit "
        "the open-file limit)",
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        default=d.header_timeout_s,
        help=f"seconds for a new connection to send its request head (default "
        f"{d.header_timeout_s:g})",
    )
    p.add_argument(
        "--body-timeout",
        type=float,
        default=d.body_timeout_s,
        help=f"seconds for a request body to arrive (default {d.body_timeout_s:g})",
    )
    p.add_argument(
        "--keepalive-timeout",
        type=float,
        default=d.keepalive_timeout_s,
        help=f"seconds a kept-alive connection may idle (default {d.keepalive_timeout_s:g})",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web worker processes sharing the port (SO_REUSEPORT); more than one needs "
        "PostgreSQL (default 1)",
    )
    p.add_argument(
        "--event-loop",
        choices=edge_server.EVENT_LOOPS,
        default="uvloop",
        help="uvloop (default; about a sixth less CPU per message) or asyncio's own loop",
    )
    p.add_argument("--worker-slot", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "demo", help="load demo data: a firm, an admin, two accountants, three client companies"
    )
    p.add_argument("--if-empty", action="store_true", help="do nothing when staff already exist")
    p.set_defaults(func=cmd_demo)
