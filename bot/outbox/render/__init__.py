"""Rendering notices at send time: the domain records what happened (a kind and its facts),
and this is where it becomes words, one module per area: requests, ratings, complaints,
what is handed to people (papers, thanks, leads), binding, invoices, payments, and
conversation replies.

Each kind has built-in wording with placeholders (`Renderer.text`); a firm's own wording for a
kind (`domain.message_templates.MessageTemplate`, saved through the `TemplateRepository`)
replaces it when set. Quick replies, template-message values and rich payloads come from the
facts. A row from before notices were typed carries its wording and is sent as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.outbox.render import (
    binding,
    books,
    complaints,
    handover,
    invoices,
    payments,
    ratings,
    replies,
    requests,
)
from bot.outbox.render.legacy import is_legacy, render_legacy
from bot.outbox.render.message import Message, Renderer
from domain.message_templates import MessageTemplate, fill
from domain.notices import Facts, Notice, NoticeKind, facts_from_json

__all__ = ["RENDERERS", "Message", "Renderer", "Wording", "render", "render_notice"]

log = logging.getLogger(__name__)

RENDERERS: Mapping[NoticeKind, Renderer] = {
    **requests.RENDERERS,
    **ratings.RENDERERS,
    **complaints.RENDERERS,
    **handover.RENDERERS,
    **binding.RENDERERS,
    **invoices.RENDERERS,
    **payments.RENDERERS,
    **books.RENDERERS,
    **replies.RENDERERS,
}
_BY_VALUE: Mapping[str, Renderer] = {kind.value: r for kind, r in RENDERERS.items()}
# The firm's own wording, by kind (kinds it did not word keep the built-in wording).
Wording = Mapping[NoticeKind, MessageTemplate]


def render_facts(
    kind: NoticeKind, facts: Facts, at: datetime, wording: Wording | None = None
) -> Message:
    renderer = RENDERERS[kind]
    values = renderer.values(facts, at)
    own = (wording or {}).get(kind)
    text = fill(renderer.text, values)
    title = remark = ""
    if own is not None:
        try:
            own_text = fill(own.text, values) if own.text else text
            title, remark = fill(own.title, values), fill(own.remark, values)
            text = own_text
        except (ValueError, IndexError, KeyError, AttributeError):
            # Saved before the rules checked it: the built-in wording rather than nothing.
            log.warning("the firm's wording for %s does not render; built-in used", kind)
            title = remark = ""
    return Message(
        text=text,
        quick_replies=renderer.quick_replies(facts),
        template_fields=dict(renderer.template_fields(facts, at)),
        payload=renderer.payload(facts),
        title=title,
        remark=remark,
        default_title=renderer.title,
        sms_params=tuple(values[name] for name in renderer.sms_fields),
    )


def render(
    kind: str, payload: Mapping[str, Any], at: datetime, wording: Wording | None = None
) -> Message:
    """An outbox row's notice in words; `at` is when it was queued."""
    if is_legacy(payload):
        known = _BY_VALUE.get(kind)
        return render_legacy(payload, known.title if known else "")
    notice_kind = NoticeKind(kind)
    return render_facts(notice_kind, facts_from_json(notice_kind, payload["facts"]), at, wording)


def render_notice(notice: Notice, at: datetime, wording: Wording | None = None) -> Message:
    return render_facts(notice.kind, notice.facts, at, wording)
