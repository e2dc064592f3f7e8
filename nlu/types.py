"""The result of understanding one message: what the bot's handlers code against.

Both backends (embedded and Rasa) return these, so a handler never knows which one ran.
Entity values are already normalised (canonical request type, rating "1".."5", amount in fen,
period "YYYY-MM" / "YYYY-Qn", ...); see `nlu.entities`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

from nlu import intents as names


@dataclass(frozen=True, slots=True)
class Entity:
    """One normalised entity; `start`/`end` index the original text (end exclusive)."""

    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Intent with its confidence, entities in text order, and the ranked intent scores."""

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default=())
    # Two readings too close to choose between (best first): ask, don't guess. Empty when the
    # intent is clear. `intent` stays the best reading (or `nlu_fallback`) either way.
    alternatives: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.alternatives) >= 2

    def entity(self, name: str) -> str | None:
        """The first value of entity `name`, or None."""
        for ent in self.entities:
            if ent.entity == name:
                return ent.value
        return None

    def entities_named(self, name: str) -> list[str]:
        """All values of entity `name`, in text order."""
        return [ent.value for ent in self.entities if ent.entity == name]

    def to_json(self) -> dict[str, object]:
        """The CLI's JSON-lines shape."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                for e in self.entities
            ],
        } | ({"alternatives": list(self.alternatives)} if self.alternatives else {})


@runtime_checkable
class Parser(Protocol):
    """What the bot needs from an NLU backend. `today` is the date of the message in
    Asia/Shanghai: relative periods ("上个月", "本季度") resolve against it. The bot always
    passes it; None (the command line, evaluation) means today's date."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult: ...


def fallback_result(text: str) -> ParseResult:
    """The answer for input with nothing to understand (empty, whitespace, emoji only)."""
    return ParseResult(text, names.NLU_FALLBACK, 0.0, (), ((names.NLU_FALLBACK, 0.0),))
