"""Build `nlu/pinyin_words.txt`, the table `nlu.pinyin` reads pinyin-typed chat with.

Each line is `syllables<TAB>word<TAB>weight`: the toneless pinyin of a word ("zhu xiao"), the
word (注销) and how strongly it is preferred among words with the same syllables. Words come
from the training data (segmented the way the classifier segments it, weighted far above the
rest: they are this trade's words) and from the small jieba dictionary (its frequencies), and
every syllable gets its commonest character so that any pinyin can be read. pypinyin (a dev
dependency) gives the readings; the service only reads the file. Regenerate after a large data
change: `make nlu-pinyin` (or `python -m nlu.pinyin_table`).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from nlu.classifier import SMALL_DICT, make_tokenizer
from nlu.textnorm import normalise
from nlu.training_data import load_dir

TABLE = Path(__file__).parent / "pinyin_words.txt"
MAX_WORD_CHARS = 4
# A training-data word outranks any dictionary word read the same way.
DATA_WEIGHT = 10_000_000
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def _key(word: str) -> str | None:
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return " ".join(s.replace("ü", "v") for s in syllables)


def build(out: Path = TABLE) -> int:
    weights: Counter[str] = Counter()
    for line in SMALL_DICT.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        word = parts[0] if len(parts) >= 2 and parts[1].isdigit() else ""
        if _HAN.match(word) and len(word) <= MAX_WORD_CHARS:
            weights[word] += int(parts[1])
    data = load_dir()
    # The domain words the classifier's tokenizer knows (nlu.embedded), whole words here too.
    domain = [w for values in data.lookups.values() for w in values]
    domain += [w for values in data.synonyms.values() for w in values] + list(data.synonyms)
    tokenizer = make_tokenizer(domain)
    for word in domain:
        if _HAN.match(word) and len(word) <= MAX_WORD_CHARS:
            weights[word] += DATA_WEIGHT
    for example in data.examples:
        for block in re.findall(r"[\u4e00-\u9fff]+", normalise(example.text)):
            for word in tokenizer.lcut(block, HMM=False):
                if len(word) <= MAX_WORD_CHARS:
                    weights[word] += DATA_WEIGHT
                for char in word:  # every character of the data is readable alone too
                    weights[char] += DATA_WEIGHT // 10
    best: dict[str, tuple[int, str]] = {}
    for word, weight in weights.items():
        key = _key(word)
        if key is None:
            continue
        if key not in best or (weight, word) > best[key]:
            best[key] = (weight, word)
    rows = sorted(f"{key}\t{word}\t{weight}" for key, (weight, word) in best.items())
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    count = build(Path(sys.argv[1]) if len(sys.argv) > 1 else TABLE)
    print(f"{count} pinyin keys written to {TABLE}")
