"""Entity extraction from the data's `regex`, `lookup` and `synonym` sections, plus normalisers.

The same sections drive Rasa's RegexEntityExtractor and EntitySynonymMapper, so both backends
find the same spans; `normalise_value` then turns a span into the contract's canonical value
(a request type of the firm's catalogue, see `nlu.vocabulary`; rating "1".."5", amount in fen,
period "YYYY-MM"/"YYYY-Qn", task "R1024").
It is public because the Rasa client runs Rasa's raw values through it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from nlu import intents as names
from nlu.numerals import amount_to_fen, cn_to_int
from nlu.periods import normalise_period
from nlu.textnorm import normalise
from nlu.training_data import TrainingData
from nlu.types import Entity
from nlu.vocabulary import EMPTY, Vocabulary

# Longer texts are cut: nobody states a request in more than this, and parsing stays fast.
MAX_CHARS = 500

# On equal span length, the earlier entity in this order wins an overlap.
_PRIORITY = {
    name: rank
    for rank, name in enumerate(
        (
            names.TASK_REF,
            names.AMOUNT,
            names.PERIOD,
            names.RATING,
            names.REQUEST_TYPE,
            names.URGENCY,
            names.ASPECT,
            names.COMPANY,
        )
    )
}
_RATING_WORDS = {"好评": "5", "五星好评": "5", "满分": "5", "中评": "3", "差评": "1", "零分": "1"}
_NUMERAL = re.compile(r"[0-9零〇一二两三四五六七八九十百千]+")
# Words that end a company name's lead-in ("帮[我们]星辰科技有限公司..."): cut after the last one.
_COMPANY_LEAD = re.compile(
    r".*(?:我们|咱们|你们|他们|我家|我的|我司|那个|这个|那家|这家|通知|提醒|告诉|联系|催|"
    r"帮|给|替|把|为|是|的|了|在|查|问|办|让|跟|和|对|以|做|下)"
)


# Shorter than this after trimming is a word like "个体户" or "我的公司", not a name.
_MIN_COMPANY = 4


def _digits(raw: str) -> int | None:
    match = _NUMERAL.search(raw)
    return None if match is None else cn_to_int(match.group())


def normalise_value(
    entity: str,
    raw: str,
    synonyms: Mapping[str, str],
    today: date,
    vocabulary: Vocabulary = EMPTY,
) -> str | None:
    """Canonical value of one entity span, or None if the span is not a valid value. A
    `request_type` is valid only while `vocabulary` (the firm's catalogue) holds it: the span
    itself as a type or an item's name first, else the type its synonym maps to."""
    raw = normalise(raw).strip()
    if not raw:
        return None
    mapped = synonyms.get(raw)
    if entity == names.REQUEST_TYPE:
        found = vocabulary.canonical(raw)
        if found is None and mapped is not None:
            found = vocabulary.canonical(mapped)
        return found
    if entity == names.URGENCY:
        value = mapped or raw
        return value if value in (names.URGENT, names.NORMAL) else None
    if entity == names.ASPECT:
        value = mapped or raw
        return value if value in names.ASPECTS else None
    if entity == names.RATING:
        if mapped in {"1", "2", "3", "4", "5"}:
            return mapped
        if raw in _RATING_WORDS:
            return _RATING_WORDS[raw]
        stars = _digits(raw)
        return str(stars) if stars is not None and 1 <= stars <= 5 else None
    if entity == names.TASK_REF:
        number = _digits(raw)
        return None if number is None or number <= 0 else f"R{number}"
    if entity == names.AMOUNT:
        fen = amount_to_fen(raw)
        return None if fen is None or fen <= 0 else str(fen)
    if entity == names.PERIOD:
        return normalise_period(raw, today)
    if entity == names.COMPANY:
        return mapped or raw
    return mapped or raw


def trim_company(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a lead-in ("帮我们", "给") that a company regex swallowed at the start of its span."""
    span = text[start:end]
    lead = _COMPANY_LEAD.match(span)
    if lead:
        start += lead.end()
    return start, end


class EntityExtractor:
    """Finds entity spans with regexes and lookup tables, resolves overlaps, normalises values."""

    def __init__(self, data: TrainingData) -> None:
        self.synonyms: dict[str, str] = {}
        for canonical, spellings in data.synonyms.items():
            for spelling in spellings:
                self.synonyms[normalise(spelling).strip()] = canonical
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for entity, patterns in data.regexes.items():
            for pattern in patterns:
                self._patterns.append((entity, re.compile(pattern)))
        for entity, values in data.lookups.items():
            words = sorted(
                {normalise(v).strip() for v in values if v.strip()}, key=len, reverse=True
            )
            if words:
                self._patterns.append((entity, re.compile("|".join(map(re.escape, words)))))

    def extract(self, text: str, today: date, vocabulary: Vocabulary = EMPTY) -> tuple[Entity, ...]:
        """All entities in `text`, non-overlapping, in text order; relative periods resolved
        against `today` (the message's date). The vocabulary's names are
        candidates for `request_type` beside the data's lookup words (the longest span wins),
        so a type or item new to the catalogue is found although no data mentions it."""
        clean = normalise(text[:MAX_CHARS])
        candidates: list[tuple[int, int, str]] = []
        for entity, pattern in self._patterns:
            for match in pattern.finditer(clean):
                if match.end() > match.start():
                    candidates.append((match.start(), match.end(), entity))
        for start, end, _kind in vocabulary.spans(clean):
            candidates.append((start, end, names.REQUEST_TYPE))
        candidates.sort(key=lambda c: (-(c[1] - c[0]), _PRIORITY.get(c[2], 99), c[0]))
        taken = bytearray(len(clean))
        found: list[Entity] = []
        for start, end, entity in candidates:
            if entity == names.COMPANY:
                start, end = trim_company(clean, start, end)
                if end - start < _MIN_COMPANY:
                    continue
            if any(taken[start:end]):
                continue
            value = normalise_value(entity, clean[start:end], self.synonyms, today, vocabulary)
            if value is None:
                continue
            taken[start:end] = b"\x01" * (end - start)
            found.append(Entity(entity, value, start, end))
        found.sort(key=lambda e: e.start)
        return tuple(found)
