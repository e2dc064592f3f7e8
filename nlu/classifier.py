"""Intent classifier: logistic regression over character n-grams and jieba words.

Trained with scikit-learn at start-up from the Rasa data. Training runs in a short-lived child
process (`python -m nlu.train_worker`, not a fork: the bot may already run an event loop), so scipy and scikit-learn,
about 100 MB resident, never enter the bot's process; only the learned vocabulary, idf weights and
coefficients come back. A message is then scored with a handful of dictionary look-ups and one
small matrix product in numpy, well under a millisecond. If a child process cannot be started,
training falls back to running in-process.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np

from nlu.english import gloss
from nlu.pinyin import read_pinyin

log = logging.getLogger(__name__)

SMALL_DICT = Path(__file__).parent / "jieba_dict.txt"

_DIGITS = re.compile(r"\d+")
CUT_CACHE_SIZE = 50_000
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[,.!?;:~'\"()\[\]{}<>，。！？；：、…～“”‘’（）【】《》·—-]+")

# jieba logs its dictionary loading at INFO on first use; that is noise for the bot's log.
jieba.setLogLevel(60)


def make_tokenizer(words: Iterable[str] = ()) -> jieba.Tokenizer:
    """A private jieba tokenizer (the global one is shared state) knowing the domain words."""
    tokenizer = jieba.Tokenizer(dictionary=str(SMALL_DICT) if SMALL_DICT.is_file() else None)
    tokenizer.initialize()
    for word in words:
        if len(word) > 1:
            tokenizer.add_word(word, freq=20000)
    return tokenizer


# A character, a space, a character: how a one-finger typist (or a voice app reading slowly)
# spaces out every character ("可 以 发 语 音 吗"). Such a text is read joined up; a space
# between some characters only ("油票 拍了") is a phrase boundary and stays (joining every
# such space was tried and was worse: nlu/EVAL.md).
_SPACED_PAIR = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
_JOINED_PAIR = re.compile(r"[\u4e00-\u9fff](?=[\u4e00-\u9fff])")
SPACED_OUT_SHARE = 0.8
SPACED_OUT_MIN_PAIRS = 3


def join_spaced_out(text: str) -> str:
    """`text` without the spaces between its Chinese characters when nearly every pair of
    neighbouring characters is spaced out; otherwise `text` as it is."""
    spaced = len(_SPACED_PAIR.findall(text))
    if spaced < SPACED_OUT_MIN_PAIRS:
        return text
    joined = len(_JOINED_PAIR.findall(text))
    if spaced < SPACED_OUT_SHARE * (spaced + joined):
        return text
    return _SPACED_PAIR.sub("", text)


# The features of a text that is empty once read: "^", "$", "^$".
_EDGES_ONLY = ("^", "$", "^$")


class FeatureExtractor:
    """Text -> bag of features: char 1-3 grams (with edges) and jieba words."""

    def __init__(self, tokenizer: jieba.Tokenizer) -> None:
        self._tokenizer = tokenizer
        # Chat text is short and repetitive at the level of phrases ("你好", "营业执照", "办到哪了"),
        # so the word segmentation of each run of Chinese characters is cached. jieba splits the
        # text into the same runs itself, so the words are exactly what one `lcut` would give.
        self._cut_block = functools.lru_cache(maxsize=CUT_CACHE_SIZE)(self._cut_uncached)

    def _cut_uncached(self, block: str) -> tuple[str, ...]:
        return tuple(self._tokenizer.lcut(block, HMM=False))

    def __call__(self, text: str) -> list[str]:
        text = _PUNCT.sub(" ", _DIGITS.sub("0", gloss(read_pinyin(join_spaced_out(text)))))
        text = _SPACES.sub(" ", text).strip()
        features: list[str] = []
        padded = f"^{text}$"
        for n in (1, 2, 3):
            features.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        for block in jieba.re_han_default.split(text):
            if block:
                features.extend("w:" + word for word in self._cut_block(block) if word.strip())
        return features


# Inverse regularisation strength of the logistic regression, by 5-fold cross-validation on the
# training data (bench/nlu_cv.py): 100 since the 2026-11-30 data (was 50).
C = 100.0


@dataclass(frozen=True)
class TrainingJob:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    words: tuple[str, ...]
    c: float


@dataclass(frozen=True)
class ModelArrays:
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    labels: tuple[str, ...]


def fit(job: TrainingJob) -> ModelArrays:
    """Fit tf-idf + logistic regression; runs in the training child process."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=FeatureExtractor(make_tokenizer(job.words)), sublinear_tf=True
    )
    matrix = vectorizer.fit_transform(job.texts)
    # saga reaches the same optimum as newton-cg here (same held-out predictions) in a fifth of
    # the time; lbfgs is ten times slower. Fixed random_state: the same data gives the same model.
    model = LogisticRegression(C=job.c, solver="saga", tol=1e-3, max_iter=1000, random_state=0)
    model.fit(matrix, list(job.labels))
    return ModelArrays(
        {str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        np.asarray(vectorizer.idf_, dtype=np.float64),
        np.asarray(model.coef_, dtype=np.float64),
        np.asarray(model.intercept_, dtype=np.float64),
        tuple(str(label) for label in model.classes_),
    )


class TrainingChild:
    """`python -m nlu.train_worker`, started before the training texts are ready.

    The child's imports (numpy, jieba, scikit-learn: about a second) overlap with the parent's
    preparation; the job then goes in pickled on stdin and the arrays come back on stdout.
    """

    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "nlu.train_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        # We write and close stdin ourselves; `communicate` must only collect the output.
        self._stdin, self._process.stdin = self._process.stdin, None

    def send(self, job: TrainingJob) -> None:
        assert self._stdin is not None
        try:
            self._stdin.write(pickle.dumps(job))
            self._stdin.close()
        except BrokenPipeError:
            pass  # the child died; `result` reports why

    def result(self, timeout: float = 120.0) -> ModelArrays:
        try:
            out, err = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        if self._process.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise subprocess.SubprocessError(f"exit {self._process.returncode}: {' '.join(tail)}")
        arrays = pickle.loads(out)  # our own child's output, not user input
        if not isinstance(arrays, ModelArrays):
            raise subprocess.SubprocessError("training child returned something else")
        return arrays

    def kill(self) -> None:
        if self._stdin is not None and not self._stdin.closed:
            self._stdin.close()
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


class IntentClassifier:
    """Ranks intents for a (cleaned, entity-masked) text."""

    def __init__(
        self,
        features: FeatureExtractor,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        labels: Sequence[str],
    ) -> None:
        self._features = features
        self._vocabulary = vocabulary
        self._idf = idf.astype(np.float64)
        self._coef_t = np.ascontiguousarray(coef.T, dtype=np.float64)  # (features, classes)
        self._intercept = intercept.astype(np.float64)
        self.labels = tuple(labels)

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        words: Sequence[str] = (),
        c: float | None = None,
        *,
        child: TrainingChild | None = None,
    ) -> IntentClassifier:
        """Fit on `texts`, in `child` if given (else in this process); `words` are domain words
        for the tokenizer, the same in the child and here."""
        job = TrainingJob(tuple(texts), tuple(labels), tuple(words), C if c is None else c)
        arrays: ModelArrays | None = None
        tokenizer: jieba.Tokenizer | None = None
        if child is not None:
            try:
                child.send(job)
                tokenizer = make_tokenizer(words)  # while the child fits
                arrays = child.result()
            except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as exc:
                log.warning("NLU training subprocess failed (%s); training in-process", exc)
                child.kill()
        if arrays is None:
            arrays = fit(job)
        return cls.from_arrays(arrays, words, tokenizer)

    @classmethod
    def from_arrays(
        cls,
        arrays: ModelArrays,
        words: Sequence[str] = (),
        tokenizer: jieba.Tokenizer | None = None,
    ) -> IntentClassifier:
        """A classifier from learned arrays (just trained, or from `nlu.model_cache`); `words`
        are the domain words the tokenizer was trained with."""
        return cls(
            FeatureExtractor(tokenizer or make_tokenizer(words)),
            arrays.vocabulary,
            arrays.idf,
            arrays.coef,
            arrays.intercept,
            arrays.labels,
        )

    @property
    def arrays(self) -> ModelArrays:
        """What was learned, as `fit` returned it (for `nlu.model_cache`)."""
        return ModelArrays(
            self._vocabulary, self._idf, self._coef_t.T, self._intercept, self.labels
        )

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Intents with probabilities, best first; empty if the text has no known feature or
        nothing but its edges (an English word read as nothing: "there" alone)."""
        features = self._features(text)
        counts = Counter(
            index for feature in features if (index := self._vocabulary.get(feature)) is not None
        )
        if not counts or len(features) <= len(_EDGES_ONLY):
            return []
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        weights = tf * self._idf[indices]
        weights /= np.sqrt(weights @ weights)
        scores = weights @ self._coef_t[indices] + self._intercept
        scores -= scores.max()
        probs = np.exp(scores)
        probs /= probs.sum()
        order = np.argsort(-probs)
        return [(self.labels[i], float(probs[i])) for i in order]
