"""Business errors: a code naming the refusal and the facts behind it, never wording.

The chat words an error in Chinese with an example of what to type (`handlers.error_texts`);
the command line prints its code; an admin panel will word it its own way. So a service raises
`NotFound("request_not_found", number="R1024")`, and each edge decides what the person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class DomainError(Exception):
    """A request the business rules refuse; nothing was changed."""

    # The broad sort of refusal, for edges that only need that much (an HTTP status, say).
    category = "refused"

    def __init__(self, code: str, facts: Mapping[str, Any] | None = None, **more: Any) -> None:
        self.code = code
        self.facts: Mapping[str, Any] = MappingProxyType({**(facts or {}), **more})
        super().__init__(code, dict(self.facts))

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v!r}" for k, v in self.facts.items())
        return f"{self.code} ({details})" if details else self.code


class NotFound(DomainError):
    """There is no such thing, or none the actor may see (the two read the same)."""

    category = "not_found"


class Forbidden(DomainError):
    """The actor may not do this."""

    category = "forbidden"


class Conflict(DomainError):
    """The thing's state does not allow it (any more): claimed already, closed, ..."""

    category = "conflict"


class Invalid(DomainError):
    """What was given cannot be used: empty, malformed, out of range."""

    category = "invalid"
