"""The request types the firm offers now, given to the parser by its caller.

The NLU keeps no list of business types of its own: the firm's service catalogue (in the
database, edited by admins) is the one source of truth, and the bot hands its active part to
the parser at start and whenever it changes (`EmbeddedParser.set_vocabulary`,
`RasaParser.set_vocabulary`). The training data's synonyms still map colloquial words
("办照", "代账") onto canonical values; a value counts as a `request_type` only while the
vocabulary holds it, so a type the firm stopped offering is no longer read from a message.

Besides the types themselves the vocabulary may carry aliases (a catalogue item's own name,
"公司注册" for 营业执照), and both are matched in the text as they are, longest first: a type
added to the catalogue a minute ago is understood at once, by either backend, although no model
was ever trained on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nlu.textnorm import normalise

# A name shorter than this is too likely to be part of another word to be matched on its own.
MIN_TERM_CHARS = 2


def _key(text: str) -> str:
    return normalise(text).strip()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Canonical request types and the aliases that mean them (normalised name -> type)."""

    request_types: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    # normalised term -> canonical type
    _terms: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, request_types: Iterable[str], aliases: Mapping[str, str] | None = None
    ) -> Vocabulary:
        """A vocabulary of these types; aliases naming a type not among them are dropped."""
        types = frozenset(t.strip() for t in request_types if t and t.strip())
        kept = {
            _key(name): kind
            for name, kind in (aliases or {}).items()
            if kind in types and _key(name)
        }
        terms = {_key(t): t for t in types if _key(t)}
        for name, kind in kept.items():
            terms.setdefault(name, kind)
        words = sorted((t for t in terms if len(t) >= MIN_TERM_CHARS), key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, words))) if words else None
        return cls(types, kept, pattern, terms)

    def __bool__(self) -> bool:
        return bool(self.request_types)

    def canonical(self, value: str) -> str | None:
        """The request type `value` names (a type or an alias), or None."""
        if value in self.request_types:
            return value
        return self._terms.get(_key(value))

    def spans(self, clean: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of every type or alias in the normalised text, leftmost-longest
        and non-overlapping."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._terms[m.group()]) for m in self._pattern.finditer(clean)]


EMPTY = Vocabulary.of(())
