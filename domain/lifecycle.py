"""Request use cases: a client raises, looks up and cancels; the handling staff member adds
progress and completes. Each takes the unit of work; notices go out in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain import dispatch
from domain.dispatch import DispatchPolicy, staff_of
from domain.errors import Conflict, DomainError, Forbidden, NotFound
from domain.identity import Identity, Role
from domain.notices import Notice, QuickReply
from domain.ports import UnitOfWork
from domain.request_notices import photo_notices, rate_invitation, request_fields, tell_admins
from domain.requests import (
    FINISHED,
    HELD,
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    OPEN,
    REQUEST_SERIES,
    REQUEST_TYPES,
    UNCLAIMED,
    EventKind,
    NewRequest,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
    move,
)

# Timeline entries a client sees; the rest (pushes, reminders) are the firm's business.
CLIENT_VISIBLE = frozenset(
    {
        EventKind.RAISED,
        EventKind.CLAIMED,
        EventKind.ASSIGNED,
        EventKind.PROGRESS,
        EventKind.COMPLETED,
        EventKind.RATED,
        EventKind.CANCELLED,
    }
)


def _client(ident: Identity) -> int:
    if ident.role is not Role.CLIENT or ident.company is None:
        raise Forbidden("这项服务需要先绑定为客户哦。")
    return ident.company.id


def _not_found(number: str) -> NotFound:
    return NotFound(f"没有找到单号 {number}，请核对一下。")


async def raise_request(
    uow: UnitOfWork,
    ident: Identity,
    type_: str,
    description: str,
    urgency: Urgency,
    photos: Sequence[str],
    now: datetime,
    policy: DispatchPolicy,
) -> ServiceRequest:
    """Record a confirmed request and put it in the pool (pushed to every active staff)."""
    company_id = _client(ident)
    if type_ not in REQUEST_TYPES:
        raise DomainError("暂不支持这类业务，请从列表里选一项。", "bad_type")
    description = description.strip()
    if not description:
        raise DomainError("请简单描述一下需要办理的事情。", "bad_description")
    number = await uow.requests.next_number(ident.firm.id, REQUEST_SERIES)
    req = await uow.requests.add(
        NewRequest(
            firm_id=ident.firm.id,
            number=number,
            company_id=company_id,
            contact_id=ident.contact.id if ident.contact else None,
            client_openid=ident.openid,
            type=type_,
            description=description[:MAX_DESCRIPTION],
            urgency=urgency,
            photos=tuple(photos)[:MAX_PHOTOS],
            created_at=now,
            due_at=now + policy.claim_timeout(urgency),
        )
    )
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.RAISED, ident.display_name, req.description, req.photos)
    )
    await dispatch.push_to_pool(uow, req, now, again=False)
    return req


async def visible_request(uow: UnitOfWork, ident: Identity, number: str) -> ServiceRequest:
    """A request the speaker may see: their own company's, or any of the firm's for staff.
    Another company's number gets the same answer as an unknown one: it reveals nothing."""
    req = await uow.requests.get(ident.firm.id, number)
    if req is None:
        raise _not_found(number)
    if ident.is_staff:
        return req
    if (
        ident.role is Role.CLIENT
        and ident.company is not None
        and req.company_id == ident.company.id
    ):
        return req
    raise _not_found(number)


async def requests_in_view(uow: UnitOfWork, ident: Identity) -> Sequence[ServiceRequest]:
    """A client's open requests and those completed but not yet rated."""
    return await uow.requests.list_for_company(_client(ident), OPEN | {Status.COMPLETED})


async def timeline(
    uow: UnitOfWork, ident: Identity, number: str
) -> tuple[ServiceRequest, list[RequestEvent]]:
    req = await visible_request(uow, ident, number)
    events = await uow.requests.events(req.id)
    if not ident.is_staff:
        events = [e for e in events if e.kind in CLIENT_VISIBLE]
    return req, list(events)


