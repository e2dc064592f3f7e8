"""Replies as values. Handlers return them; `bot` renders them as a passive XML reply or as
customer-service (客服) messages. Nothing here knows about XML or HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from domain.notices import QuickReply

__all__ = ["Article", "Image", "News", "QuickReply", "Reply", "Text", "options"]


@dataclass(frozen=True)
class Text:
    text: str
    # Tap-to-answer options shown under the text (WeChat "bizmsgmenu" links or a 客服 msgmenu).
    quick_replies: tuple[QuickReply, ...] = ()


@dataclass(frozen=True)
class Article:
    title: str
    description: str
    url: str
    image: str = ""


@dataclass(frozen=True)
class News:
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Image:
    media_id: str


Reply = Text | News | Image


def options(*pairs: tuple[str, str]) -> tuple[QuickReply, ...]:
    """`options(("answer:是", "是"), ...)` -> quick replies."""
    return tuple(QuickReply(i, label) for i, label in pairs)
