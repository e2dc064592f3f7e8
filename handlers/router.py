"""Routing a turn to its handler, aiogram-style: one `Router` per handler module, routers
included explicitly in order, first match wins. `handle_turn` applies the fixed order:
expired flow -> cancel -> tapped quick reply / menu click -> active form -> intent -> fallback.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from domain.errors import DomainError
from domain.identity import Role
from handlers import texts
from handlers.forms import FORMS, continue_form
from handlers.replies import Reply, Text
from handlers.turn import Turn

Handler = Callable[[Turn], Awaitable[list[Reply]]]

CANCEL_WORDS = frozenset({"取消", "算了", "不办了", "退出", "取消吧", "不要了", "cancel"})
CANCEL_INTENT = "cancel"
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Route:
    intents: frozenset[str]
    roles: frozenset[Role] | None  # None: anyone
    handler: Handler
    # Kept when the speaker's role doesn't fit: a polite refusal instead of a silent miss.
    refuse_text: str | None = None

    def matches_intent(self, intent: str) -> bool:
        return intent in self.intents


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[Route] = []
        self.event_routes: dict[str, Handler] = {}
        self.type_routes: dict[str, Handler] = {}
        self.pattern_routes: list[tuple[re.Pattern[str], Handler]] = []

    def intent(
        self, *intents: str, roles: Iterable[Role] | None = None, refuse: str | None = None
    ) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes.append(
                Route(frozenset(intents), frozenset(roles) if roles else None, fn, refuse)
            )
            return fn

        return deco

    def event(self, *events: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            for e in events:
                self.event_routes[e.lower()] = fn
            return fn

        return deco

    def message_type(self, *types: str) -> Callable[[Handler], Handler]:
        """Non-text messages (image, voice, ...) outside any flow."""

        def deco(fn: Handler) -> Handler:
            for t in types:
                self.type_routes[t] = fn
            return fn

        return deco

    def pattern(self, regex: str) -> Callable[[Handler], Handler]:
        """Typed commands recognised before NLU and before an active form ("绑定 123456").
        The match is available to the handler as `turn.arg` (group 1, or the whole text)."""

        def deco(fn: Handler) -> Handler:
            self.pattern_routes.append((re.compile(regex), fn))
            return fn

        return deco

    def include(self, *routers: Router) -> None:
        for r in routers:
            self.routes.extend(r.routes)
            self.pattern_routes.extend(r.pattern_routes)
            for k, v in r.event_routes.items():
                self.event_routes.setdefault(k, v)
            for k, v in r.type_routes.items():
                self.type_routes.setdefault(k, v)


@dataclass
class RootRouter:
    """The assembled router plus the two handlers every bot needs."""

    router: Router
    cancel: Handler
    fallback: Handler
    # Menu CLICK keys and quick-reply ids name an intent directly ("claim_task:R1024").
    known_intents: frozenset[str]

    async def handle(self, turn: Turn) -> list[Reply]:
        try:
            return await self._route(turn)
        except DomainError as exc:
            return [Text(exc.message_zh)]

    async def _route(self, turn: Turn) -> list[Reply]:
        msg, conv = turn.message, turn.conversation
        expired_notice: list[Reply] = []
        if conv.expired(turn.now, turn.idle_limit()):
            conv.clear()
            expired_notice = [Text(texts.FLOW_EXPIRED)]

        if msg.is_event:
            if msg.event == "click":
                return expired_notice + await self._by_direct_intent(turn, msg.event_key)
            handler = self.router.event_routes.get(msg.event)
            return await handler(turn) if handler else []

        if msg.clean_text in CANCEL_WORDS or msg.menu_id == CANCEL_INTENT:
            turn.intent = CANCEL_INTENT
            return await self.cancel(turn)

        if msg.menu_id and not msg.menu_id.startswith("answer:"):
            return expired_notice + await self._by_direct_intent(turn, msg.menu_id)

        if msg.msg_type == "text":
            for regex, handler in self.router.pattern_routes:
                m = regex.fullmatch(msg.clean_text)
                if m is not None:
                    turn.arg = m.group(1) if m.groups() else m.group(0)
                    return expired_notice + await handler(turn)

        if conv.flow in FORMS:
            if msg.msg_type == "text" and msg.clean_text and not msg.menu_id:
                parsed = await turn.understand()
                if parsed.intent == CANCEL_INTENT and parsed.confidence >= 0.8:
                    turn.intent = CANCEL_INTENT
                    return await self.cancel(turn)
            return await continue_form(turn)

        if msg.msg_type != "text":
            handler = self.router.type_routes.get(msg.msg_type)
            if handler is not None:
                return expired_notice + await handler(turn)
            return [*expired_notice, Text(texts.UNSUPPORTED_TYPE)]

        if not msg.clean_text:
            return expired_notice + await self.fallback(turn)
        parsed = await turn.understand()
        turn.intent = parsed.intent
        return expired_notice + await self._dispatch(turn, parsed.intent)

    async def _by_direct_intent(self, turn: Turn, key: str) -> list[Reply]:
        intent, _, arg = key.partition(":")
        if intent not in self.known_intents:
            return await self.fallback(turn)
        turn.conversation.clear()  # a tap on a menu starts afresh
        turn.intent, turn.arg = intent, arg
        if intent == CANCEL_INTENT:
            return await self.cancel(turn)
        return await self._dispatch(turn, intent)

    async def _dispatch(self, turn: Turn, intent: str) -> list[Reply]:
        refusal: str | None = None
        for route in self.router.routes:
            if not route.matches_intent(intent):
                continue
            if route.roles is None or turn.identity.role in route.roles:
                return await route.handler(turn)
            refusal = refusal or route.refuse_text
        if refusal is not None:
            if turn.identity.role is Role.STRANGER:
                return [Text(texts.BIND_FIRST)]
            return [Text(refusal)]
        if intent == CANCEL_INTENT:
            return await self.cancel(turn)
        return await self.fallback(turn)


def assemble(routers: Iterable[Router], cancel: Handler, fallback: Handler) -> RootRouter:
    root = Router("root")
    root.include(*routers)
    known = frozenset(i for r in root.routes for i in r.intents) | {CANCEL_INTENT}
    return RootRouter(root, cancel, fallback, known)
