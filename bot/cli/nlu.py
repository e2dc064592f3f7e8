"""`yunkuaiji nlu parse` and `yunkuaiji nlu eval FILE`: the NLU from the command line.

`parse` reads one message per stdin line and writes one JSON object per line. `eval` runs a
Rasa-format test file through a backend and prints the report (accuracy, macro F1, per-intent
scores, confused pairs, entity F1, latency) as JSON on stdout, with a progress bar on stderr;
`--text` prints a summary for a person instead (`make nlu-eval-file FILE=...`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bot.settings import Settings

# Relative periods in the held-out file are annotated against this date.
EVAL_TODAY = "2025-06-15"


def register(subparsers: Any) -> None:
    nlu = subparsers.add_parser("nlu", help="understand text: parse messages, evaluate backends")
    sub = nlu.add_subparsers(dest="nlu_command", required=True, metavar="SUBCOMMAND")

    parse = sub.add_parser("parse", help="stdin lines -> JSON lines (intent, entities)")
    _backend_options(parse)
    parse.add_argument("--today", type=date.fromisoformat, help="reference date for periods")
    parse.set_defaults(func=cmd_parse)

    evaluate = sub.add_parser("eval", help="evaluate a backend on a Rasa-format test file")
    evaluate.add_argument("file", type=Path, help="Rasa NLU YAML with intents (and entities)")
    _backend_options(evaluate)
    evaluate.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date.fromisoformat(EVAL_TODAY),
        help=f"reference date the file's period values assume (default {EVAL_TODAY})",
    )
    evaluate.add_argument(
        "--errors", action="store_true", help="include every misclassified utterance"
    )
    evaluate.add_argument(
        "--text",
        action="store_true",
        help="print a summary for a person (figures against the targets, recall per intent, "
        "every confused pair; no utterance) instead of the JSON",
    )
    evaluate.add_argument("--save", type=Path, help="also write the JSON report to this file")
    evaluate.set_defaults(func=cmd_eval)


def _backend_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", choices=("embedded", "rasa"), help="default: NLU_BACKEND or embedded"
    )
    parser.add_argument("--rasa-url", help="default: RASA_URL or http://127.0.0.1:5005")


def _settings(args: argparse.Namespace) -> tuple[str, str]:
    settings = Settings.load(env_file=Path(getattr(args, "env_file", ".env")))
    return (args.backend or settings.nlu_backend), (args.rasa_url or settings.rasa_url)


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.runtime.catalogue_vocabulary import seed_vocabulary
    from nlu.backends import build_parser

    backend, rasa_url = _settings(args)
    # The seed catalogue's request types (the running service reads its database's).
    parser = build_parser(backend, rasa_url, vocabulary=seed_vocabulary())

    async def loop() -> None:
        try:
            for line in sys.stdin:
                text = line.rstrip("\r\n")
                result = await parser.parse(text, today=args.today)
                sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                sys.stdout.flush()
        finally:
            close = getattr(parser, "close", None)
            if close is not None:
                await close()

    asyncio.run(loop())
    return 0


class _NoFallback:
    """Evaluating Rasa must measure Rasa: a failed call is an error, not a quiet embedded parse."""

    async def parse(self, text: str, today: Any = None) -> Any:
        raise RuntimeError(f"Rasa failed during evaluation on {text[:40]!r}")


def cmd_eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.runtime.catalogue_vocabulary import seed_vocabulary
    from nlu.embedded import EmbeddedParser
    from nlu.evaluation import format_text, parse_fn, run, summarise
    from nlu.rasa import RasaParser
    from nlu.training_data import load_files

    backend, rasa_url = _settings(args)
    examples = load_files([args.file]).examples
    if not examples:
        print(json.dumps({"error": f"no examples in {args.file}"}), file=sys.stderr)
        return 2

    async def evaluate() -> dict[str, Any] | None:
        extra: dict[str, Any] = {}
        parser: Any
        if backend == "rasa":
            embedded = EmbeddedParser.train()  # only for its synonym table
            parser = RasaParser(
                rasa_url,
                _NoFallback(),
                timeout=10.0,
                synonyms=embedded.synonyms,
                vocabulary=seed_vocabulary(),
            )
            if not await parser.status():
                await parser.close()
                print(json.dumps({"error": f"Rasa not reachable at {rasa_url}"}), file=sys.stderr)
                return None
            extra["rasa_url"] = rasa_url
        else:
            started = time.perf_counter()
            parser = EmbeddedParser.train(vocabulary=seed_vocabulary())
            extra["training_seconds"] = round(time.perf_counter() - started, 3)
            extra["threshold"] = parser.threshold
        try:
            with tqdm(total=len(examples), desc=f"nlu eval ({backend})", file=sys.stderr) as bar:
                outcomes = await run(examples, parse_fn(parser), args.today, bar.update)
        finally:
            close = getattr(parser, "close", None)
            if close is not None:
                await close()
        report = summarise(outcomes, top_confusions=1000 if args.text else 10)
        if not args.errors:
            report["errors"] = report["errors"][:20]
        return (
            {"backend": backend, "file": str(args.file), "today": str(args.today)} | extra | report
        )

    report = asyncio.run(evaluate())
    if report is None:
        return 2
    rendered = json.dumps(report, ensure_ascii=False, indent=2)
    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(rendered + "\n", encoding="utf-8")
    sys.stdout.write(format_text(report) if args.text else rendered + "\n")
    return 0
