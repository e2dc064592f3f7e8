"""The embedded backend: an `EmbeddedParser` trained in-process from `nlu/data/*.yml`
(or loaded from its on-disk cache), with regex/lookup entities. `nlu.backends` picks it or the
Rasa client; `nlu.types.Parser` is what both offer. The request types it reads are the
caller's (`nlu.vocabulary`), swapped while it runs with `set_vocabulary`."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from nlu import intents as names
from nlu.classifier import C, IntentClassifier, TrainingChild
from nlu.entities import MAX_CHARS, EntityExtractor
from nlu.greeting import (
    MIN_REST_CONFIDENCE,
    NOT_A_REQUEST,
    is_address,
    is_introduction,
    split_greeting,
)
from nlu.model_cache import ModelCache, model_key
from nlu.periods import today_shanghai
from nlu.readings import close_readings
from nlu.shortnames import ShortNames
from nlu.textnorm import has_content, normalise
from nlu.training_data import DATA_DIR, TrainingData, load_dir
from nlu.types import Entity, ParseResult, fallback_result
from nlu.vocabulary import EMPTY, Vocabulary

log = logging.getLogger(__name__)

# Parses remembered (texts this short or shorter), least recently used dropped first.
MEMO_SIZE = 4096
MEMO_TEXT_CHARS = 64

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


def _mask(
    clean: str, entities: tuple[Entity, ...], stand_in: Callable[[str], str | None] | None = None
) -> str:
    """`clean` with the masked entities' spans replaced by their mask character, and (when
    `stand_in` is given) each request type it names a replacement for by that replacement."""
    chars = list(clean)
    for ent in entities:
        mask = _MASKS.get(ent.entity)
        if mask is None and stand_in is not None and ent.entity == names.REQUEST_TYPE:
            mask = stand_in(clean[ent.start : ent.end])
        if mask is not None:
            chars[ent.start : ent.end] = [mask] + [""] * (ent.end - ent.start - 1)
    return "".join(chars)


def _stand_in_word(data: TrainingData, synonyms: dict[str, str]) -> str:
    """The request type the training examples name most often: what a name the model never
    saw (a catalogue item added since) reads as for the classifier."""
    counts: dict[str, int] = {}
    for ex in data.examples:
        for ent in ex.entities:
            if ent.entity == names.REQUEST_TYPE:
                value = synonyms.get(normalise(ent.value).strip(), ent.value)
                counts[value] = counts.get(value, 0) + 1
    return max(sorted(counts), key=lambda v: counts[v]) if counts else ""


class EmbeddedParser:
    """In-process parser trained from Rasa-format data: sklearn intents, regex/lookup entities."""

    def __init__(
        self,
        data: TrainingData,
        threshold: float = FALLBACK_THRESHOLD,
        *,
        in_process: bool = False,
        cache_dir: Path | None = None,
        vocabulary: Vocabulary = EMPTY,
    ) -> None:
        """`cache_dir`: where the trained model is kept between starts (`nlu.model_cache`);
        a model cached there for this very data and code is loaded instead of trained.
        `vocabulary`: the request types on offer (none: no `request_type` is ever read); the
        model does not depend on it, so it may change at any time (`set_vocabulary`)."""
        started = time.perf_counter()
        self.threshold = threshold
        self._memo: OrderedDict[tuple[str, date], ParseResult] = OrderedDict()
        self._extractor = EntityExtractor(data)
        # Training sees the data's service words only, so the model (and its cache key) is the
        # same whatever the catalogue holds; parsing adds the catalogue's names.
        self._services = tuple(data.lookups.get(names.REQUEST_TYPE, ()))
        self._short_names = ShortNames(self._services, _MASKS[names.COMPANY])
        # The classifier learnt what the data's service words say about an intent ("我想办个
        # 营业执照" asks for work, "营业执照多少钱" for a price). A catalogue name it never saw
        # (跨境电商备案, added by an admin today) is read as the data's commonest type instead,
        # so "我想办个跨境电商备案" is a request like any other.
        self._seen_services = frozenset(
            normalise(w).strip()
            for w in (*self._services, *self._extractor.synonyms, *data.synonyms)
        )
        self._stand_in = _stand_in_word(data, self._extractor.synonyms)
        self.vocabulary = EMPTY
        self._unseen: Callable[[str], bool] | None = None  # none while training
        words = [w for values in data.lookups.values() for w in values]
        words += [w for values in data.synonyms.values() for w in values]
        words += list(data.synonyms)
        cache = ModelCache(cache_dir) if cache_dir is not None else None
        key = model_key(data, C) if cache is not None else ""
        cached = cache.load(key) if cache is not None else None
        self.from_cache = cached is not None
        if cached is not None:
            self._classifier = IntentClassifier.from_arrays(cached, words)
        else:
            self._classifier = self._train(data, words, in_process)
            if cache is not None:
                try:
                    cache.store(key, self._classifier.arrays)
                except OSError as exc:  # a read-only disk costs the next start, nothing more
                    log.warning("cannot cache the NLU model in %s: %r", cache.directory, exc)
        known = self._classifier.arrays.vocabulary
        self._unseen = lambda pair: pair not in known
        self.set_vocabulary(vocabulary)
        self.training_seconds = time.perf_counter() - started
        log.info(
            "embedded NLU %s on %d examples, %d intents in %.2f s",
            "loaded from its cache" if self.from_cache else "trained",
            len(data.examples),
            len(self._classifier.labels),
            self.training_seconds,
        )

    def _train(self, data: TrainingData, words: list[str], in_process: bool) -> IntentClassifier:
        child: TrainingChild | None = None
        if not in_process:
            try:
                child = TrainingChild()
            except OSError as exc:
                log.warning(
                    "cannot start the NLU training subprocess (%s); training in-process", exc
                )
        try:
            texts = [self._features_text(ex.text) for ex in data.examples]
            return IntentClassifier.train(
                texts, [ex.intent for ex in data.examples], words, child=child
            )
        except BaseException:
            if child is not None:
                child.kill()
            raise

    @classmethod
    def train(
        cls,
        data_dir: Path = DATA_DIR,
        threshold: float = FALLBACK_THRESHOLD,
        *,
        in_process: bool = False,
        cache_dir: Path | None = None,
        vocabulary: Vocabulary = EMPTY,
    ) -> EmbeddedParser:
        """Train from every `*.yml` in `data_dir` (or load the model cached in `cache_dir`)."""
        return cls(
            load_dir(data_dir),
            threshold,
            in_process=in_process,
            cache_dir=cache_dir,
            vocabulary=vocabulary,
        )

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """The request types on offer from now on (the catalogue changed). Parses remembered
        under the old ones are forgotten."""
        if vocabulary == self.vocabulary:
            return
        terms = [*vocabulary.request_types, *vocabulary.aliases]
        self._short_names = ShortNames((*self._services, *terms), _MASKS[names.COMPANY])
        self.vocabulary = vocabulary
        self._memo.clear()

    @property
    def synonyms(self) -> dict[str, str]:
        return self._extractor.synonyms

    @property
    def intents(self) -> tuple[str, ...]:
        return self._classifier.labels

    def extract_entities(self, text: str, today: date | None = None) -> tuple[Entity, ...]:
        """Entities alone, for filling form slots from a bare answer like "加急" or "5星"."""
        return self._extractor.extract(text or "", today or today_shanghai(), self.vocabulary)

    def _stand_in_for(self, span: str) -> str | None:
        """A word the model knows for a service name it never saw (None for a known one): its
        type when the data knows that ("代理记账(小规模)" reads as 代理记账), else the data's
        commonest type."""
        if span in self._seen_services:
            return None
        kind = self.vocabulary.canonical(span)
        if kind is not None and kind in self._seen_services:
            return kind
        return self._stand_in or None

    def _features_text(self, text: str, today: date | None = None) -> str:
        clipped = text[:MAX_CHARS]
        entities = self._extractor.extract(clipped, today or today_shanghai())
        masked = _mask(normalise(clipped), entities)
        return self._short_names.mask(masked, self._unseen)

    def parse_sync(self, text: str, today: date | None = None) -> ParseResult:
        """Parse without an event loop (CLI, evaluation, tests). `today` is the message's date
        in Asia/Shanghai (relative periods resolve against it); without one, today's."""
        text = text if isinstance(text, str) else ("" if text is None else str(text))
        clipped = text[:MAX_CHARS]
        clean = normalise(clipped)
        if not has_content(clean):
            return fallback_result(text)
        entities = self._extractor.extract(clipped, today or today_shanghai(), self.vocabulary)
        masked = self._short_names.mask(_mask(clean, entities, self._stand_in_for), self._unseen)
        ranking = self._classifier.rank(masked)
        rest = split_greeting(masked)
        if rest is not None and is_introduction(rest):
            ranking = [(names.GREET, 1.0)]  # a rule, not a guess (nlu.greeting)
        elif ranking and ranking[0][0] == names.GREET and rest is not None and not is_address(rest):
            ranking = self._request_after_greeting(rest) or ranking
        if not ranking:
            return ParseResult(
                text, names.NLU_FALLBACK, 0.0, entities, ((names.NLU_FALLBACK, 0.0),)
            )
        intent, confidence = ranking[0]
        if confidence < self.threshold:
            intent = names.NLU_FALLBACK
        return ParseResult(
            text,
            intent,
            confidence,
            entities,
            tuple(ranking[:RANKING_SIZE]),
            close_readings(ranking),
        )

    def _request_after_greeting(self, rest: str) -> list[tuple[str, float]] | None:
        """The ranking of what follows a leading greeting, when that is confidently something
        other than a greeting (nlu.greeting)."""
        ranking = self._classifier.rank(rest)
        if not ranking or ranking[0][0] in NOT_A_REQUEST or ranking[0][1] < MIN_REST_CONFIDENCE:
            return None
        return ranking

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        # Under a millisecond: cheaper inline than a hop to a thread. People say the same few
        # things over and over ("你好", "谢谢", "查一下进度"): a parse is remembered for the
        # day it was made on (relative dates depend on it), the result being immutable.
        if not isinstance(text, str) or len(text) > MEMO_TEXT_CHARS:
            return self.parse_sync(text, today)
        key = (text, today or today_shanghai())
        memo = self._memo
        hit = memo.get(key)
        if hit is not None:
            memo.move_to_end(key)
            return hit
        result = self.parse_sync(text, key[1])
        memo[key] = result
        if len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
        return result
