"""The wording of complaint notices: a new case for the admins (with its photos), what the
client adds to it, and the outcome for the client. The client's and the admin's words are made
inert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.outbox.render.message import Renderer, image
from domain.clock import fmt_local
from domain.notices import (
    ComplaintFollowup,
    ComplaintOpened,
    ComplaintResolved,
    NoticeKind,
    Photo,
)
from handlers.rating_words import rating_summary
from handlers.request_words import title
from handlers.text_safety import inert


def _description(f: ComplaintOpened) -> str:
    if f.rating is not None and f.request is not None:
        scores = rating_summary(f.rating.attitude, f.rating.speed, f.rating.comment)
        return inert(f"{f.request.number} 评价偏低：{scores}")
    return inert(f.description)  # the client's words


def _about(f: ComplaintOpened) -> str:
    lines = ""
    if f.request is not None:
        lines += f"\n涉及业务：{title(f.request)}（{f.request_handler or '未接单'}）"
    if f.staff:
        lines += f"\n涉及会计：{f.staff}"
    return lines


def _opened(f: ComplaintOpened, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.number,
        "client": inert(f.client),
        "description": _description(f),
        "source": "（差评自动转投诉）" if f.rating is not None else "",
        "about": _about(f),
        "time": fmt_local(at),
    }


def _opened_fields(f: ComplaintOpened, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.number,
        "client": inert(f.client),
        "description": _description(f)[:60],
        "time": fmt_local(at),
    }


def _followup(f: ComplaintFollowup, at: datetime) -> Mapping[str, str]:
    return {
        "number": f.number,
        "client": inert(f.client),
        "words": inert(f.words),  # the client's words, shown to the admins
        "time": fmt_local(at),
    }


def _followup_fields(f: ComplaintFollowup, at: datetime) -> Mapping[str, str]:
    return {"number": f.number, "client": inert(f.client), "description": inert(f.words)[:60]}


def _resolved(f: ComplaintResolved, at: datetime) -> Mapping[str, str]:
    return {"number": f.number, "resolution": inert(f.resolution), "time": fmt_local(at)}


def _resolved_fields(f: ComplaintResolved, at: datetime) -> Mapping[str, str]:
    return {"number": f.number, "resolution": inert(f.resolution)[:60]}


def _photo(f: Photo, at: datetime) -> Mapping[str, str]:
    return {"time": fmt_local(at)}


def _photo_payload(f: Photo) -> Mapping[str, Any]:
    return image(f.media_id)


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.COMPLAINT_OPENED: Renderer(
        "【客户投诉 {number}】{source}{client}：{description}{about}\n"
        "处理后请回复“结案 {number} 处理结果”，客户会收到通知。",
        _opened,
        template_fields=_opened_fields,
        title="投诉受理通知",
    ),
    NoticeKind.COMPLAINT_PHOTO: Renderer(
        "[图片]", _photo, payload=_photo_payload, title="投诉附件"
    ),
    NoticeKind.COMPLAINT_FOLLOWUP: Renderer(
        "【投诉 {number} 客户补充】{client}：{words}",
        _followup,
        template_fields=_followup_fields,
        title="投诉客户补充",
    ),
    NoticeKind.COMPLAINT_RESOLVED: Renderer(
        "您反馈的问题（{number}）已处理：{resolution}\n感谢您的耐心，如仍有不满意请随时告诉我们。",
        _resolved,
        template_fields=_resolved_fields,
        title="投诉处理结果",
    ),
}
