"""Amounts written in Chinese financial capitals (大写), as printed in 价税合计（大写）.

`parse_capital_amount("肆拾玖圆陆角整") == 4960` (fen). Tolerates the usual variants (元/圆,
两, 〇/零, the ⓧ mark printed before the amount) and returns None rather than guessing when the
text is not a well-formed amount.
"""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "壹": 1,
    "贰": 2,
    "貳": 2,
    "叁": 3,
    "參": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "陸": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
    "两": 2,
    # Ordinary numerals appear on hand-written or poorly printed forms.
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_YUAN = "元圆園"
_MISREAD = str.maketrans({"回": "圆", "园": "圆", "图": "圆", "円": "圆", "國": "圆"})
_ALLOWED = set(_DIGITS) | set(_SMALL_UNITS) | set(_BIG_UNITS) | set(_YUAN) | set("角分整正")


def _integer_part(text: str) -> int | None:
    total = 0  # completed 亿 groups
    section = 0  # completed 万 groups below the current 亿
    current = 0  # below 万
    digit: int | None = None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0 and digit != 0:
                return None  # two digits in a row without a unit: not an amount
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            current += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        elif ch in _BIG_UNITS:
            current += digit or 0
            digit = None
            if _BIG_UNITS[ch] == 100_000_000:
                total = (total + section + current) * 100_000_000
                section = 0
            else:
                section = (section + current) * 10_000
            current = 0
        else:
            return None
    return total + section + current + (digit or 0)


def parse_capital_amount(text: str) -> int | None:
    """Return the amount in fen, or None when `text` is not an amount in capitals."""
    # 圆 is the character OCR most often gets wrong in a small print amount.
    text = text.translate(_MISREAD)
    cleaned = "".join(ch for ch in text if ch in _ALLOWED)
    if not any(ch in _DIGITS or ch in _SMALL_UNITS for ch in cleaned):
        return None
    cleaned = cleaned.rstrip("整正")
    yuan_at = max(cleaned.rfind(y) for y in _YUAN)
    if yuan_at >= 0:
        integer_text, fraction_text = cleaned[:yuan_at], cleaned[yuan_at + 1 :]
    elif "角" in cleaned or "分" in cleaned:
        integer_text, fraction_text = "", cleaned
    else:
        return None
    yuan = _integer_part(integer_text) if integer_text else 0
    if yuan is None:
        return None
    jiao = fen = 0
    pending: int | None = None
    for ch in fraction_text:
        if ch in _DIGITS:
            pending = _DIGITS[ch]
        elif ch == "角" and pending is not None:
            jiao, pending = pending, None
        elif ch == "分" and pending is not None:
            fen, pending = pending, None
        elif ch in "整正":
            continue
        else:
            return None
    if pending not in (None, 0):
        return None
    return yuan * 100 + jiao * 10 + fen


def looks_like_capitals(text: str) -> bool:
    """True when `text` carries a capital amount (at least two capital digits and a unit)."""
    digits = sum(ch in "零壹贰叁肆伍陆柒捌玖" for ch in text)
    units = sum(ch in "拾佰仟万亿元圆角分整" for ch in text)
    return digits >= 1 and units >= 1 and digits + units >= 3
