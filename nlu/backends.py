"""The factory the bot calls once at start-up: the parser for `NLU_BACKEND`.

`embedded` (default) trains an `EmbeddedParser` in-process from `nlu/data/*.yml` (or loads it
from its cache). `rasa` talks to a Rasa server (`nlu.rasa.RasaParser`) and keeps an embedded
parser as its fallback for when the server is down.
"""

from __future__ import annotations

from pathlib import Path

from nlu.embedded import EmbeddedParser
from nlu.training_data import DATA_DIR
from nlu.types import Parser
from nlu.vocabulary import EMPTY, Vocabulary


def build_parser(
    backend: str,
    rasa_url: str,
    *,
    data_dir: Path = DATA_DIR,
    timeout: float = 2.0,
    cache_dir: Path | None = None,
    vocabulary: Vocabulary = EMPTY,
) -> Parser:
    """The parser for `NLU_BACKEND` ("embedded" or "rasa"). Trains (unless the model for this
    data is cached in `cache_dir`), so call it once, in a thread if the event loop runs.
    `vocabulary`: the request types on offer (the caller's catalogue); both parsers take a new
    one with `set_vocabulary` while they run."""
    backend = (backend or "embedded").strip().lower()
    if backend not in ("embedded", "rasa"):
        raise ValueError(f"unknown NLU backend {backend!r}; use 'embedded' or 'rasa'")
    embedded = EmbeddedParser.train(data_dir, cache_dir=cache_dir, vocabulary=vocabulary)
    if backend == "embedded":
        return embedded
    from nlu.rasa import RasaParser

    return RasaParser(
        rasa_url,
        fallback=embedded,
        timeout=timeout,
        synonyms=embedded.synonyms,
        vocabulary=vocabulary,
    )