async def cancel_request(
    uow: UnitOfWork, ident: Identity, number: str, now: datetime
) -> ServiceRequest:
    """A client may cancel a request nobody has claimed yet."""
    _client(ident)
    req = await visible_request(uow, ident, number)
    if not await move(uow, req.id, UNCLAIMED, Status.CANCELLED, now, due_at=None):
        current = await uow.requests.get_by_id(req.id) or req
        if current.status is Status.CANCELLED:
            raise Conflict(f"{number} 已经取消过了。")
        if current.status in HELD:
            raise Conflict(
                f"{number} 已由{current.handler_name or '会计'}接手办理，不能直接取消了。"
                "如需取消，请直接联系负责的会计。"
            )
        raise Conflict(f"{number} 已经办结，不能取消了。")
    await uow.requests.add_event(RequestEvent(req.id, now, EventKind.CANCELLED, ident.display_name))
    if req.status is Status.ESCALATED:
        await tell_admins(
            uow,
            req.firm_id,
            now,
            "request_cancelled",
            f"{req.title}（{req.company_name}）已被客户取消，无需再指派。",
            request_fields(req, now),
        )
    return req


async def held_by(uow: UnitOfWork, ident: Identity, number: str) -> ServiceRequest:
    """A request the speaking staff member is working on (admins may act on any)."""
    staff = staff_of(ident)
    req = await uow.requests.get(ident.firm.id, number)
    if req is None:
        raise _not_found(number)
    if req.status in UNCLAIMED:
        raise Conflict(f"{number} 还没有人接单，先回复“抢单 {number}”接下来吧。")
    if req.status is Status.CANCELLED:
        raise Conflict(f"{number} 已被客户取消。")
    if req.status in FINISHED:
        raise Conflict(f"{number} 已经办结了。")
    if req.handler_id != staff.id and not ident.is_admin:
        raise Forbidden(f"{number} 由{req.handler_name or '其他同事'}负责，不是您的单哦。")
    return req


async def add_progress(
    uow: UnitOfWork,
    ident: Identity,
    number: str,
    text: str,
    photos: Sequence[str],
    now: datetime,
) -> ServiceRequest:
    """A progress note (and photos) on a held request; it reaches the client at once."""
    req = await held_by(uow, ident, number)
    text = text.strip()[:MAX_DESCRIPTION]
    if not text and not photos:
        raise DomainError(f"请写一句进度说明，例如：进度 {number} 已提交工商局。", "empty")
    staff = staff_of(ident)
    if not await move(
        uow,
        req.id,
        HELD,
        Status.IN_PROGRESS,
        now,
        expect_handler=req.handler_id,
        due_at=None,
        latest_progress=text or "[图片]",
        first_progress_at=req.first_progress_at or now,
    ):
        raise Conflict(f"{number} 的状态刚刚变了，请发“我的任务”看看最新情况。")
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.PROGRESS, staff.name, text, tuple(photos), staff.id)
    )
    shown = text or "见图片"
    await uow.outbox.add(
        Notice(
            req.client_openid,
            "progress_added",
            f"您的{req.title}有新进度：{shown}\n（{staff.name}）",
            quick_replies=(QuickReply(f"check_progress:{req.number}", "查看全部进度"),),
            template_fields=request_fields(req, now, progress=shown, handler=staff.name),
        ),
        now,
    )
    for n in photo_notices(req.client_openid, "progress_photo", photos):
        await uow.outbox.add(n, now)
    return req


async def complete(
    uow: UnitOfWork, ident: Identity, number: str, note: str, now: datetime
) -> ServiceRequest:
    """Done: tell the client and ask for the rating at once, with one-tap answers."""
    req = await held_by(uow, ident, number)
    staff = staff_of(ident)
    note = note.strip()[:MAX_DESCRIPTION]
    if not await move(
        uow,
        req.id,
        HELD,
        Status.COMPLETED,
        now,
        expect_handler=req.handler_id,
        due_at=None,
        completed_at=now,
        latest_progress=note or "已办结",
    ):
        raise Conflict(f"{number} 的状态刚刚变了，请发“我的任务”看看最新情况。")
    await uow.requests.add_event(
        RequestEvent(req.id, now, EventKind.COMPLETED, staff.name, note, (), staff.id)
    )
    handler = req.handler_name or staff.name
    extra = f"\n说明：{note}" if note else ""
    await uow.outbox.add(
        Notice(
            req.client_openid,
            "request_completed",
            f"您的{req.title}已办理完成！{extra}\n负责会计：{handler}",
            template_fields=request_fields(req, now, handler=handler),
        ),
        now,
    )
    await uow.outbox.add(rate_invitation(req, handler, now), now)
    return req
