"""What the app queued, as the person will read it: notices rendered the way the outbox sender
renders them (built-in wording), for assertions on their words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.outbox.render import render, render_notice
from domain.notices import ChatReply, Facts, Notice, NoticeKind, QuickReply
from storage.tables.messaging import OutboxRow


def rendered(row: OutboxRow) -> dict[str, Any]:
    """An outbox row's message: text, quick_replies, template_fields, payload."""
    return render(row.kind, row.payload, row.created_at).as_dict()


@dataclass(frozen=True)
class Told:
    """A notice recorded through a fake outbox, with its facts and its words."""

    recipient: str
    kind: NoticeKind
    facts: Facts
    text: str
    quick_replies: tuple[QuickReply, ...]
    template_fields: dict[str, str]
    payload: dict[str, Any] | None
    dedup_key: str | None
    at: datetime


def told(notice: Notice, at: datetime) -> Told:
    m = render_notice(notice, at)
    return Told(
        notice.recipient,
        notice.kind,
        notice.facts,
        m.text,
        m.quick_replies,
        dict(m.template_fields),
        dict(m.payload) if m.payload is not None else None,
        notice.dedup_key,
        at,
    )


@dataclass(frozen=True)
class Worded:
    """A notice queued with its words already, the way rows were queued before notices were
    typed: the sender delivers such rows as they are. Tests of delivery itself (channels,
    retries, order) queue these to choose the exact words and template values they check."""

    recipient: str
    kind: str
    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    template_fields: dict[str, str] | None = None
    payload: dict[str, Any] | None = None
    dedup_key: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "kind": self.kind,
            "payload": {
                "recipient": self.recipient,
                "kind": self.kind,
                "text": self.text,
                "quick_replies": [[q.id, q.label] for q in self.quick_replies],
                "template_fields": dict(self.template_fields or {}),
                "payload": self.payload,
            },
            "dedup_key": self.dedup_key,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }


def late_reply(recipient: str, text: str) -> Notice:
    """A late answer of the chat, as the pipeline queues it."""
    return Notice(recipient, NoticeKind.LATE_REPLY, ChatReply(text))
