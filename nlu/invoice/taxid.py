"""Taxpayer IDs as OCR reads them: 18-character unified social credit codes (统一社会信用代码)
and the older 15/17/20-character IDs.

The check character (GB 32100-2015) lets perception undo the classic OCR confusions (O/0, I/1,
Z/2, S/5, B/8) instead of passing a misread ID on. The business rule "this ID is valid" lives in
`domain.invoice_checks`; this is only a reading aid, so nlu stays free of domain imports.
"""

from __future__ import annotations

import itertools

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CONFUSIONS = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "V": "Y",
}


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in _ALPHABET for ch in code):
        return False
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(code[:17], _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31] == code[17]


def repair_tax_id(text: str) -> str:
    """Return `text`, or the single-confusion-fixed variant that passes the checksum."""
    text = text.upper()
    if len(text) != 18 or uscc_valid(text):
        return text
    suspects = [i for i, ch in enumerate(text) if ch in _CONFUSIONS or ch not in _ALPHABET]
    for count in (1, 2):
        for positions in itertools.combinations(suspects, count):
            chars = list(text)
            for i in positions:
                chars[i] = _CONFUSIONS.get(chars[i], chars[i])
            candidate = "".join(chars)
            if uscc_valid(candidate):
                return candidate
    return text
