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
import sys
from collections.abc import Sequence

# Order is the order of `yunkuaiji --help`.
COMMAND_MODULES = (
    "bot.cli_serve",
    "bot.cli_people",
    "bot.cli_nlu",
    "bot.cli_invoice",
    "bot.cli_menu",
    "bot.cli_outbox",
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
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
