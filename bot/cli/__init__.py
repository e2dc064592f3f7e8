"""The `yunkuaiji` console script: one entry point, one subcommand module per area.

Each `bot/cli_<area>.py` module exposes `register(subparsers)`, adding its subcommands with
`parser.set_defaults(func=...)`. A command function takes the parsed arguments and returns an
exit code; async work runs through `asyncio.run` inside the command. Settings are loaded once
here, in `main()`, never at import time.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
from collections.abc import Sequence

from bot.runtime.json_logs import configure as configure_logging

# Order is the order of `yunkuaiji --help`.
COMMAND_MODULES = (
    "bot.cli.serve",
    "bot.cli.people",
    "bot.cli.admin",
    "bot.cli.billing",
    "bot.cli.catalogue",
    "bot.cli.nlu",
    "bot.cli.invoice",
    "bot.cli.books",
    "bot.cli.menu",
    "bot.cli.outbox",
    "bot.cli.worker",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yunkuaiji", description="云会计 service and operator tools"
    )
    parser.add_argument("--env-file", default=".env", help="optional .env file (default: .env)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # an area not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.INFO, _log_format(args.env_file))
    return int(args.func(args) or 0)


def _log_format(env_file: str) -> str:
    """`LOG_FORMAT` from the environment, else from the .env file (text unless "json")."""
    if "LOG_FORMAT" in os.environ:
        return os.environ["LOG_FORMAT"]
    from dotenv import dotenv_values

    return dotenv_values(env_file).get("LOG_FORMAT") or "text"
