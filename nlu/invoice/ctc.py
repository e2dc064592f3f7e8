"""CTC scoring: how likely a recognition model's output makes one given text.

Greedy decoding takes the most likely character at every frame; when a few characters are
garbled (a stamp over a title, blur) the right text may still be far more likely than any other
text from a closed set. `log_likelihood` sums over every CTC alignment of `labels` (the forward
algorithm, in log space), so candidates from a closed vocabulary can be compared on the same
model output.
"""

from __future__ import annotations

import numpy as np

BLANK = 0
_NEG = -1e30


def log_likelihood(log_probs: np.ndarray, labels: list[int]) -> float:
    """log P(labels | frames) for a (frames x classes) matrix of log probabilities."""
    frames = log_probs.shape[0]
    if not labels:
        return float(log_probs[:, BLANK].sum())
    extended = np.full(2 * len(labels) + 1, BLANK, dtype=np.int64)
    extended[1::2] = labels
    states = extended.shape[0]
    # A skip over a blank is allowed only between two different characters.
    can_skip = np.zeros(states, dtype=bool)
    can_skip[2:] = (extended[2:] != BLANK) & (extended[2:] != extended[:-2])
    alpha = np.full(states, _NEG)
    alpha[0] = log_probs[0, extended[0]]
    alpha[1] = log_probs[0, extended[1]]
    for t in range(1, frames):
        stay = alpha
        step = np.concatenate(([_NEG], alpha[:-1]))
        skip = np.where(can_skip, np.concatenate(([_NEG, _NEG], alpha[:-2])), _NEG)
        alpha = np.logaddexp(np.logaddexp(stay, step), skip) + log_probs[t, extended]
    return float(np.logaddexp(alpha[-1], alpha[-2]))
