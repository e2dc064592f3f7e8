"""Embedded NLU figures for nlu/EVAL.md: training time, parse latency, resident memory added.

Run in a fresh process (`make nlu-bench` or `.venv/bin/python -m bench.nlu`): memory is the
resident set after `build_parser("embedded", ...)` minus the resident set before `nlu` is imported.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--rounds", type=int, default=20, help="passes over the held-out texts")
    opts = args.parse_args()

    before = rss_mb()
    started = time.perf_counter()
    from nlu.backends import build_parser
    from nlu.embedded import EmbeddedParser
    from nlu.training_data import HELD_OUT_FILE, load_files

    imported = time.perf_counter()
    parser = build_parser("embedded", "")
    built = time.perf_counter()
    assert isinstance(parser, EmbeddedParser)
    after_build = rss_mb()
    # The seed catalogue's request types, as the service hands its database's (measured after
    # the memory figure: this import brings the storage layer along).
    from bot.runtime.catalogue_vocabulary import seed_vocabulary

    parser.set_vocabulary(seed_vocabulary())

    texts = [ex.text for ex in load_files([HELD_OUT_FILE]).examples]
    today = date(2025, 6, 15)
    for text in texts:  # warm-up
        parser.parse_sync(text, today)
    timings = []
    for _ in range(opts.rounds):
        for text in texts:
            t0 = time.perf_counter()
            parser.parse_sync(text, today)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    long_text = "我要投诉" + "啊" * 9996
    t0 = time.perf_counter()
    parser.parse_sync(long_text, today)
    long_ms = (time.perf_counter() - t0) * 1000

    print(
        json.dumps(
            {
                "import_s": round(imported - started, 3),
                "training_s": round(parser.training_seconds, 3),
                "build_parser_s": round(built - imported, 3),
                "rss_before_mb": round(before, 1),
                "rss_after_mb": round(after_build, 1),
                "rss_added_mb": round(after_build - before, 1),
                "parses": len(timings),
                "parse_ms_p50": round(timings[len(timings) // 2], 4),
                "parse_ms_p99": round(timings[int(len(timings) * 0.99)], 4),
                "parse_ms_max": round(timings[-1], 4),
                "parse_10000_chars_ms": round(long_ms, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
