"""Expected answers: when the bot asks a question outside a form ("确认办结 R1104？", "办结哪一单？",
"这是给会计的资料吗？", "留个电话"), it records what it expects, and the next message is read
against that first; anything that is no answer is read as a new message. An expectation lives
in the conversation (flow `expect:<kind>`) and lapses silently with the idle timeout.

Three shapes cover the questions:

- `confirm`: yes performs the named action on the recorded request, no says so and does
  nothing, anything else is a new message;
- `pick`: a number, an ordinal ("第二个") or a word of one option's label picks a request from
  the offered list, and the action runs on it (picking from a list is an explicit reference);
- any other kind: a reader registered with `@reader(kind)` decides.

Actions are registered by the modules that own them (`@action("complete_task")`), so this
module depends on none of them.

```mermaid
stateDiagram-v2
    [*] --> asked: a question with quick replies
    asked --> [*]: yes / a pick (the action runs)
    asked --> [*]: no (nothing happens, said so)
    asked --> [*]: anything else (read as a new message) / idle timeout
```
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from domain.requests import normalise_number
from handlers import cues
from handlers.replies import QuickReply, Reply, Text
from handlers.turn import Turn

PREFIX = "expect:"
CONFIRM = "confirm"
PICK = "pick"
NO_ANSWER = "answer:no"

Action = Callable[[Turn], Awaitable[list[Reply]]]
Reader = Callable[[Turn, dict[str, Any]], Awaitable[list[Reply] | None]]

ACTIONS: dict[str, Action] = {}
READERS: dict[str, Reader] = {}


def action(name: str) -> Callable[[Action], Action]:
    """Register what a confirmed or picked answer does; it gets the request in `turn.arg`."""

    def deco(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn

    return deco


def reader(kind: str) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        READERS[kind] = fn
        return fn

    return deco


def is_expectation(flow: str | None) -> bool:
    return bool(flow and flow.startswith(PREFIX))


def withdrawal_asked(flow: str | None, slots: dict[str, Any]) -> bool:
    """The pending question is "确认撤销…吗？": "不要了" / "取消" answer it with a yes."""
    return flow == PREFIX + CONFIRM and slots.get("action") == "cancel_request"


def expect(turn: Turn, kind: str, **data: Any) -> None:
    """Remember the question just asked (replacing any earlier one)."""
    conv = turn.conversation
    conv.clear()
    conv.flow = PREFIX + kind
    conv.slots = dict(data)


def confirm(
    turn: Turn, name: str, number: str, question: str, yes_label: str, no_text: str
) -> list[Reply]:
    """Ask "确认…？" before `name` runs on `number`. The yes tap names the action and request
    itself, so it still works after the expectation has lapsed."""
    expect(turn, CONFIRM, action=name, number=number, no_text=no_text)
    quick = (QuickReply(f"{name}:{number}", yes_label), QuickReply(NO_ANSWER, "先不"))
    return [Text(question, quick)]


def pick(turn: Turn, name: str, options: Sequence[tuple[str, str]], question: str) -> list[Reply]:
    """Ask which request (`options`: number, label); each tap names the action and request."""
    expect(turn, PICK, action=name, options=[list(o) for o in options])
    quick = tuple(QuickReply(f"{name}:{n}", n) for n, _ in options[:6])
    return [Text(question, quick)]


async def read(turn: Turn) -> list[Reply] | None:
    """The answer to the pending question, or None: not an answer (the expectation is gone
    either way; a reader that asks again records a new one)."""
    conv = turn.conversation
    kind = (conv.flow or "")[len(PREFIX) :]
    data = dict(conv.slots)
    conv.clear()
    if kind == CONFIRM:
        return await _read_confirm(turn, data)
    if kind == PICK:
        return await _read_pick(turn, data)
    fn = READERS.get(kind)
    return None if fn is None else await fn(turn, data)


async def _run(turn: Turn, name: str, number: str) -> list[Reply] | None:
    fn = ACTIONS.get(name)
    if fn is None:
        return None
    turn.intent, turn.arg = name, number
    return await fn(turn)


async def _read_confirm(turn: Turn, data: dict[str, Any]) -> list[Reply] | None:
    msg = turn.message
    name = str(data["action"])
    # "对，不要了" to "确认撤销…吗？" says the action again: a yes, though it has "不要" in it.
    kind = cues.STATE_CHANGING.get(name, "submit")
    if not msg.menu_id and msg.clean_text and cues.confirms(kind, _unpointed(msg.clean_text, data)):
        return await _run(turn, name, str(data["number"]))
    if msg.menu_id == NO_ANSWER or (not msg.menu_id and cues.is_no(msg.clean_text)):
        return [Text(str(data.get("no_text") or "好的，先不办。"))]
    return None


# "就这个", "这单": words pointing at the request the question is about.
_POINTING = re.compile(r"就是?|这个|这一?单|那个|那一?单|是这")


def _unpointed(text: str, data: dict[str, Any]) -> str:
    """ "就R1024这个 对" to "确认办结 R1024 吗？" is the yes with the request pointed at:
    the number asked about and the pointing words go; any other number stays."""
    digits = "".join(ch for ch in str(data.get("number") or "") if ch.isdigit())
    if not digits:
        return text
    rest = re.sub(rf"[Rr#]?\s?{digits}(?!\d)", "", text)
    if rest == text:
        return text
    return _POINTING.sub("", rest)


async def _read_pick(turn: Turn, data: dict[str, Any]) -> list[Reply] | None:
    msg = turn.message
    if msg.menu_id or not msg.clean_text:
        return None
    options = [(str(n), str(label)) for n, label in data.get("options") or []]
    text = cues.trim(msg.clean_text)
    chosen: str | None = None
    number = normalise_number(text) if text[:1] in "Rr#" or text.isdigit() else None
    numbers = [n for n, _ in options]
    if number in numbers:
        chosen = number
    else:
        index = cues.ordinal(text)
        if index is not None and index < len(options):
            chosen = options[index][0]
        else:
            pairs = {text[i : i + 2] for i in range(len(text) - 1)}
            hits = [n for n, label in options if any(p in label for p in pairs)]
            if len(hits) == 1:
                chosen = hits[0]
    if chosen is None:
        if cues.is_no(text):
            return [Text("好的，先不办。")]
        return None
    return await _run(turn, str(data["action"]), chosen)
