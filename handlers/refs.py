"""Reading references out of a turn: a request number ("R1024", "1024", a tapped
`claim_task:R1024`), the NLU's `task_ref`, and photos sent while a form is open."""

from __future__ import annotations

import re
from typing import Any

from domain.requests import MAX_PHOTOS, normalise_number
from handlers.forms import Form
from handlers.replies import Reply, Text
from handlers.turn import Turn
from nlu.intents import TASK_REF

NUMBER_RE = re.compile(r"[Rr]\s?(\d{3,})")
# A number typed into a command: "R1024", "r 1024", "#1024", "1024".
NUMBER_ARG = r"#?\s?([Rr]?\s?\d{3,})"


async def request_number(turn: Turn) -> str | None:
    """The request the turn is about: the tapped/typed argument, else an entity, else any
    "R1234" in the text."""
    head = turn.arg.partition(":")[0]
    if head:
        return normalise_number(head)
    text = turn.message.clean_text
    if not text:
        return None
    value = await turn.entity(TASK_REF)
    if value:
        return normalise_number(value)
    m = NUMBER_RE.search(text)
    return normalise_number(m.group(0)) if m else None


def merge(prefix: str, replies: list[Reply]) -> list[Reply]:
    """One message instead of two: `prefix` on top of the first text reply."""
    if replies and isinstance(replies[0], Text):
        first = replies[0]
        return [Text(f"{prefix}\n{first.text}", first.quick_replies), *replies[1:]]
    return [Text(prefix), *replies]


class PhotoForm(Form):
    """A form that keeps any photo sent at any step in the `photos` slot (up to nine) and then
    asks its current question again, with a short acknowledgement."""

    async def extract(self, slot: str, turn: Turn) -> Any:
        msg = turn.message
        if msg.msg_type == "image" and msg.media_id:
            photos = list(turn.conversation.slots.get("photos") or [])
            if len(photos) < MAX_PHOTOS:
                # A new list: the conversation is saved only when its snapshot changes.
                turn.conversation.slots["photos"] = [*photos, msg.media_id]
            return None
        return await super().extract(slot, turn)

    async def ask(self, slot: str, turn: Turn) -> list[Reply]:
        replies = await super().ask(slot, turn)
        if turn.message.msg_type == "image":
            count = len(turn.conversation.slots.get("photos") or [])
            return merge(f"照片收到了（共{count}张）。", replies)
        return replies


def photos_of(turn: Turn) -> list[str]:
    return list(turn.conversation.slots.get("photos") or [])
