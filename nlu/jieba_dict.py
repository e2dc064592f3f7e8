"""Build the small jieba dictionary the embedded backend segments with.

jieba's default dictionary (350 000 words) costs about 60 MB of resident memory; the 30 000 most
frequent words segment client chat just as well for intent features and cost a few MB. Run
`python -m nlu.jieba_dict` (or `make nlu-dict`) to regenerate `nlu/jieba_dict.txt`; domain
words come from the lookup and synonym sections and are added at start-up, not here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jieba

SMALL_DICT = Path(__file__).parent / "jieba_dict.txt"
SIZE = 30_000


def build(size: int = SIZE, out: Path = SMALL_DICT) -> int:
    source = Path(jieba.__file__).parent / "dict.txt"
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            rows.append((int(parts[1]), line))
    rows.sort(key=lambda row: -row[0])
    kept = sorted(line for _, line in rows[:size])
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return len(kept)


if __name__ == "__main__":
    print(f"{build()} words -> {SMALL_DICT}", file=sys.stderr)
