"""The training and held-out data: the product contract, size, and honesty of the split."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from domain.catalogue import SEED_REQUEST_TYPES
from nlu import intents as names
from nlu.training_data import (
    DATA_DIR,
    HELD_OUT_FILE,
    HELD_OUT_FILES,
    load_dir,
    load_files,
    parse_example,
)

TRAIN = load_dir()
TRAIN_SYNONYMS = {
    spelling: target for target, words in TRAIN.synonyms.items() for spelling in words
}
TEST = load_files([HELD_OUT_FILE])
ALL_TESTS = load_files(HELD_OUT_FILES)


def _squash(text: str) -> str:
    return re.sub(r"[\s，。！？,.!?~～…]+", "", text).lower()


def test_every_contract_intent_has_at_least_40_training_examples() -> None:
    counts = Counter(ex.intent for ex in TRAIN.examples)
    assert set(counts) == set(names.ALL_INTENTS)
    assert min(counts.values()) >= 40, counts


def test_training_examples_are_unique() -> None:
    counts = Counter(_squash(ex.text) for ex in TRAIN.examples)
    assert [text for text, n in counts.items() if n > 1] == []


def test_held_out_files_are_outside_the_training_directory() -> None:
    trained = {p.resolve() for p in DATA_DIR.glob("*.yml")}
    for path in HELD_OUT_FILES:
        assert path.is_file()
        assert path.resolve() not in trained


def test_no_held_out_text_appears_in_training_data() -> None:
    train = {_squash(ex.text) for ex in TRAIN.examples}
    leaked = [ex.text for ex in ALL_TESTS.examples if _squash(ex.text) in train]
    assert leaked == []


def test_the_two_held_out_files_do_not_share_texts() -> None:
    first = {_squash(ex.text) for ex in TEST.examples}
    second = load_files(HELD_OUT_FILES[1:]).examples
    assert [ex.text for ex in second if _squash(ex.text) in first] == []


def test_held_out_file_covers_every_intent() -> None:
    counts = Counter(ex.intent for ex in TEST.examples)
    assert set(counts) == set(names.ALL_INTENTS)
    assert min(counts.values()) >= 10


def test_data_has_regex_lookup_and_synonym_sections() -> None:
    assert {"task_ref", "amount", "period", "rating", "company"} <= set(TRAIN.regexes)
    assert {"request_type", "urgency", "aspect"} <= set(TRAIN.lookups)
    for patterns in TRAIN.regexes.values():
        for pattern in patterns:
            re.compile(pattern)


def test_request_type_synonyms_map_onto_request_types_of_the_seed_catalogue() -> None:
    """The NLU keeps no list of request types (the catalogue in the database is the one
    source of truth); what the data's synonyms map colloquial words onto must still be types
    a new firm's catalogue offers, or the synonym can never be read."""
    request_synonyms = {
        target for target in TRAIN.synonyms if target not in {"urgent", "normal", "1", "3", "5"}
    }
    request_synonyms -= set(names.ASPECTS)
    assert request_synonyms, "no request_type synonyms found"
    assert request_synonyms - set(SEED_REQUEST_TYPES) == set()
    lookup_targets = {TRAIN_SYNONYMS.get(w, w) for w in TRAIN.lookups["request_type"]}
    assert lookup_targets - set(SEED_REQUEST_TYPES) == set(), "a lookup word maps onto no type"
    for required in ("营业执照", "工商变更", "注销", "税务登记", "发票申领", "代理记账"):
        assert required in SEED_REQUEST_TYPES


def test_the_nlu_package_keeps_no_list_of_request_types() -> None:
    assert not hasattr(names, "REQUEST_TYPES")


@pytest.mark.parametrize(
    ("raw", "text", "entities"),
    [
        ("办[执照](request_type)吧", "办执照吧", [("request_type", "执照", 1, 3)]),
        (
            '交[两千]{"entity": "amount", "value": "200000"}块',
            "交两千块",
            [("amount", "200000", 1, 3)],
        ),
        (
            "[R1](task_ref)和[#2](task_ref)",
            "R1和#2",
            [("task_ref", "R1", 0, 2), ("task_ref", "#2", 3, 5)],
        ),
    ],
)
def test_annotations_are_stripped_with_correct_spans(
    raw: str, text: str, entities: list[tuple[str, str, int, int]]
) -> None:
    example = parse_example(raw, "x")
    assert example.text == text
    assert [(e.entity, e.value, e.start, e.end) for e in example.entities] == entities


def test_annotated_spans_in_the_data_point_at_their_text() -> None:
    for example in TRAIN.examples + ALL_TESTS.examples:
        for ent in example.entities:
            assert 0 <= ent.start < ent.end <= len(example.text), example
