"""How ratings are said: the words people rate with ("好评", "4分", "四星") and how a rating
reads back ("服务态度5分、办理速度4分；很及时"). The chat uses these, and so does the outbox's
complaint renderer (a low rating's follow-up case)."""

from __future__ import annotations

_WORDS = {
    "好评": 5,
    "五星好评": 5,
    "满意": 5,
    "非常满意": 5,
    "中评": 3,
    "一般": 3,
    "差评": 1,
    "不满意": 1,
    "很差": 1,
}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def score_of(raw: str) -> int | None:
    """ "好评" -> 5, "中评" -> 3, "差评" -> 1, "4", "4分", "四星" -> 4; None otherwise."""
    text = raw.strip().rstrip("。！!~").strip()
    if text in _WORDS:
        return _WORDS[text]
    for suffix in ("分", "星", "颗星"):
        text = text.removesuffix(suffix)
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def rating_summary(attitude: int, speed: int, comment: str = "") -> str:
    """ "服务态度5分、办理速度4分", with the comment after a "；" when there is one."""
    text = f"服务态度{attitude}分、办理速度{speed}分"
    return f"{text}；{comment}" if comment else text
