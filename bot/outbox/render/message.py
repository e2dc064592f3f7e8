"""What a renderer makes of a notice (`Message`), and how one renders a kind (`Renderer`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.notices import QuickReply

# The template message's closing line unless the firm or the account's template says otherwise.
DEFAULT_REMARK = "回复任意消息即可继续与我们对话。"


@dataclass(frozen=True)
class Message:
    """A notice in words, ready for a channel: a 客服 text (with quick replies) or a rich
    payload inside the 48-hour window, a template message's values outside it."""

    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    # Values for the template message (keys per template), besides its text, title and remark.
    template_fields: Mapping[str, str] = field(default_factory=dict)
    # A rich 客服 payload instead of text: {"msgtype": "news", ...} or an image's media id.
    payload: Mapping[str, Any] | None = None
    # The firm's heading and closing line for the template message (empty: not set), and the
    # built-in ones used when neither the firm nor the account's template set any.
    title: str = ""
    remark: str = ""
    default_title: str = ""
    default_remark: str = DEFAULT_REMARK
    # The values of the kind's SMS template ({1}, {2}, ...), for people reached by SMS.
    sms_params: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The message as plain data (what tests and operators read)."""
        return {
            "text": self.text,
            "quick_replies": [[q.id, q.label] for q in self.quick_replies],
            "template_fields": dict(self.template_fields),
            "payload": dict(self.payload) if self.payload is not None else None,
        }


def _no_replies(_facts: Any) -> tuple[QuickReply, ...]:
    return ()


def _no_fields(_facts: Any, _at: datetime) -> Mapping[str, str]:
    return {}


def _no_payload(_facts: Any) -> Mapping[str, Any] | None:
    return None


@dataclass(frozen=True)
class Renderer:
    """How one kind of notice is worded. `text` (and `title`, the template message's heading)
    is the built-in wording, with placeholders filled from `values`; a firm's own wording
    (`domain.message_templates`) may replace it. `at` is when the notice was recorded."""

    text: str
    values: Callable[[Any, datetime], Mapping[str, str]]
    quick_replies: Callable[[Any], tuple[QuickReply, ...]] = _no_replies
    template_fields: Callable[[Any, datetime], Mapping[str, str]] = _no_fields
    payload: Callable[[Any], Mapping[str, Any] | None] = _no_payload
    title: str = ""  # the built-in heading of its template message
    # Which values fill the kind's SMS template, in order; empty: the kind never goes by SMS.
    sms_fields: tuple[str, ...] = ()


def image(media_id: str) -> dict[str, Any]:
    return {"msgtype": "image", "media_id": media_id}
