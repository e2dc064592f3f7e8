"""When to ask instead of guess: two readings close enough that a good assistant would ask.

The top two intents of a ranking are offered as a question when their probabilities differ by
at most `MARGIN`, together carry at least `FLOOR`, and neither is `out_of_scope` (nobody is
asked "did you mean chit-chat?"). This holds below the fallback threshold too: "①查进度
②了解服务？" beats "没太明白". Both values were calibrated on blind set A (nlu/EVAL.md, "Asking
instead of guessing"): 0.25 is where the share of questions containing the right intent stops
rising while the number of questions still does.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlu import intents as names

MARGIN = 0.25
FLOOR = 0.3
# Never offered as a reading: not something a person would pick from a question.
_NOT_A_READING = frozenset({names.OUT_OF_SCOPE, names.NLU_FALLBACK})


def close_readings(
    ranking: Sequence[tuple[str, float]], margin: float = MARGIN, floor: float = FLOOR
) -> tuple[str, ...]:
    """The two intents to ask between, best first; () when the best reading is clear enough."""
    if len(ranking) < 2:
        return ()
    (first, p1), (second, p2) = ranking[0], ranking[1]
    if first in _NOT_A_READING or second in _NOT_A_READING:
        return ()
    if p1 - p2 > margin or p1 + p2 < floor:
        return ()
    return (first, second)
