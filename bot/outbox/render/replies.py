"""Conversation replies that could not go as the passive reply (too late, or a second message
of one turn): the chat worded them already, so they are sent as they are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.outbox.render.message import Renderer, image
from domain.clock import fmt_local
from domain.notices import ChatReply, NoticeKind, QuickReply


def _text(f: ChatReply) -> str:
    if f.media_id:
        return "[图片]"
    if f.articles:
        return f.articles[0].title
    return f.text


def _values(f: ChatReply, at: datetime) -> Mapping[str, str]:
    return {"text": _text(f), "time": fmt_local(at)}


def _quick_replies(f: ChatReply) -> tuple[QuickReply, ...]:
    return f.quick_replies


def _payload(f: ChatReply) -> Mapping[str, Any] | None:
    if f.media_id:
        return image(f.media_id)
    if f.articles:
        articles = [
            {"title": a.title, "description": a.description, "url": a.url, "picurl": a.image}
            for a in f.articles
        ]
        return {"msgtype": "news", "articles": articles}
    return None


_REPLY = Renderer("{text}", _values, _quick_replies, payload=_payload, title="咨询回复通知")
RENDERERS: dict[NoticeKind, Renderer] = {NoticeKind.REPLY: _REPLY, NoticeKind.LATE_REPLY: _REPLY}
