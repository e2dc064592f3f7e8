"""Replies as values. Handlers return them; `bot` renders them as a passive XML reply or as
customer-service (客服) messages. Nothing here knows about XML or HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from domain.notices import QuickReply

__all__ = ["Article", "Image", "News", "QuickReply", "Reply", "Text", "compact", "options"]


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


def compact(replies: list[Reply]) -> list[Reply]:
    """Consecutive texts as one message (the quick replies of the last one that has any):
    a turn answers once; a second text would go out as a separate 客服 push."""
    out: list[Reply] = []
    for reply in replies:
        last = out[-1] if out else None
        if isinstance(reply, Text) and isinstance(last, Text):
            quick = reply.quick_replies or last.quick_replies
            out[-1] = Text(f"{last.text}\n{reply.text}", quick)
        else:
            out.append(reply)
    return out
