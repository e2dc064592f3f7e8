"""Rows queued before notices were typed carry their wording already
(`{"text", "quick_replies", "template_fields", "payload"}`): they are sent as they were queued."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.outbox.render.message import Message
from domain.notices import QuickReply


def is_legacy(payload: Mapping[str, Any]) -> bool:
    return "facts" not in payload and "text" in payload


def render_legacy(payload: Mapping[str, Any], default_title: str = "") -> Message:
    return Message(
        text=str(payload.get("text", "")),
        quick_replies=tuple(QuickReply(i, label) for i, label in payload.get("quick_replies", [])),
        template_fields=dict(payload.get("template_fields") or {}),
        payload=payload.get("payload"),
        default_title=default_title,
    )
