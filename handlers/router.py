"""Routing a turn to its handler, aiogram-style: one `Router` per handler module, routers
included explicitly in order, first match wins. `handle_turn` applies the fixed order:
expired flow -> cancel -> tapped quick reply / menu click -> active form -> intent -> fallback.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from domain.errors import DomainError
from domain.identity import Role
from handlers import clarify, cues, expect, texts
from handlers.error_texts import error_text
from handlers.forms import Form, continue_form
from handlers.replies import Reply, Text, compact
from handlers.request_reading import urgency_of
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE
from nlu.types import ParseResult

Handler = Callable[[Turn], Awaitable[list[Reply]]]
# A pattern handler or a reader may decline a message (None): the router reads on.
MaybeHandler = Callable[[Turn], Awaitable[list[Reply] | None]]

CANCEL_WORDS = frozenset({"取消", "算了", "不办了", "退出", "取消吧", "不要了", "cancel"})
CANCEL_INTENT = "cancel"
GREET_INTENT = "greet"
RAISE_INTENT = "raise_request"
PROGRESS_INTENT = "check_progress"
FALLBACK_INTENT = "nlu_fallback"
# What an intent means when said by someone it was not written for: a client's "我的单子呢"
# reads like a staff member's task list, but asks for the client's own requests.
ROLE_ALIASES: dict[Role, dict[str, str]] = {
    Role.CLIENT: {"my_tasks": "check_progress", "add_progress": "check_progress"},
    Role.STAFF: {},
    Role.ADMIN: {},
    Role.STRANGER: {},
}


@dataclass(frozen=True)
class Route:
    intents: frozenset[str]
    roles: frozenset[Role] | None  # None: anyone
    handler: Handler
    # Kept when the speaker's role doesn't fit: a polite refusal instead of a silent miss.
    refuse_text: str | None = None

    def matches_intent(self, intent: str) -> bool:
        return intent in self.intents


F = TypeVar("F", bound=Form)


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[Route] = []
        self.event_routes: dict[str, Handler] = {}
        self.type_routes: dict[str, Handler] = {}
        self.pattern_routes: list[tuple[re.Pattern[str], MaybeHandler]] = []
        self.readers: list[MaybeHandler] = []
        # The forms whose flows this router resumes, by name (`@router.form`).
        self.forms: dict[str, Form] = {}

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

    def pattern(self, regex: str) -> Callable[[MaybeHandler], MaybeHandler]:
        """Typed commands recognised before NLU and before an active form ("绑定 123456").
        The match is available to the handler as `turn.arg` (group 1, or the whole text);
        a handler returning None lets the router read on."""

        def deco(fn: MaybeHandler) -> MaybeHandler:
            self.pattern_routes.append((re.compile(regex), fn))
            return fn

        return deco

    def reader(self) -> Callable[[MaybeHandler], MaybeHandler]:
        """Answers read from context before the intent is: a rating the bot invited, thanks,
        English. Tried in order for every message outside a form; None reads on."""

        def deco(fn: MaybeHandler) -> MaybeHandler:
            self.readers.append(fn)
            return fn

        return deco

    def form(self, form_cls: type[F]) -> type[F]:
        """Class decorator: a form this router's handlers start, resumable by name."""
        if form_cls.name in self.forms:
            raise ValueError(f"two forms named {form_cls.name!r} on router {self.name}")
        self.forms[form_cls.name] = form_cls()
        return form_cls

    def include(self, *routers: Router) -> None:
        for r in routers:
            for name, form in r.forms.items():
                if name in self.forms and type(self.forms[name]) is not type(form):
                    raise ValueError(f"two forms named {name!r}: {r.name} and another router")
                self.forms[name] = form
            self.routes.extend(r.routes)
            self.pattern_routes.extend(r.pattern_routes)
            self.readers.extend(r.readers)
            for k, v in r.event_routes.items():
                self.event_routes.setdefault(k, v)
            for k, v in r.type_routes.items():
                self.type_routes.setdefault(k, v)


