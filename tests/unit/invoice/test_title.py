"""The title row: CTC scoring, the closed-set choice of a garbled title, and where the title is."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nlu.invoice.ctc import BLANK, log_likelihood
from nlu.invoice.geometry import widen_along_row
from nlu.invoice.layout import Line
from nlu.invoice.title import constrained_type, read_invoice_type, title_band, title_fragments

# -- CTC --------------------------------------------------------------------------------------


def _collapse(path: tuple[int, ...]) -> list[int]:
    out: list[int] = []
    previous = None
    for label in path:
        if label != previous and label != BLANK:
            out.append(label)
        previous = label
    return out


@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1], []])
def test_forward_algorithm_equals_the_sum_over_every_alignment(labels: list[int]) -> None:
    rng = np.random.default_rng(len(labels))
    frames, classes = 5, 3
    probs = rng.dirichlet(np.ones(classes), size=frames)
    brute = sum(
        math.prod(probs[t, c] for t, c in enumerate(path))
        for path in itertools.product(range(classes), repeat=frames)
        if _collapse(path) == labels
    )
    assert log_likelihood(np.log(probs), labels) == pytest.approx(math.log(brute), rel=1e-9)


# -- choosing a type for a garbled title ------------------------------------------------------


def best_path_labels(log_probs: np.ndarray) -> list[int]:
    """Greedy CTC decoding, as the recogniser's own decoder does it."""
    return _collapse(tuple(int(label) for label in log_probs.argmax(axis=1)))


class _Model:
    """A toy recogniser output: per character, mostly one reading, partly another."""

    def __init__(self, frames: list[dict[str, float]]) -> None:
        chars = sorted(
            {c for frame in frames for c in frame} | set("增值税普通专用电子发票()江苏卷式")
        )
        self.index = {c: i + 1 for i, c in enumerate(chars)}
        rows = []
        for frame in frames:
            row = np.full(len(chars) + 1, 1e-6)
            for char, p in frame.items():
                row[self.index[char]] = p
            blank = np.full(len(chars) + 1, 1e-6)
            blank[BLANK] = 1.0
            rows += [row / row.sum(), blank / blank.sum()]  # a character, then a gap
        self.log_probs = np.log(np.array(rows))

    def greedy(self) -> str:
        reverse = {i: c for c, i in self.index.items()}
        return "".join(reverse[i] for i in best_path_labels(self.log_probs))

    def likelihood(self, text: str) -> float | None:
        if any(c not in self.index for c in text):
            return None
        return log_likelihood(self.log_probs, [self.index[c] for c in text])


def _title(garbled: dict[int, tuple[str, float]], truth: str = "江苏增值税普通发票") -> _Model:
    frames = []
    for i, char in enumerate(truth):
        if i in garbled:
            wrong, p_wrong = garbled[i]
            frames.append({wrong: p_wrong, char: 1 - p_wrong})
        else:
            frames.append({char: 0.98})
    return _Model(frames)


def test_a_title_garbled_under_the_stamp_is_the_type_the_model_finds_likeliest() -> None:
    # 值税普 under the stamp: the model's first guesses are wrong, its second are right.
    model = _title({3: ("信", 0.6), 4: ("批", 0.55), 5: ("参", 0.6)})
    reading = model.greedy()
    assert reading == "江苏增信批参通发票"
    assert read_invoice_type([Line(reading, 0.75, 0, 0, 100, 20)]) is None  # plain matching fails
    chosen = constrained_type(reading, 0.75, model.likelihood)
    assert chosen is not None
    name, confidence = chosen
    assert name == "增值税普通发票"
    assert 0.3 < confidence < 0.75  # chosen by elimination: less sure than a clean reading


def test_no_type_is_chosen_when_the_distinguishing_characters_are_a_toss_up() -> None:
    # 普通 vs 专用 both equally (un)likely: refuse rather than guess.
    frames = [{c: 0.98} for c in "增值税"]
    frames += [{"普": 0.5, "专": 0.5}, {"通": 0.5, "用": 0.5}]
    frames += [{c: 0.98} for c in "发票"]
    model = _Model(frames)
    assert constrained_type(model.greedy(), 0.8, model.likelihood) is None


@pytest.mark.parametrize(
    "title",
    [
        "江苏通用机打发票",  # far from every known type
        "江苏增值税普通收据",  # near one known type, but clearly read as something else
    ],
)
def test_a_title_of_a_kind_not_in_the_list_is_not_forced_onto_the_nearest(title: str) -> None:
    model = _Model([{c: 0.98} for c in title])
    assert constrained_type(model.greedy(), 0.9, model.likelihood) is None


# -- where the title is -----------------------------------------------------------------------


def _line(text: str, x0: float, y0: float, x1: float, y1: float, index: int = -1) -> Line:
    return Line(text, 0.9, x0, y0, x1, y1, index=index)


def test_the_title_band_reaches_down_to_the_number_mark_of_an_invoice_inside_a_screenshot() -> None:
    lines = [
        _line("Postman", 0, 0, 100, 20),  # the app around the invoice
        _line("江苏地", 350, 350, 400, 370),
        _line("发票", 450, 350, 500, 370),
        _line("No02995607", 520, 355, 630, 380),
        _line("名称：某公司", 200, 420, 400, 440),
        _line("收款人：张三", 200, 900, 300, 920),
    ]
    assert title_band(lines) == 380  # not the top 40 % of the page (360)
    assert [f.text for f in title_fragments(lines)] == ["江苏地", "发票"]


def test_the_title_band_stops_at_the_code_and_number_beside_the_title() -> None:
    seed = np.array([[100, 50], [140, 50], [140, 70], [100, 70]], dtype=np.float32)
    code = np.array([[0, 52], [60, 52], [60, 72], [0, 72]], dtype=np.float32)
    number = np.array([[200, 50], [300, 50], [300, 70], [200, 70]], dtype=np.float32)
    band = widen_along_row(seed, [seed], [code, number], reach=(3.0, 7.0))
    xs = band[:, 0]
    assert xs.min() == pytest.approx(60)  # would be 40 (3 heights) without the code there
    assert xs.max() == pytest.approx(200)  # would be 280 (7 heights) without the number
    assert band[:, 1].min() < 50 and band[:, 1].max() > 70
