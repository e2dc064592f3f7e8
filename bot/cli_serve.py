"""`yunkuaiji serve | migrate | demo`: run the service, upgrade the schema, load demo data."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.settings import Settings
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
    app = create_app(settings)
    mode = "sandbox" if settings.sandbox else "production"
    print(f"云会计 serving on http://{host}:{port} ({mode})", flush=True)
    if settings.sandbox:
        print(f"  chat simulator: http://{host}:{port}/sandbox/", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    upgrade(settings.database_url)
    print(json.dumps({"migrated": True, "database": _redacted(settings.database_url)}))
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import load_demo

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
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "demo", help="load demo data: a firm, an admin, two accountants, three client companies"
    )
    p.add_argument("--if-empty", action="store_true", help="do nothing when staff already exist")
    p.set_defaults(func=cmd_demo)
