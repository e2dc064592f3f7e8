"""Chat typed in pinyin, read as characters: "wo xiang lian xi wo men de kuai ji" reads as
"我想联系我们的会计" to the intent classifier.

Some clients type pinyin without picking characters (an old phone, a young helper in a hurry,
"zaima", "fp dai kai hao le mei"). The training data is Chinese, so without help such a line has
no feature the model knows and drifts to out_of_scope: blind set J lost 28 of 294 lines that
way. `read_pinyin` finds runs of Latin tokens that are pinyin, splits them into syllables
(tokens may run syllables together: "zhuxiao") and replaces each run by the likeliest words:
a dynamic programme over the syllables, each word scored by its weight in
`nlu/pinyin_words.txt` (this trade's words first, then common Chinese; see nlu.pinyin_table).

Written here rather than taken from a library: the maintained pinyin libraries go from
characters to pinyin (pypinyin builds our table), and the pinyin-to-character ones are input
methods with general-language models that are unmaintained or large; for intent features a
word table of this trade is both smaller and better at its words.

A message is read only when at least half of its Latin words are pinyin ("need to deregister my
shenzhen company" stays English), and a run of pinyin tokens only when one of them is not also
an English word ("bang wo" is read, "a long day" is not). A few pinyin abbreviations clients
and staff use are expanded (zm 怎么, nh 你好, fp 发票, jd 接单, cf 催费 ...). Like
`nlu.english.gloss` this changes the text's length, so it runs inside the feature extractor,
after entities were found on the text as typed.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

TABLE = Path(__file__).parent / "pinyin_words.txt"

# Pinyin initials clients type for a few words (checked before syllables: "zm" is no syllable).
ABBREVIATIONS = {
    "zm": "怎么",
    "zmy": "怎么样",
    "sm": "什么",
    "nh": "你好",
    "fp": "发票",
    "xx": "谢谢",
    "xxn": "谢谢你",
    "bd": "不懂",
    "hd": "好的",
    "kj": "会计",
    "qb": "全部",
    "yyzz": "营业执照",
    # Staff shorthand for this trade's verbs and nouns. Initials that mean something else more
    # often in chat are left out: wc (an exclamation), cp (a couple), pm (afternoon), sb, nb.
    "jd": "接单",
    "qd": "抢单",
    "bj": "办结",
    "rw": "任务",
    "cf": "催费",
    "jf": "缴费",
    "xf": "续费",
    "qf": "欠费",
    "tx": "提醒",
    "hp": "好评",
    "ts": "投诉",
    "yj": "业绩",
    "tc": "提成",
    "wd": "我的",
    "kx": "看下",
    "bs": "报税",
    "zx": "注销",
    "jz": "记账",
    "kh": "客户",
}
# English words that are also pinyin syllables; alone they do not make a run pinyin.
_ENGLISH = frozenset(
    [
        "a",
        "an",
        "ban",
        "bang",
        "pan",
        "tan",
        "fan",
        "gang",
        "hang",
        "long",
        "men",
        "me",
        "he",
        "she",
        "die",
        "lie",
        "pie",
        "tie",
        "sun",
        "man",
        "can",
        "ran",
        "ten",
        "hen",
        "pen",
        "den",
        "zen",
        "yo",
        "ma",
        "pa",
        "la",
        "ta",
        "da",
        "ha",
        "ba",
        "bo",
        "go",
        "no",
        "ok",
        "er",
        "en",
        "ne",
        "ai",
        "ping",
        "pong",
        "tang",
        "ding",
        "dong",
        "sing",
        "song",
        "king",
        "wang",
        "mao",
        "you",
    ]
)
MAX_SYLLABLE = 6
MAX_WORD = 4
_TOKEN = re.compile(r"[a-z]+|[^a-z]+")
_LATIN_WORD = re.compile(r"[a-z]+")


@functools.cache
def _table() -> tuple[dict[tuple[str, ...], tuple[str, float]], frozenset[str]]:
    words: dict[tuple[str, ...], tuple[str, float]] = {}
    syllables: set[str] = set()
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        key, word, weight = line.split("\t")
        parts = tuple(key.split())
        words[parts] = (word, math.log(float(weight) + 1.0))
        if len(parts) == 1:
            syllables.add(parts[0])
    return words, frozenset(syllables)


@functools.lru_cache(maxsize=4096)
def syllables_of(token: str) -> tuple[str, ...] | None:
    """`token` split into pinyin syllables (fewest syllables wins: "xian" is one), or None."""
    _, known = _table()
    best: list[tuple[str, ...] | None] = [None] * (len(token) + 1)
    best[0] = ()
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and token[start:end] in known:
                candidate = (*head, token[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(token)]


def _words(syllables: tuple[str, ...]) -> str:
    """The likeliest characters for a syllable sequence: longest, heaviest words."""
    words, _ = _table()
    score: list[float] = [-math.inf] * (len(syllables) + 1)
    back: list[tuple[int, str]] = [(0, "")] * (len(syllables) + 1)
    score[0] = 0.0
    for end in range(1, len(syllables) + 1):
        for start in range(max(0, end - MAX_WORD), end):
            entry = words.get(syllables[start:end])
            if entry is None or score[start] == -math.inf:
                continue
            word, weight = entry
            # A word of n syllables earns n times its weight: one long word beats its pieces.
            value = score[start] + weight * (end - start) ** 1.5
            if value > score[end]:
                score[end], back[end] = value, (start, word)
    if score[-1] == -math.inf:
        return " ".join(syllables)
    out: list[str] = []
    end = len(syllables)
    while end > 0:
        start, word = back[end]
        out.append(word)
        end = start
    return "".join(reversed(out))


def _is_pinyin_run(tokens: list[tuple[str, tuple[str, ...]]]) -> bool:
    return any(token not in _ENGLISH for token, _ in tokens)


def _mostly_pinyin(text: str) -> bool:
    """At least half of the Latin words are pinyin: "need to deregister my shenzhen company"
    and "hi there, anyone around?" are English, whatever "shenzhen" and "anyone" split into."""
    words = [w for w in _LATIN_WORD.findall(text) if len(w) >= 2]
    pinyin = sum(w in ABBREVIATIONS or syllables_of(w) is not None for w in words)
    return pinyin * 2 >= len(words) > 0


@functools.lru_cache(maxsize=8192)
def read_pinyin(text: str) -> str:
    """`text` (lower case) with its pinyin runs in characters; everything else kept."""
    if not any("a" <= ch <= "z" for ch in text) or not _mostly_pinyin(text):
        return text
    out: list[str] = []
    run: list[tuple[str, tuple[str, ...]]] = []
    run_text: list[str] = []  # the run as typed, spaces included, if it is not pinyin after all
    pending = ""  # spaces after the run's last token: inside the run if another token follows

    def flush() -> None:
        nonlocal pending
        if run:
            if _is_pinyin_run(run):
                out.append(_words(tuple(s for _, parts in run for s in parts)))
            else:
                out.append("".join(run_text))
            run.clear()
            run_text.clear()
        out.append(pending)
        pending = ""

    for piece in _TOKEN.findall(text):
        parts = syllables_of(piece) if piece.isalpha() and piece.isascii() else None
        if piece in ABBREVIATIONS:
            flush()
            out.append(ABBREVIATIONS[piece])
        elif parts is not None:
            run_text.append(pending + piece if run else piece)
            if not run:
                out.append(pending)
            pending = ""
            run.append((piece, parts))
        elif run and piece.strip(" ") == "":
            pending = piece
        else:
            flush()
            out.append(piece)
    flush()
    return "".join(out)
