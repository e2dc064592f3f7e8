"""Rasa backend: an aiohttp client of a Rasa server's `POST /model/parse`.

Maps Rasa's answer to the same `ParseResult` as the embedded backend: Rasa's intent, confidence
and ranking (its FallbackClassifier yields `nlu_fallback`), and its entity spans normalised with
`nlu.entities.normalise_value`. The server's model knows only the request types it was trained
on: the firm's live catalogue (`nlu.vocabulary`) is matched in the text as well, longest span
first, so an item added since the last training is read at once. When the server is unreachable, slow or answers nonsense, the
message is parsed by the fallback parser instead and the switch is logged (once per outage, and
again when Rasa is back), so the bot keeps answering.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

import aiohttp

from nlu import intents as names
from nlu.entities import MAX_CHARS, normalise_value, trim_company
from nlu.periods import today_shanghai
from nlu.readings import close_readings
from nlu.textnorm import fix_spelling, has_content, normalise
from nlu.types import Entity, Parser, ParseResult, fallback_result
from nlu.vocabulary import EMPTY, Vocabulary

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa could not give a usable answer (down, timed out, bad status or body)."""


class RasaParser:
    """`Parser` over HTTP to `rasa run --enable-api`, degrading to `fallback`."""

    def __init__(
        self,
        url: str,
        fallback: Parser,
        timeout: float = 2.0,
        *,
        synonyms: Mapping[str, str] | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """`vocabulary`: the request types on offer; None: the fallback parser's."""
        self.url = url.rstrip("/")
        self.fallback = fallback
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._synonyms: Mapping[str, str] = synonyms or {}
        self.vocabulary: Vocabulary = getattr(fallback, "vocabulary", None) or EMPTY
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
        self._session: aiohttp.ClientSession | None = None
        self._degraded = False

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """The request types on offer from now on; the fallback parser is told too."""
        self.vocabulary = vocabulary
        hand_on = getattr(self.fallback, "set_vocabulary", None)
        if hand_on is not None:
            hand_on(vocabulary)

    async def __aenter__(self) -> RasaParser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        today = today or today_shanghai()
        text = text if isinstance(text, str) else ("" if text is None else str(text))
        if not has_content(normalise(text[:MAX_CHARS])):
            return fallback_result(text)
        try:
            body = await self.parse_raw(fix_spelling(text[:MAX_CHARS]))
            result = self.to_result(text, body, today)
        except RasaUnavailable as exc:
            if not self._degraded:
                log.warning("Rasa at %s unavailable (%s); using the embedded parser", self.url, exc)
                self._degraded = True
            return await _parse_with(self.fallback, text, today)
        if self._degraded:
            log.info("Rasa at %s is back", self.url)
            self._degraded = False
        return result

    async def parse_raw(self, text: str) -> dict[str, Any]:
        """Rasa's JSON for `text`, or `RasaUnavailable`."""
        try:
            async with self._client().post(
                f"{self.url}/model/parse", json={"text": text}
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise RasaUnavailable("response is not a JSON object")
        return body

    def to_result(
        self, text: str, body: Mapping[str, Any], today: date | None = None
    ) -> ParseResult:
        """Map Rasa's `/model/parse` JSON to a `ParseResult` (periods against `today`)."""
        today = today or today_shanghai()
        intent = body.get("intent") or {}
        if not isinstance(intent, Mapping):
            raise RasaUnavailable("malformed intent")
        name = intent.get("name") or names.NLU_FALLBACK
        try:
            confidence = float(intent.get("confidence") or 0.0)
            ranking = tuple(
                (str(item["name"]), float(item["confidence"]))
                for item in body.get("intent_ranking") or ()
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RasaUnavailable(f"malformed ranking: {exc}") from exc
        ranking = ranking or ((str(name), confidence),)
        return ParseResult(
            text,
            str(name),
            confidence,
            self._entities(text, body.get("entities") or (), today),
            ranking,
            close_readings([r for r in ranking if r[0] != names.NLU_FALLBACK]),
        )

    def _entities(self, text: str, raw: Any, today: date) -> tuple[Entity, ...]:
        clean = normalise(text[:MAX_CHARS])
        candidates: list[tuple[int, int, str, str]] = []
        for item in raw if isinstance(raw, list) else ():
            try:
                entity = str(item["entity"])
                start, end = int(item["start"]), int(item["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if not 0 <= start < end <= len(clean):
                continue
            if entity == names.COMPANY:
                start, end = trim_company(clean, start, end)
            candidates.append((start, end, entity, str(item.get("value", ""))))
        vocabulary = self.vocabulary
        for start, end, kind in vocabulary.spans(clean):
            candidates.append((start, end, names.REQUEST_TYPE, kind))
        # Longest span first; Rasa may report the same span from two extractors.
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken = bytearray(len(clean))
        found = []
        for start, end, entity, rasa_value in candidates:
            if any(taken[start:end]):
                continue
            value = normalise_value(entity, clean[start:end], self._synonyms, today, vocabulary)
            if value is None and rasa_value:
                value = normalise_value(entity, rasa_value, self._synonyms, today, vocabulary)
            if value is None:
                continue
            taken[start:end] = b"\x01" * (end - start)
            found.append(Entity(entity, value, start, end))
        found.sort(key=lambda e: e.start)
        return tuple(found)

    async def status(self) -> bool:
        """True if the server answers `GET /status`."""
        try:
            async with self._client().get(f"{self.url}/status") as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False


async def _parse_with(parser: Parser, text: str, today: date) -> ParseResult:
    """The fallback parses with the same reference date."""
    return await parser.parse(text, today=today)


__all__ = ["RasaParser", "RasaUnavailable"]
