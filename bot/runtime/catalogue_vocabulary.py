"""The NLU's request types, kept equal to the firm's service catalogue in the database.

The catalogue (admin-edited at /admin/catalogue, seeded from `domain/catalogue.json`) is the
one source of truth for the business types clients may ask for; the NLU imports no project
package, so it is handed them (`nlu.vocabulary.Vocabulary`: each active item's request type,
and the item's name as an alias for it). `CatalogueVocabulary` reads the active items at start
and then:

- at once when this process's panel saves a change (`refresh`, awaited before the panel
  answers, so the next chat message already sees it);
- every `POLL_S` seconds otherwise, which picks up a change made by another process (the
  command line, another worker). One small SELECT; parsing itself never waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.polling import PollingLoop
from domain.catalogue import DEFAULT_SERVICES
from domain.service_items import CatalogueItem, request_types_of
from nlu.vocabulary import Vocabulary
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

POLL_S = 5.0


def vocabulary_of(items: Iterable[CatalogueItem]) -> Vocabulary:
    """The active items' request types, with each item's name as an alias of its type."""
    active = [i for i in items if i.active]
    return Vocabulary.of(request_types_of(active), {i.name: i.request_type for i in active})


def seed_vocabulary() -> Vocabulary:
    """The seed catalogue's (a firm before any edit): for the command line's `nlu parse` and
    `nlu eval`, which run without the service's database, and for tests."""
    return Vocabulary.of(
        (str(s["request_type"]) for s in DEFAULT_SERVICES),
        {str(s["name"]): str(s["request_type"]) for s in DEFAULT_SERVICES},
    )


class _Pace:
    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self.stop_grace_s = 2.0


class CatalogueVocabulary:
    """Hands the firm's active catalogue to the parser, and again whenever it changes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        firm_id: int,
        parser: Any,
        *,
        poll_s: float = POLL_S,
    ) -> None:
        self._sessions = sessions
        self._firm_id = firm_id
        # Parsers without a vocabulary (a test's fake) are left alone.
        self._hand_to = getattr(parser, "set_vocabulary", None)
        self.current: Vocabulary | None = None
        pace = _Pace(poll_s)
        self._loop = PollingLoop("catalogue-vocabulary", self._round, lambda: pace)

    async def refresh(self) -> bool:
        """Read the catalogue now; True when the parser got a new vocabulary."""
        async with SqlUnitOfWork(self._sessions) as uow:
            items = await uow.catalogue.list_items(self._firm_id, active_only=True)
        fresh = vocabulary_of(items)
        if fresh == self.current:
            return False
        if self._hand_to is not None:
            self._hand_to(fresh)
        if self.current is not None:
            log.info(
                "service catalogue changed: the NLU now knows %d request types",
                len(fresh.request_types),
            )
        self.current = fresh
        return True

    async def _round(self) -> bool:
        await self.refresh()
        return False

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
