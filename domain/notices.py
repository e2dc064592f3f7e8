"""Notices: what someone must be told outside the passive reply.

A domain service never sends anything. It records `Notice`s through the unit of work's outbox in
the same transaction as the change that caused them; the outbox sender delivers them later, as a
customer-service (客服) message inside the user's 48-hour window, or as a template message
(configured per `kind` by the firm) outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class QuickReply:
    """One tap-to-answer option. `id` routes straight to an intent, e.g. "claim:R1024"."""

    id: str
    label: str


@dataclass(frozen=True)
class Notice:
    recipient: str  # openid
    kind: str  # e.g. "late_reply", "request_raised", "task_claimed"; picks the template
    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    # Values for the template message used outside the 48-hour window (keys per template).
    template_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    # Alternative rich payloads for 客服 messages: {"msgtype": "news", ...} or an image media id.
    payload: Mapping[str, Any] | None = None
    dedup_key: str | None = None  # when set, the same key is queued at most once

    def to_json(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "kind": self.kind,
            "text": self.text,
            "quick_replies": [[q.id, q.label] for q in self.quick_replies],
            "template_fields": dict(self.template_fields),
            "payload": dict(self.payload) if self.payload is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], dedup_key: str | None = None) -> Notice:
        return cls(
            recipient=data["recipient"],
            kind=data["kind"],
            text=data["text"],
            quick_replies=tuple(QuickReply(i, label) for i, label in data.get("quick_replies", [])),
            template_fields=MappingProxyType(dict(data.get("template_fields") or {})),
            payload=data.get("payload"),
            dedup_key=dedup_key,
        )
