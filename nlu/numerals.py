"""Chinese and Arabic numerals, and money amounts to integer fen.

Colloquial forms matter more than formal ones: "两千五" is 2500, "一万五" is 15000, "3块5" is
3.50 yuan, "1.5万" is 15000. Money is returned as integer fen, never a float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_DECIMAL_WITH_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([十百千万亿]*)$")


def cn_to_int(text: str) -> int | None:
    """Parse an integer written in Chinese, Arabic or mixed numerals; None if it isn't one."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if all(ch in _DIGITS for ch in text) and len(text) > 1:
        # digit by digit, as in 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total = 0  # completed 万/亿 sections
    section = 0  # inside the current section
    number = 0  # pending digits
    last_unit = 0  # unit seen just before the pending digits (for 两千五 = 2500)
    pending_after_unit = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isascii() and ch.isdigit():
            j = i
            while j < len(text) and text[j].isascii() and text[j].isdigit():
                j += 1
            number = int(text[i:j])
            pending_after_unit = last_unit > 0 and j - i == 1
            i = j
            continue
        if ch in _DIGITS:
            number = _DIGITS[ch]
            pending_after_unit = last_unit > 0 and ch not in "零〇"
            if ch in "零〇":
                last_unit = 0
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            section += (number or 1) * unit
            number = 0
            last_unit = unit
            pending_after_unit = False
        elif ch in _BIG_UNITS:
            unit = _BIG_UNITS[ch]
            section += number
            if unit == 100_000_000:
                total = (total + section) * unit
            else:
                total += section * unit
            section = 0
            number = 0
            last_unit = unit
            pending_after_unit = False
        else:
            return None
        i += 1
    if number and pending_after_unit and last_unit >= 10:
        number *= last_unit // 10
    return total + section + number


def to_decimal(text: str) -> Decimal | None:
    """Like `cn_to_int`, but also "1.5万", "3.5"."""
    text = text.strip().replace(",", "")
    match = _DECIMAL_WITH_UNIT.match(text)
    if match:
        try:
            value = Decimal(match.group(1))
        except InvalidOperation:
            return None
        for unit in match.group(2):
            value *= _SMALL_UNITS.get(unit) or _BIG_UNITS[unit]
        return value
    whole = cn_to_int(text)
    return None if whole is None else Decimal(whole)


_AMOUNT = re.compile(
    r"^[¥￥]?\s*(?P<yuan>[^元块圆角毛分¥￥]+?)\s*(?:[元块圆]|rmb)钱?"
    r"(?:(?P<jiao>[\d零〇一二两三四五六七八九])[角毛]?)?钱?"
    r"(?:(?P<fen>[\d零一二三四五六七八九])分)?$"
)
_BARE = re.compile(r"^[¥￥]\s*(?P<yuan>[^元块圆角毛分¥￥]+)$")
_JIAO_ONLY = re.compile(r"^(?P<jiao>[\d一二两三四五六七八九])[角毛]钱?$")


def amount_to_fen(text: str) -> int | None:
    """ "3块5" -> 350, "两千元" -> 200000, "¥1,200" -> 120000, "5毛" -> 50; None if not money."""
    text = text.strip().lower()
    only_jiao = _JIAO_ONLY.match(text)
    if only_jiao:
        return (cn_to_int(only_jiao.group("jiao")) or 0) * 10
    match = _AMOUNT.match(text) or _BARE.match(text)
    if not match:
        return None
    yuan = to_decimal(match.group("yuan"))
    if yuan is None:
        return None
    fen = yuan * 100
    groups = match.groupdict()
    if groups.get("jiao"):
        fen += (cn_to_int(groups["jiao"]) or 0) * 10
    if groups.get("fen"):
        fen += cn_to_int(groups["fen"]) or 0
    return int(fen.to_integral_value())
