"""Clients' short names ("鼎新注销…", "跟立方说一下…") read as "a company", whatever the name.

Staff write about clients by a two-character short name: 星辰核名过了, 海川的材料已递交,
跟禾丰说下费用到期了. The name is what tells a staff member's report from a client's question
(a client says 我们的, not 星辰的), but a classifier over characters only knows the names in its
training data: a new client's name is a pair of unknown characters, or worse, characters that
mean something else (明 of 明天, 云 of 云会计). So a short name in the place where staff put one
is masked like a full company name, on the training text and on the parsed text alike:

- the place: the start of the message, after at most one lead-in (跟, 给, 提醒, 通知, 催, 让 ...),
  and followed by 的, a space or punctuation, 那单/那家/那边/老板/说, or a service word (注销,
  开户, 年报 ...);
- the name: two Chinese characters, none of them a pronoun, particle or common verb, not a
  family member or platform (老公, 隔壁, 淘宝 ...), and either
  one of the short names the training data uses (`KNOWN`), or, when parsing, a pair the model
  has never seen (`unseen`). A pair the model knows ("工商", "银行", "社保") is a word, not a name.

Training sees only `KNOWN` masked (every pair of the training data is "seen" by definition), so
what the model learns about the mask after a short name carries over to names it never met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# The short names of the training data's imagined clients.
KNOWN = frozenset(
    ("星辰", "海川", "禾丰", "启明", "江南", "蓝鲸", "金桥", "恒达", "南山", "小鱼", "青禾")
)

# Characters no short name is made of here: pronouns, particles, negations, common verbs of the
# chat (a pair like 想升, 刚推, 你用, 办结 is the start of a sentence, not a client).
_NOT_IN_NAMES = frozenset(
    "我你您他她它们咱这那哪谁啥什么的地得了着过是在有没无不别也都就还又再才只吗呢吧啊呀哦嗯哈老"
    "想要能会可请刚先把被让叫给跟和与及对向从到去来用做办交开领报收发问说看查找帮催"
)
# Pairs a client says at that place about people and things of their own, which the model may
# never have seen: a family member, a neighbour, a platform.
_NOT_NAMES = frozenset(
    (
        "老公",
        "老婆",
        "爱人",
        "孩子",
        "儿子",
        "女儿",
        "爸爸",
        "妈妈",
        "父母",
        "亲戚",
        "朋友",
        "同学",
        "同事",
        "隔壁",
        "邻居",
        "房东",
        "员工",
        "家里",
        "小区",
        "物业",
        "淘宝",
        "京东",
        "抖音",
        "微信",
        "顺丰",
        "快递",
    )
)
_LEADS = (
    "帮我跟",
    "帮我给",
    "帮我催",
    "提醒一下",
    "通知一下",
    "催一下",
    "问一下",
    "告诉",
    "提醒",
    "通知",
    "问问",
    "跟",
    "给",
    "催",
    "让",
)
# What follows a short name (besides punctuation and a service word).
_AFTER = ("的", "那单", "那家", "这单", "这家", "家的", "那边", "老板", "说", "把", "尽快")


def _pattern(services: Iterable[str]) -> re.Pattern[str]:
    words = sorted({*_AFTER, *(s for s in services if s)}, key=len, reverse=True)
    leads = "|".join(map(re.escape, _LEADS))
    follow = "|".join(map(re.escape, words))
    return re.compile(rf"^\s*(?:{leads})?([\u4e00-\u9fff]{{2}})(?=[\s,，.。:：!！]|{follow})")


class ShortNames:
    """Masks a client's short name in the place staff write one (see the module docstring)."""

    def __init__(self, services: Iterable[str], mask: str) -> None:
        self._pattern = _pattern(services)
        self._mask = mask

    def find(self, text: str, unseen: Callable[[str], bool] | None = None) -> tuple[int, int]:
        """The span of the short name in `text`, or (0, 0)."""
        match = self._pattern.match(text)
        if match is None:
            return 0, 0
        name = match.group(1)
        if name in KNOWN or (
            unseen is not None
            and name not in _NOT_NAMES
            and not any(ch in _NOT_IN_NAMES for ch in name)
            and unseen(name)
        ):
            return match.start(1), match.end(1)
        return 0, 0

    def mask(self, text: str, unseen: Callable[[str], bool] | None = None) -> str:
        """`text` with its short name replaced by the mask character and one empty place (the
        length changes by one, as the entity masks' do)."""
        start, end = self.find(text, unseen)
        if start == end:
            return text
        return text[:start] + self._mask + text[end:]
