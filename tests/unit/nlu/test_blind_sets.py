"""The blind sets stay blind: outside the training directory, never a line of the training data
(compared after the parser's own folding: case, width, traditional characters, punctuation)."""

from __future__ import annotations

import re
from collections import Counter

from nlu import intents as names
from nlu.textnorm import normalise
from nlu.training_data import (
    BLIND_FILES,
    DATA_DIR,
    HELD_OUT_FILES,
    PROBE_FILES,
    load_dir,
    load_files,
)

TRAIN = load_dir()


def _squash(text: str) -> str:
    return re.sub(r"[\s，。！？,.!?~～…、：:；;“”\"'（）()]+", "", normalise(text))


def test_blind_files_exist_outside_the_training_directory() -> None:
    trained = {p.resolve() for p in DATA_DIR.glob("*.yml")}
    for path in BLIND_FILES:
        assert path.is_file()
        assert path.resolve() not in trained
        assert path.resolve() not in {p.resolve() for p in HELD_OUT_FILES}
    for path in PROBE_FILES:
        assert path.is_file() and path.resolve() not in trained


def test_no_blind_utterance_appears_in_the_training_data() -> None:
    train = {_squash(ex.text) for ex in TRAIN.examples}
    for path in (*BLIND_FILES, *PROBE_FILES):
        leaked = [ex.text for ex in load_files([path]).examples if _squash(ex.text) in train]
        assert leaked == [], path.name


def test_blind_sets_cover_every_intent_evenly() -> None:
    for path in BLIND_FILES:
        counts = Counter(ex.intent for ex in load_files([path]).examples)
        assert set(counts) == set(names.ALL_INTENTS), path.name
        # blind_c: 12 per intent; blind_t: 11 claim_task lines, blind_aa and _ab 10 of some
        # intents, once lines both writers wrote, lines equal to a training line and lines
        # repeating the writers' brief were taken out
        assert min(counts.values()) >= 10, path.name
