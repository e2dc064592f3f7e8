"""The shapes of one-time binding codes, and reading one a person typed.

A staff code binds someone to the firm's work (every client's requests, and for an admin the
whole firm), so it is long: 8 characters from an alphabet without the look-alikes 0/O, 1/I/L
(31 symbols, about 40 bits). It is read case-insensitively. A client contact's code stays six
digits, easy to read out over the phone; it lives shorter, and failed attempts are limited
(see `domain.binding_policy`), which is what keeps guessing hopeless for both.

A code's shape names its kind: six digits can only ever bind a contact, eight alphanumerics
only staff, so an old six-digit staff code is simply no longer a staff code.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from domain.identity import InviteKind

STAFF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0 O 1 I L
STAFF_CODE_LENGTH = 8
CONTACT_CODE_DIGITS = 6

# Separators people add when they copy or read a code out ("AB3K-9PQR", "123 456").
_SEPARATORS = re.compile(r"[\s\-_.·]+")
# Runs of letters and digits inside a longer sentence ("我的绑定码是 AB3K9PQR 哦").
_TOKENS = re.compile(r"[0-9A-Za-z]+")


def new_code(kind: InviteKind) -> str:
    """A fresh random code of the kind's shape; uniqueness is enforced by storage."""
    if kind is InviteKind.STAFF:
        return "".join(secrets.choice(STAFF_ALPHABET) for _ in range(STAFF_CODE_LENGTH))
    return f"{secrets.randbelow(10**CONTACT_CODE_DIGITS):0{CONTACT_CODE_DIGITS}d}"


def shape_of(code: str) -> InviteKind | None:
    """The kind a normalised code's shape names, or None when it has neither shape."""
    if len(code) == CONTACT_CODE_DIGITS and code.isascii() and code.isdigit():
        return InviteKind.CONTACT
    if len(code) == STAFF_CODE_LENGTH and all(ch in STAFF_ALPHABET for ch in code):
        return InviteKind.STAFF
    return None


def read_code(raw: str) -> tuple[str, InviteKind] | None:
    """The code in what someone typed, normalised (full-width folded, separators dropped,
    upper case), with the kind its shape names; None when there is no well-formed code.

    The whole text is tried first, then each run of letters and digits in it (with and
    without the separators), so "绑定码：ab3k-9pqr" and "我的码是 123 456" both work.
    """
    text = unicodedata.normalize("NFKC", raw)
    joined = _SEPARATORS.sub("", text)
    candidates = [joined, *_TOKENS.findall(joined), *_TOKENS.findall(text)]
    for candidate in candidates:
        code = candidate.upper()
        kind = shape_of(code)
        if kind is not None:
            return code, kind
    return None
