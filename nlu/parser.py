"""The parser interface, the embedded backend, and the factory the bot calls once at start-up.

`NLU_BACKEND=embedded` (default) trains an `EmbeddedParser` in-process from `nlu/data/*.yml`.
`NLU_BACKEND=rasa` talks to a Rasa server (`nlu.rasa.RasaParser`) and keeps an embedded parser
as its fallback for when the server is down.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from nlu import intents as names
from nlu.classifier import IntentClassifier, TrainingChild
from nlu.entities import MAX_CHARS, EntityExtractor
from nlu.textnorm import has_content, normalise
from nlu.training_data import DATA_DIR, TrainingData, load_dir
from nlu.types import Entity, ParseResult

log = logging.getLogger(__name__)

# Below this top probability the result is `nlu_fallback` (chosen by cross-validation on the
# training data, see bench/nlu_cv.py; the held-out test file played no part).
FALLBACK_THRESHOLD = 0.3
RANKING_SIZE = 10

# Entity spans that say nothing about the intent beyond their kind are masked before
# classification, so "R1024" and "R7" or "800元" and "两千块" look alike to the classifier.
_MASKS = {
    names.TASK_REF: "\ue001",
    names.AMOUNT: "\ue002",
    names.PERIOD: "\ue003",
    names.COMPANY: "\ue004",
}


@runtime_checkable
class Parser(Protocol):
    """What the bot needs from an NLU backend."""

    async def parse(self, text: str) -> ParseResult: ...


def fallback_result(text: str) -> ParseResult:
    """The answer for input with nothing to understand (empty, whitespace, emoji only)."""
    return ParseResult(text, names.NLU_FALLBACK, 0.0, (), ((names.NLU_FALLBACK, 0.0),))


def _mask(clean: str, entities: tuple[Entity, ...]) -> str:
    chars = list(clean)
    for ent in entities:
        mask = _MASKS.get(ent.entity)
        if mask is not None:
            chars[ent.start : ent.end] = [mask] + [""] * (ent.end - ent.start - 1)
    return "".join(chars)


class EmbeddedParser:
    """In-process parser trained from Rasa-format data: sklearn intents, regex/lookup entities."""

    def __init__(
        self,
        data: TrainingData,
        threshold: float = FALLBACK_THRESHOLD,
        *,
        in_process: bool = False,
    ) -> None:
        started = time.perf_counter()
        child: TrainingChild | None = None
        if not in_process:
            try:
                child = TrainingChild()
            except OSError as exc:
                log.warning(
                    "cannot start the NLU training subprocess (%s); training in-process", exc
                )
        try:
            self.threshold = threshold
            self._extractor = EntityExtractor(data)
            words = [w for values in data.lookups.values() for w in values]
            words += [w for values in data.synonyms.values() for w in values]
            words += list(data.synonyms)
            texts = [self._features_text(ex.text) for ex in data.examples]
            self._classifier = IntentClassifier.train(
                texts, [ex.intent for ex in data.examples], words, child=child
            )
        except BaseException:
            if child is not None:
                child.kill()
            raise
        self.training_seconds = time.perf_counter() - started
        log.info(
            "embedded NLU trained on %d examples, %d intents in %.2f s",
            len(data.examples),
            len(self._classifier.labels),
            self.training_seconds,
        )

    @classmethod
    def train(
        cls,
        data_dir: Path = DATA_DIR,
        threshold: float = FALLBACK_THRESHOLD,
        *,
        in_process: bool = False,
    ) -> EmbeddedParser:
        """Train from every `*.yml` in `data_dir`."""
        return cls(load_dir(data_dir), threshold, in_process=in_process)

    @property
    def synonyms(self) -> dict[str, str]:
        return self._extractor.synonyms

    @property
    def intents(self) -> tuple[str, ...]:
        return self._classifier.labels

    def extract_entities(self, text: str, today: date | None = None) -> tuple[Entity, ...]:
        """Entities alone, for filling form slots from a bare answer like "加急" or "5星"."""
        return self._extractor.extract(text or "", today)

    def _features_text(self, text: str, today: date | None = None) -> str:
        clipped = text[:MAX_CHARS]
        return _mask(normalise(clipped), self._extractor.extract(clipped, today))

    def parse_sync(self, text: str, today: date | None = None) -> ParseResult:
        """Parse without an event loop (CLI, evaluation, tests)."""
        text = text if isinstance(text, str) else ("" if text is None else str(text))
        clipped = text[:MAX_CHARS]
        clean = normalise(clipped)
        if not has_content(clean):
            return fallback_result(text)
        entities = self._extractor.extract(clipped, today)
        ranking = self._classifier.rank(_mask(clean, entities))
        if not ranking:
            return ParseResult(
                text, names.NLU_FALLBACK, 0.0, entities, ((names.NLU_FALLBACK, 0.0),)
            )
        intent, confidence = ranking[0]
        if confidence < self.threshold:
            intent = names.NLU_FALLBACK
        return ParseResult(text, intent, confidence, entities, tuple(ranking[:RANKING_SIZE]))

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        # Under a millisecond: cheaper inline than a hop to a thread.
        return self.parse_sync(text, today)


def build_parser(
    backend: str,
    rasa_url: str,
    *,
    data_dir: Path = DATA_DIR,
    timeout: float = 2.0,
) -> Parser:
    """The parser for `NLU_BACKEND` ("embedded" or "rasa"). Trains, so call it once (in a thread
    if the event loop is already running)."""
    backend = (backend or "embedded").strip().lower()
    if backend not in ("embedded", "rasa"):
        raise ValueError(f"unknown NLU backend {backend!r}; use 'embedded' or 'rasa'")
    embedded = EmbeddedParser.train(data_dir)
    if backend == "embedded":
        return embedded
    from nlu.rasa import RasaParser

    return RasaParser(rasa_url, fallback=embedded, timeout=timeout, synonyms=embedded.synonyms)
