"""The wording of the rating invitation a client gets when a request is done: one tap rates
the first aspect (服务态度), the conversation asks for the rest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.outbox.render.message import Renderer
from bot.outbox.render.requests import about, request_fields
from domain.notices import NoticeKind, QuickReply, RateInvitation


def _values(f: RateInvitation, at: datetime) -> Mapping[str, str]:
    return {**about(f.request, at), "handler": f.handler}


def _fields(f: RateInvitation, at: datetime) -> Mapping[str, str]:
    return request_fields(f.request, at, handler=f.handler)


def _buttons(f: RateInvitation) -> tuple[QuickReply, ...]:
    n = f.request.number
    return (
        QuickReply(f"rate_accountant:{n}:5", "好评(5分)"),
        QuickReply(f"rate_accountant:{n}:3", "中评(3分)"),
        QuickReply(f"rate_accountant:{n}:1", "差评(1分)"),
    )


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.RATE_REQUEST: Renderer(
        "请为{handler}办理{number}的服务态度打个分吧，您的评价会帮助我们做得更好：",
        _values,
        _buttons,
        _fields,
        title="服务评价邀请",
    ),
}
