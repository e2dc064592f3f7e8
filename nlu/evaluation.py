"""Evaluate a parser on a Rasa-format test file: intents, entities and latency.

Used by `yunkuaiji nlu eval` and `make test-rasa`, so both backends are measured by the same code
on the same file. Scoring rule: a `nlu_fallback` answer counts as `out_of_scope` (both mean "not
something we handle"); `strict_accuracy` is reported too, without that rule.
"""

from __future__ import annotations

import inspect
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from nlu import intents as names
from nlu.training_data import Example
from nlu.types import ParseResult

ParseFn = Callable[[str, date], Awaitable[ParseResult]]


@dataclass(frozen=True)
class Outcome:
    example: Example
    result: ParseResult
    seconds: float


def _scored(intent: str) -> str:
    return names.OUT_OF_SCOPE if intent == names.NLU_FALLBACK else intent


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run(
    examples: Sequence[Example],
    parse: ParseFn,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Parse every example once, timing each call."""
    outcomes = []
    for example in examples:
        started = time.perf_counter()
        result = await parse(example.text, today)
        outcomes.append(Outcome(example, result, time.perf_counter() - started))
        if progress is not None:
            progress(1)
    return outcomes


def summarise(outcomes: Sequence[Outcome], top_confusions: int = 10) -> dict[str, Any]:
    """The evaluation report as a JSON-ready dict."""
    gold = [o.example.intent for o in outcomes]
    predicted = [_scored(o.result.intent) for o in outcomes]
    total = len(outcomes) or 1
    labels = sorted(set(gold))
    per_intent: dict[str, dict[str, float | int]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_intent[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(_f1(precision, recall), 4),
            "support": tp + fn,
        }
    confusions = Counter(
        (g, p) for g, p in zip(gold, predicted, strict=True) if g != p
    ).most_common(top_confusions)

    entity_counts: dict[str, Counter[str]] = {}
    for o in outcomes:
        want = Counter((e.entity, e.value) for e in o.example.entities)
        got = Counter((e.entity, e.value) for e in o.result.entities)
        for (entity, _), n in (want & got).items():
            entity_counts.setdefault(entity, Counter())["tp"] += n
        for (entity, _), n in (got - want).items():
            entity_counts.setdefault(entity, Counter())["fp"] += n
        for (entity, _), n in (want - got).items():
            entity_counts.setdefault(entity, Counter())["fn"] += n
    per_entity = {}
    for entity, c in sorted(entity_counts.items()):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        per_entity[entity] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(_f1(p, r), 4),
            "support": c["tp"] + c["fn"],
        }
    tp = sum(c["tp"] for c in entity_counts.values())
    fp = sum(c["fp"] for c in entity_counts.values())
    fn = sum(c["fn"] for c in entity_counts.values())
    ent_p = tp / (tp + fp) if tp + fp else 0.0
    ent_r = tp / (tp + fn) if tp + fn else 0.0

    # Asking instead of guessing: how often the answer would be a two-way question, how often
    # that question holds the right intent, and the accuracy once the person has tapped it
    # (an unasked message counts as before; an asked one is right when its gold is offered).
    asked = [o for o in outcomes if o.result.alternatives]
    asked_right = sum(1 for o in asked if o.example.intent in o.result.alternatives)
    after_asking = sum(
        (o.example.intent in o.result.alternatives)
        if o.result.alternatives
        else (_scored(o.result.intent) == o.example.intent)
        for o in outcomes
    )

    oos = [o for o in outcomes if o.example.intent == names.OUT_OF_SCOPE]
    oos_caught = sum(1 for o in oos if o.result.intent in (names.OUT_OF_SCOPE, names.NLU_FALLBACK))
    latencies = sorted(o.seconds * 1000 for o in outcomes)
    return {
        "examples": len(outcomes),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / total, 4),
        "strict_accuracy": round(
            sum(o.example.intent == o.result.intent for o in outcomes) / total, 4
        ),
        "macro_f1": round(sum(v["f1"] for v in per_intent.values()) / (len(labels) or 1), 4),
        "out_of_scope_caught": round(oos_caught / len(oos), 4) if oos else None,
        "fallback_count": sum(1 for o in outcomes if o.result.intent == names.NLU_FALLBACK),
        "asked": len(asked),
        "asked_rate": round(len(asked) / total, 4),
        "asked_with_gold": round(asked_right / len(asked), 4) if asked else None,
        "asked_when_top_was_right": sum(
            1 for o in asked if _scored(o.result.intent) == o.example.intent
        ),
        "accuracy_after_asking": round(after_asking / total, 4),
        "entity_precision": round(ent_p, 4),
        "entity_recall": round(ent_r, 4),
        "entity_f1": round(_f1(ent_p, ent_r), 4),
        "latency_ms": {
            "p50": round(_percentile(latencies, 0.50), 3),
            "p99": round(_percentile(latencies, 0.99), 3),
            "max": round(latencies[-1], 3) if latencies else 0.0,
        },
        "confused_pairs": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions],
        "per_intent": per_intent,
        "per_entity": per_entity,
        "errors": [
            {
                "text": o.example.text,
                "gold": o.example.intent,
                "predicted": o.result.intent,
                "confidence": round(o.result.confidence, 3),
            }
            for o in outcomes
            if _scored(o.result.intent) != o.example.intent
        ],
    }


def parse_fn(parser: object) -> ParseFn:
    """Adapt a parser to `(text, today)`, passing `today` where the parser accepts it."""
    parse = parser.parse  # type: ignore[attr-defined]
    takes_today = "today" in inspect.signature(parse).parameters

    async def call(text: str, today: date) -> ParseResult:
        if takes_today:
            return await parse(text, today=today)  # type: ignore[no-any-return]
        return await parse(text)  # type: ignore[no-any-return]

    return call


def format_text(report: dict[str, Any], targets: dict[str, float] | None = None) -> str:
    """The report for a person: headline figures against the targets, every intent's recall,
    the confused pairs; no utterance is shown (a blind file stays blind when it is scored)."""
    goal = {"accuracy": 0.95, "macro_f1": 0.95, "out_of_scope_caught": 0.90, "recall": 0.85}
    goal |= targets or {}

    def mark(value: float | None, target: float) -> str:
        if value is None:
            return "n/a"
        return f"{value:.4f}  {'ok' if value >= target else 'BELOW'} (target >= {target:.2f})"

    per_intent: dict[str, dict[str, float]] = report["per_intent"]
    below = [k for k, v in per_intent.items() if v["recall"] < goal["recall"]]
    latency = report["latency_ms"]
    lines = [
        f"file        {report.get('file', '?')} ({report['examples']} utterances, "
        f"backend {report.get('backend', '?')})",
        f"accuracy    {mark(report['accuracy'], goal['accuracy'])}",
        f"macro F1    {mark(report['macro_f1'], goal['macro_f1'])}",
        f"OOS caught  {mark(report['out_of_scope_caught'], goal['out_of_scope_caught'])}",
        f"recall      {len(per_intent) - len(below)}/{len(per_intent)} intents >= "
        f"{goal['recall']:.2f}" + (f"; below: {', '.join(sorted(below))}" if below else ""),
        f"strict acc  {report['strict_accuracy']:.4f}   fallbacks {report['fallback_count']}",
        f"would ask   {report['asked']} ({report['asked_rate']:.1%}), right intent offered "
        f"{report['asked_with_gold']}, accuracy once answered {report['accuracy_after_asking']}",
        f"entity F1   {report['entity_f1']:.4f}"
        if any(row["support"] for row in report["per_entity"].values())
        else "entity F1   n/a (the file has no entity annotations)",
        f"latency ms  p50 {latency['p50']}  p99 {latency['p99']}  max {latency['max']}",
        "",
        f"{'intent':<20} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}",
    ]
    for name, row in sorted(per_intent.items()):
        flag = "  <" if row["recall"] < goal["recall"] else ""
        lines.append(
            f"{name:<20} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} "
            f"{row['support']:>4}{flag}"
        )
    lines.append("")
    pairs = report["confused_pairs"]
    lines.append("confused (gold -> predicted, out_of_scope includes nlu_fallback):")
    lines += [f"  {p['gold']} -> {p['predicted']} x{p['count']}" for p in pairs] or ["  none"]
    return "\n".join(lines) + "\n"
