"""The embedded intent model on disk, so a restarted instance answers in moments.

Training takes one to two seconds of a start that is otherwise under one (a crashed instance
is down that long); the model is a few numpy arrays and a vocabulary, and the same data and
code give the same model, so it is cached under the settings' data directory
(`var/nlu-cache/`) and loaded on the next start.

The key is a SHA-256 of everything the model is a function of: the parsed training data
(examples, synonyms, regexes, lookups), the source files of the featuriser and of what shapes
the training texts (normalisation, entity masking), the jieba dictionary, C, the scikit-learn
version and `FORMAT`. Any change retrains once and replaces the file. The file is an `.npz`
(numpy arrays, the vocabulary as an array of strings) read with `allow_pickle=False`: loading
runs no code, whoever wrote the file. It is written to a temporary file and renamed into
place, so a crash mid-write or two instances starting together never leave half a model; its
stored key is checked on load, and anything unreadable or inconsistent is retrained over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from nlu.classifier import SMALL_DICT, ModelArrays
from nlu.training_data import TrainingData

log = logging.getLogger(__name__)

# Bump when the stored layout changes, or the model changes in a way the hashed sources miss.
FORMAT = 1
_PACKAGE = Path(__file__).parent
# The featuriser and fitting, and what turns an example into its training text.
FEATURE_SOURCES = (
    "classifier.py",
    "embedded.py",
    "entities.py",
    "textnorm.py",
    "english.py",
    "pinyin.py",
    "pinyin_words.txt",
    "greeting.py",
    "numerals.py",
    "periods.py",
    "training_data.py",
    "shortnames.py",
)
_PREFIX = "intent-model-"


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "absent"


def model_key(data: TrainingData, c: float) -> str:
    """The cache key of the model trained on `data` with inverse regularisation `c`."""
    digest = hashlib.sha256()
    content = {
        "format": FORMAT,
        "c": c,
        "sklearn": _sklearn_version(),
        "examples": [[ex.text, ex.intent] for ex in data.examples],
        "synonyms": data.synonyms,
        "regexes": data.regexes,
        "lookups": data.lookups,
    }
    digest.update(json.dumps(content, ensure_ascii=False, sort_keys=True).encode())
    for name in FEATURE_SOURCES:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes())
    if SMALL_DICT.is_file():
        digest.update(b"jieba_dict\0" + SMALL_DICT.read_bytes())
    return digest.hexdigest()


class ModelCache:
    """Trained intent models in `directory`, one file per key (only the latest is kept)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{_PREFIX}{key[:32]}.npz"

    def load(self, key: str) -> ModelArrays | None:
        """The model stored under `key`, or None (absent, unreadable, another key, damaged)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            # Opened here so that a file numpy refuses is still closed.
            with path.open("rb") as raw, np.load(raw, allow_pickle=False) as stored:
                if str(stored["key"]) != key:
                    log.warning("NLU model cache %s holds another key; retraining", path)
                    return None
                terms = stored["vocabulary"].tolist()
                arrays = ModelArrays(
                    {str(term): i for i, term in enumerate(terms)},
                    np.asarray(stored["idf"], dtype=np.float64),
                    np.asarray(stored["coef"], dtype=np.float64),
                    np.asarray(stored["intercept"], dtype=np.float64),
                    tuple(str(label) for label in stored["labels"].tolist()),
                )
        except (
            OSError,
            KeyError,
            ValueError,
            TypeError,
            AttributeError,
            zipfile.BadZipFile,
        ) as exc:
            log.warning("NLU model cache %s is unreadable (%r); retraining", path, exc)
            return None
        problem = _inconsistency(arrays)
        if problem is not None:
            log.warning("NLU model cache %s is damaged (%s); retraining", path, problem)
            return None
        return arrays

    def store(self, key: str, arrays: ModelArrays) -> Path:
        """Write atomically (temporary file, fsync, rename) and drop older models."""
        problem = _inconsistency(arrays)
        if problem is not None:
            raise ValueError(f"refusing to cache an inconsistent model: {problem}")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        terms = [""] * len(arrays.vocabulary)
        for term, index in arrays.vocabulary.items():
            terms[index] = term
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("wb") as out:
                np.savez(
                    out,
                    key=np.array(key),
                    vocabulary=np.array(terms, dtype=str),
                    idf=arrays.idf,
                    coef=arrays.coef,
                    intercept=arrays.intercept,
                    labels=np.array(arrays.labels, dtype=str),
                )
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        for old in self.directory.glob(f"{_PREFIX}*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
        return path


def _inconsistency(arrays: ModelArrays) -> str | None:
    n_terms, n_labels = len(arrays.vocabulary), len(arrays.labels)
    if sorted(arrays.vocabulary.values()) != list(range(n_terms)):
        return "vocabulary indices are not 0..n-1"
    if arrays.idf.shape != (n_terms,):
        return f"idf has shape {arrays.idf.shape} for {n_terms} terms"
    if arrays.coef.shape != (n_labels, n_terms):
        return f"coef has shape {arrays.coef.shape} for {n_labels} labels, {n_terms} terms"
    if arrays.intercept.shape != (n_labels,):
        return f"intercept has shape {arrays.intercept.shape} for {n_labels} labels"
    if not all(np.isfinite(a).all() for a in (arrays.idf, arrays.coef, arrays.intercept)):
        return "non-finite weights"
    return None
