"""Model selection for the embedded NLU by cross-validation on the TRAINING data only.

The held-out test file plays no part here: the regularisation C and the fallback threshold are
picked from k-fold results on nlu/data. Run: `.venv/bin/python -m bench.nlu_cv [--folds 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from datetime import date

from nlu import classifier
from nlu.embedded import EmbeddedParser
from nlu.evaluation import parse_fn, run, summarise
from nlu.training_data import TrainingData, load_dir


def folds(data: TrainingData, k: int, seed: int = 7) -> list[tuple[TrainingData, list]]:
    rng = random.Random(seed)
    buckets: list[list] = [[] for _ in range(k)]
    for _, examples in sorted(data.by_intent().items()):
        shuffled = examples[:]
        rng.shuffle(shuffled)
        for i, ex in enumerate(shuffled):
            buckets[i % k].append(ex)
    out = []
    for i in range(k):
        train = TrainingData(
            [ex for j, b in enumerate(buckets) if j != i for ex in b],
            data.synonyms,
            data.regexes,
            data.lookups,
        )
        out.append((train, buckets[i]))
    return out


async def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--folds", type=int, default=5)
    args.add_argument("--c", type=float, nargs="*", default=[20.0, 50.0, 100.0, 200.0])
    args.add_argument("--thresholds", type=float, nargs="*", default=[0.2, 0.3, 0.35, 0.4, 0.5])
    opts = args.parse_args()
    data = load_dir()
    report = []
    for c in opts.c:
        classifier.C = c
        splits = folds(data, opts.folds)
        parsers = [(EmbeddedParser(train, in_process=True), test) for train, test in splits]
        for threshold in opts.thresholds:
            outcomes = []
            for parser, test in parsers:
                parser.threshold = threshold
                outcomes += await run(test, parse_fn(parser), date(2025, 6, 15))
            s = summarise(outcomes)
            row = {
                "C": c,
                "threshold": threshold,
                "accuracy": s["accuracy"],
                "macro_f1": s["macro_f1"],
                "oos_caught": s["out_of_scope_caught"],
                "fallbacks": s["fallback_count"],
            }
            report.append(row)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
