"""A keyword NLU for tests of the plumbing (not of understanding): deterministic and instant."""

from __future__ import annotations

from datetime import date

from nlu.types import Entity, ParseResult

KEYWORDS: list[tuple[str, str]] = [
    ("取消", "cancel"),
    ("你好", "greet"),
    ("帮助", "help"),
    ("进度", "check_progress"),
    ("营业执照", "raise_request"),
    ("是的", "affirm"),
    ("不是", "deny"),
]


class KeywordNLU:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        self.calls.append(text)
        for word, intent in KEYWORDS:
            if word in text:
                ents: tuple[Entity, ...] = ()
                if word == "营业执照":
                    i = text.index(word)
                    ents = (Entity("request_type", "营业执照", i, i + len(word)),)
                return ParseResult(text, intent, 0.99, ents, ((intent, 0.99),))
        return ParseResult(text, "nlu_fallback", 0.2, (), (("nlu_fallback", 0.2),))