_LEADING_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def any_of(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex that fully matches exactly the texts one of `patterns` fully matches (an
    alternation: the engine tries every branch before failing), or None when they cannot be
    joined (a back-reference by name)."""
    branches = []
    for regex in patterns:
        source = regex.pattern
        if "(?P=" in source:
            return None
        flags = _LEADING_FLAGS.match(source)
        if flags is not None:  # a leading global flag becomes a scoped one
            source = f"(?{flags.group(1)}:{source[flags.end() :]})"
        branches.append(f"(?:{_NAMED_GROUP.sub('(?:', source)})")  # names may repeat
    try:
        return re.compile("|".join(branches)) if branches else None
    except re.error:
        return None


@dataclass
class RootRouter:
    """The assembled router plus the two handlers every bot needs."""

    router: Router
    cancel: Handler
    fallback: Handler
    # Menu CLICK keys and quick-reply ids name an intent directly ("claim_task:R1024").
    known_intents: frozenset[str]

    async def handle(self, turn: Turn) -> list[Reply]:
        """The turn's replies, as one message where they are texts (a question asked again
        after an error is part of the same answer, not a second push)."""
        try:
            replies = await self._route(turn)
        except DomainError as exc:
            replies = [Text(error_text(exc))]
        if turn.preface:
            replies = [Text(turn.preface), *replies]
        return compact(replies)

    def _some_pattern_matches(self, text: str) -> bool:
        """Whether any typed-command pattern matches `text` in full: one pass of one regex
        (most messages are no command) before trying the patterns one by one, in order."""
        routes = self.router.pattern_routes
        cached = self.__dict__.get("_any_pattern")
        if cached is None or cached[0] != len(routes):
            cached = (len(routes), any_of(regex for regex, _ in routes))
            self.__dict__["_any_pattern"] = cached
        combined = cached[1]
        return combined is None or combined.fullmatch(text) is not None

    async def _route(self, turn: Turn) -> list[Reply]:
        msg, conv = turn.message, turn.conversation
        expired_notice: list[Reply] = []
        if conv.expired(turn.now, turn.idle_limit()):
            # An unanswered question just lapses; an unfinished form is worth a word.
            if conv.flow != clarify.FLOW and not expect.is_expectation(conv.flow):
                expired_notice = [Text(texts.FLOW_EXPIRED)]
            conv.clear()

        if msg.is_event:
            if msg.event == "click":
                return expired_notice + await self._by_direct_intent(turn, msg.event_key)
            handler = self.router.event_routes.get(msg.event)
            return await handler(turn) if handler else []

        if (
            msg.clean_text in CANCEL_WORDS or msg.menu_id == CANCEL_INTENT
        ) and not expect.withdrawal_asked(conv.flow, conv.slots):
            turn.intent = CANCEL_INTENT
            return await self.cancel(turn)

        if conv.flow == clarify.FLOW:
            picked = clarify.choice(turn)
            if picked == clarify.NO:
                conv.clear()
                return [Text(clarify.SAY_AGAIN)]
            if picked is not None:
                await clarify.resume(turn, picked)
                return await self._dispatch(turn, picked)
            conv.clear()  # not an answer to the question: a new message
        elif msg.menu_id.startswith(clarify.PREFIX):  # a tap on an older question
            picked = msg.menu_id[len(clarify.PREFIX) :]
            if picked == clarify.NO:
                return [Text(clarify.SAY_AGAIN)]
            return expired_notice + await self._by_direct_intent(turn, picked)

        if expect.is_expectation(conv.flow):
            answered = await expect.read(turn)
            if answered is not None:
                return answered

        if msg.menu_id and not msg.menu_id.startswith("answer:"):
            return expired_notice + await self._by_direct_intent(turn, msg.menu_id)

        if msg.has_text and self._some_pattern_matches(msg.clean_text):
            for regex, pattern_handler in self.router.pattern_routes:
                m = regex.fullmatch(msg.clean_text)
                if m is not None:
                    turn.arg = m.group(1) if m.groups() else m.group(0)
                    done = await pattern_handler(turn)
                    if done is not None:
                        return expired_notice + done
                    turn.arg = ""

        if conv.flow in self.router.forms:
            if msg.has_text and not msg.menu_id:
                parsed = await turn.understand()
                if parsed.intent == CANCEL_INTENT and parsed.confidence >= 0.8:
                    turn.intent = CANCEL_INTENT
                    return await self.cancel(turn)
            return await continue_form(turn, self.router.forms)

        for read in self.router.readers:
            answered = await read(turn)
            if answered is not None:
                return expired_notice + answered

        if not msg.has_text:
            handler = self.router.type_routes.get(msg.msg_type)
            if handler is not None:
                return expired_notice + await handler(turn)
            return [*expired_notice, Text(texts.UNSUPPORTED_TYPE)]

        if not msg.clean_text:
            return expired_notice + await self.fallback(turn)
        parsed = await turn.understand()
        turn.intent = parsed.intent
        asked = self._ask_first(turn)
        if asked is not None:
            return expired_notice + asked
        return expired_notice + await self._dispatch(turn, turn.intent or parsed.intent)

    def serves(self, intent: str, role: Role) -> bool:
        """Some route answers `intent` for someone in `role`."""
        return any(
            route.matches_intent(intent) and (route.roles is None or role in route.roles)
            for route in self.router.routes
        )

    def _ask_first(self, turn: Turn) -> list[Reply] | None:
        """A question back instead of an answer: two close readings this person could mean,
        or a doubtful voice message. Sets `turn.intent` to the reading to act on otherwise."""
        parsed = turn.parsed
        assert parsed is not None
        role = turn.identity.role
        voice = turn.message.msg_type == "voice"
        text = turn.message.clean_text
        readings = cues.prefer(
            [
                r
                for r in parsed.alternatives
                if self.serves(r, role) and not cues.negated_intent(r, text)
            ],
            text,
        )
        if len(readings) >= 2 and GREET_INTENT in readings and cues.meaningful(text) > 6:
            # A greeting is never the point of a longer message: "您好，请问R1001我可以抢单吗".
            readings = [r for r in readings if r != GREET_INTENT]
        if (
            role is Role.CLIENT
            and _names_business(parsed, text)
            and (
                RAISE_INTENT in readings
                or (parsed.intent in (GREET_INTENT, FALLBACK_INTENT) and not readings)
            )
            and (urgency_of(text) is not None or PROGRESS_INTENT not in readings)
        ):
            # "代开发票 一万二 服务费 不急": a business named outright, and a new request one
            # of the close readings (or the parser heard only a greeting around it). "执照那个
            # 事" may point at a request already raised: asked, unless it says how soon.
            turn.intent = RAISE_INTENT
            readings = []
        if len(readings) >= 2:
            return clarify.ask_between(turn, readings[:2], voice=voice)
        if len(readings) == 1:
            turn.intent = readings[0]  # the only close reading that fits who is speaking
        if not voice:
            return None
        if turn.intent == FALLBACK_INTENT:
            return clarify.not_understood_voice(turn)
        intent = turn.intent
        if (
            intent is not None
            and clarify.doubtful_voice(turn)
            and intent not in clarify.HARMLESS
            and self.serves(intent, role)
        ):
            return clarify.confirm_heard(turn, intent)
        return None

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
        alias = ROLE_ALIASES.get(turn.identity.role, {}).get(intent)
        if alias is not None and not self.serves(intent, turn.identity.role):
            turn.intent = intent = alias
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


def _names_business(parsed: ParseResult, text: str) -> bool:
    """The message names a business type it does not negate ("不是注销" names none)."""
    return any(
        e.entity == REQUEST_TYPE and not _NEGATED_BEFORE.search(text[: max(e.start, 0)])
        for e in parsed.entities
    )


_NEGATED_BEFORE = re.compile(r"(?:不是|不办|不要|不用|别|不做)[^，,。]{0,2}$")


def assemble(routers: Iterable[Router], cancel: Handler, fallback: Handler) -> RootRouter:
    root = Router("root")
    root.include(*routers)
    known = frozenset(i for r in root.routes for i in r.intents) | {CANCEL_INTENT}
    return RootRouter(root, cancel, fallback, known)
