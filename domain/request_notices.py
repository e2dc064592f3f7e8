"""Notices about requests: who hears what, with the template fields the outbound sender needs
outside WeChat's 48-hour window and the one-tap answers that help."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.clock import fmt_local
from domain.identity import Staff
from domain.notices import Notice, QuickReply
from domain.ports import UnitOfWork
from domain.requests import URGENCY_ZH, ServiceRequest


def request_fields(req: ServiceRequest, now: datetime, **more: str) -> dict[str, str]:
    fields = {
        "number": req.number,
        "type": req.type,
        "company": req.company_name,
        "urgency": URGENCY_ZH[req.urgency],
        "status": req.status_zh,
        "time": fmt_local(now),
    }
    fields.update(more)
    return fields


async def active_staff(uow: UnitOfWork, firm_id: int) -> list[Staff]:
    return [s for s in await uow.identities.list_staff(firm_id, active_only=True) if s.openid]


async def admins(uow: UnitOfWork, firm_id: int) -> list[Staff]:
    return [s for s in await active_staff(uow, firm_id) if s.is_admin]


async def tell_staff(
    uow: UnitOfWork,
    people: Iterable[Staff],
    now: datetime,
    kind: str,
    text: str,
    fields: dict[str, str],
    quick_replies: tuple[QuickReply, ...] = (),
    dedup: str | None = None,
) -> int:
    """The same notice to several staff members; `dedup` makes a re-run queue nothing new."""
    sent = 0
    for s in people:
        if not s.openid:
            continue
        await uow.outbox.add(
            Notice(
                recipient=s.openid,
                kind=kind,
                text=text,
                quick_replies=quick_replies,
                template_fields=fields,
                dedup_key=f"{dedup}:{s.id}" if dedup else None,
            ),
            now,
        )
        sent += 1
    return sent


async def tell_admins(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    kind: str,
    text: str,
    fields: dict[str, str],
    quick_replies: tuple[QuickReply, ...] = (),
    dedup: str | None = None,
) -> int:
    people = await admins(uow, firm_id)
    return await tell_staff(uow, people, now, kind, text, fields, quick_replies, dedup)


def photo_notices(recipient: str, kind: str, photos: Sequence[str]) -> list[Notice]:
    """Photos forwarded as 客服 image messages (media ids stay valid for three days)."""
    return [
        Notice(recipient, kind, "[图片]", payload={"msgtype": "image", "media_id": m})
        for m in photos
    ]


def rate_invitation(req: ServiceRequest, handler: str, now: datetime) -> Notice:
    """The rating question, answerable with one tap (first aspect: 服务态度)."""
    return Notice(
        req.client_openid,
        "rate_request",
        f"请为{handler}办理{req.number}的服务态度打个分吧，您的评价会帮助我们做得更好：",
        quick_replies=(
            QuickReply(f"rate_accountant:{req.number}:5", "好评(5分)"),
            QuickReply(f"rate_accountant:{req.number}:3", "中评(3分)"),
            QuickReply(f"rate_accountant:{req.number}:1", "差评(1分)"),
        ),
        template_fields=request_fields(req, now, handler=handler),
        dedup_key=f"rate_request:{req.id}",
    )
