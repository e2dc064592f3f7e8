"""Forms: a named flow with required slots, a prompt per missing slot and `validate_<slot>`
methods, in the manner of Rasa forms. State lives in `turn.conversation`; form classes hold
no per-user data, so one instance serves everyone.

A form asks for the first missing slot, reads the answer from the next message (a tapped
quick reply `answer:<value>`, an entity, or the text), validates it and moves on; when every
required slot is filled it calls `submit`. Entities in the message that started the form fill
their slots at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from handlers.replies import Reply, Text
from handlers.turn import Turn

ANSWER_PREFIX = "answer:"
SKIP_WORDS = frozenset({"跳过", "没有", "无", "不用", "不需要", "没了", "略"})


class Invalid(Exception):
    """Raised by `validate_<slot>`: the answer is not usable; `message` says why, kindly."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Form:
    name: ClassVar[str]
    required_slots: ClassVar[tuple[str, ...]]
    optional_slots: ClassVar[frozenset[str]] = frozenset()
    # slot -> NLU entity whose value fills it (when present in a message)
    slot_entities: ClassVar[Mapping[str, str]] = {}
    prompts: ClassVar[Mapping[str, str]] = {}

    async def ask(self, slot: str, turn: Turn) -> list[Reply]:
        """The prompt for `slot`: an `ask_<slot>` method, else the text in `prompts`."""
        method = getattr(self, f"ask_{slot}", None)
        if method is not None:
            replies: list[Reply] = await method(turn)
            return replies
        return [Text(self.prompts[slot])]

    async def extract(self, slot: str, turn: Turn) -> Any:
        """The raw value for `slot` from this message, or None when it says nothing about it."""
        msg = turn.message
        if msg.menu_id.startswith(ANSWER_PREFIX):
            return msg.menu_id[len(ANSWER_PREFIX) :]
        entity = self.slot_entities.get(slot)
        if entity and msg.clean_text:
            value = await turn.entity(entity)
            if value is not None:
                return value
        method = getattr(self, f"extract_{slot}", None)
        if method is not None:
            return await method(turn)
        return msg.clean_text or None

    async def validate(self, slot: str, value: Any, turn: Turn) -> Any:
        method = getattr(self, f"validate_{slot}", None)
        if method is None:
            return value
        return await method(value, turn)

    async def submit(self, turn: Turn) -> list[Reply]:
        raise NotImplementedError

    async def prefill(self, turn: Turn) -> None:
        """Fill what the first message says beyond its entities (e.g. the description)."""

    async def interject(self, slot: str, turn: Turn) -> list[Reply] | None:
        """Read the message for anything besides the answer to `slot` first: corrections of
        filled slots, "修改", small talk. Replies end the turn; None reads it as the answer."""
        return None

    def next_slot(self, slots: Mapping[str, Any]) -> str | None:
        for slot in self.required_slots:
            if slot not in slots:
                return slot
        return None


async def start_form(turn: Turn, form_cls: type[Form], **preset: Any) -> list[Reply]:
    """Open `form_cls` (registered on its module's router with `router.form`), with `preset`
    slots and whatever the first message already says."""
    form = form_cls()
    conv = turn.conversation
    conv.clear()
    conv.flow = form.name
    errors: list[Reply] = []
    for slot, value in preset.items():
        if value is not None:
            conv.slots[slot] = value
    # Entities already in the first message fill their slots straight away.
    if turn.message.clean_text and form.slot_entities:
        parsed = await turn.understand()
        for slot, entity in form.slot_entities.items():
            if slot in conv.slots:
                continue
            value = parsed.entity(entity)
            if value is None:
                continue
            try:
                conv.slots[slot] = await form.validate(slot, value, turn)
            except Invalid as exc:
                errors.append(Text(exc.message))
    if turn.message.clean_text:
        await form.prefill(turn)
    return errors + await advance(form, turn)


async def continue_form(turn: Turn, forms: Mapping[str, Form]) -> list[Reply]:
    """Feed this message to the active form (`forms`: the router's, by name)."""
    conv = turn.conversation
    form = forms.get(conv.flow or "")
    if form is None:  # a flow from an older release: forget it
        conv.clear()
        return []
    slot = conv.requested_slot or form.next_slot(conv.slots)
    if slot is None:
        return await advance(form, turn)
    text = turn.message.clean_text
    early = await form.interject(slot, turn)
    if early is not None:
        return early
    if slot in form.optional_slots and text in SKIP_WORDS:
        conv.slots[slot] = None
        return await advance(form, turn)
    raw = await form.extract(slot, turn)
    if raw is None:
        return await form.ask(slot, turn)
    try:
        conv.slots[slot] = await form.validate(slot, raw, turn)
    except Invalid as exc:
        return [Text(exc.message), *await form.ask(slot, turn)]
    return await advance(form, turn)


async def advance(form: Form, turn: Turn) -> list[Reply]:
    """Ask for the next missing slot, or submit when none is missing."""
    conv = turn.conversation
    slot = form.next_slot(conv.slots)
    if slot is not None:
        conv.requested_slot = slot
        return await form.ask(slot, turn)
    replies = await form.submit(turn)
    if conv.flow == form.name:  # submit may have started another flow; only touch our own
        pending = form.next_slot(conv.slots)
        if pending is None:
            conv.clear()
        else:  # submit sent the user back to a slot (e.g. "no, change the description")
            conv.requested_slot = pending
    return replies
