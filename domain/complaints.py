"""Complaints: a client's grievance reaches the admins at once and gets a case number; the client
hears back when an admin resolves it. A low rating opens one automatically.

```mermaid
stateDiagram-v2
    [*] --> open: client complains / rating <= 2 or 差评
    open --> resolved: admin "结案 C1001 说明" (client told)
    resolved --> [*]
```
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Conflict, DomainError, Forbidden, NotFound
from domain.identity import Identity, Role
from domain.notices import Notice
from domain.ports import UnitOfWork
from domain.request_notices import tell_admins
from domain.requests import ServiceRequest

COMPLAINT_SERIES = "C"
OPEN = "open"
RESOLVED = "resolved"
MAX_TEXT = 1000


@dataclass(frozen=True)
class NewComplaint:
    firm_id: int
    number: str
    company_id: int
    client_openid: str
    client_name: str
    description: str
    created_at: datetime
    photos: tuple[str, ...] = ()
    request_id: int | None = None
    staff_id: int | None = None
    source: str = "client"  # client | rating


@dataclass(frozen=True)
class Complaint:
    id: int
    firm_id: int
    number: str
    company_id: int
    client_openid: str
    client_name: str
    description: str
    created_at: datetime
    photos: tuple[str, ...] = field(default=())
    request_id: int | None = None
    staff_id: int | None = None
    source: str = "client"
    status: str = OPEN
    resolution: str = ""
    resolved_by: str = ""
    resolved_at: datetime | None = None


def normalise_case_number(raw: str) -> str | None:
    digits = "".join(ch for ch in raw if ch.isdigit())
    rest = "".join(ch for ch in raw if not ch.isdigit()).strip().lstrip("#").upper()
    if not digits or rest not in ("", COMPLAINT_SERIES):
        return None
    return f"{COMPLAINT_SERIES}{int(digits)}"


async def _tell_admins_opened(uow: UnitOfWork, c: Complaint, about: str, now: datetime) -> None:
    from domain.clock import fmt_local

    source = "（差评自动转投诉）" if c.source == "rating" else ""
    await tell_admins(
        uow,
        c.firm_id,
        now,
        "complaint_opened",
        f"【客户投诉 {c.number}】{source}{c.client_name}：{c.description}{about}\n"
        f"处理后请回复“结案 {c.number} 处理结果”，客户会收到通知。",
        {
            "number": c.number,
            "client": c.client_name,
            "description": c.description[:60],
            "time": fmt_local(now),
        },
        dedup=f"complaint_opened:{c.id}",
    )
    for n in c.photos:
        for admin in await _admin_openids(uow, c.firm_id):
            await uow.outbox.add(
                Notice(
                    admin, "complaint_photo", "[图片]", payload={"msgtype": "image", "media_id": n}
                ),
                now,
            )


async def _admin_openids(uow: UnitOfWork, firm_id: int) -> list[str]:
    staff = await uow.identities.list_staff(firm_id, active_only=True)
    return [s.openid for s in staff if s.is_admin and s.openid]


async def open_complaint(
    uow: UnitOfWork,
    ident: Identity,
    description: str,
    photos: Sequence[str],
    request: ServiceRequest | None,
    staff_name: str | None,
    now: datetime,
) -> Complaint:
    """`request` must already be one the client may see (see `lifecycle.visible_request`)."""
    if ident.role is not Role.CLIENT or ident.company is None:
        raise Forbidden("投诉建议需要先绑定为客户哦。")
    description = description.strip()
    if not description:
        raise DomainError("请说一下遇到了什么问题。", "empty")
    staff_id = request.handler_id if request is not None else None
    about = ""
    if request is not None:
        about = f"\n涉及业务：{request.title}（{request.handler_name or '未接单'}）"
    if staff_name:
        named = await uow.identities.staff_by_name(ident.firm.id, staff_name)
        if named is not None:
            staff_id = named.id
            about += f"\n涉及会计：{named.name}"
    number = await uow.requests.next_number(ident.firm.id, COMPLAINT_SERIES)
    c = await uow.complaints.add(
        NewComplaint(
            firm_id=ident.firm.id,
            number=number,
            company_id=ident.company.id,
            client_openid=ident.openid,
            client_name=f"{ident.company.name} {ident.display_name}",
            description=description[:MAX_TEXT],
            created_at=now,
            photos=tuple(photos),
            request_id=request.id if request is not None else None,
            staff_id=staff_id,
        )
    )
    await _tell_admins_opened(uow, c, about, now)
    return c


async def open_from_rating(
    uow: UnitOfWork, req: ServiceRequest, client_name: str, summary: str, now: datetime
) -> Complaint | None:
    """A low rating becomes a follow-up case for the admins, once per request."""
    if await uow.complaints.for_request(req.id) is not None:
        return None
    number = await uow.requests.next_number(req.firm_id, COMPLAINT_SERIES)
    c = await uow.complaints.add(
        NewComplaint(
            firm_id=req.firm_id,
            number=number,
            company_id=req.company_id,
            client_openid=req.client_openid,
            client_name=client_name,
            description=summary,
            created_at=now,
            request_id=req.id,
            staff_id=req.handler_id,
            source="rating",
        )
    )
    about = f"\n涉及业务：{req.title}（{req.handler_name or '未接单'}）"
    await _tell_admins_opened(uow, c, about, now)
    return c


async def resolve(
    uow: UnitOfWork, ident: Identity, number: str, resolution: str, now: datetime
) -> Complaint:
    """An admin closes a case; the client hears the outcome."""
    if not ident.is_admin:
        raise Forbidden("处理投诉需要管理员权限。")
    resolution = resolution.strip()
    if not resolution:
        raise DomainError(f"请写上处理结果，例如：结案 {number} 已电话回访并致歉。", "empty")
    c = await uow.complaints.get(ident.firm.id, number)
    if c is None:
        raise NotFound(f"没有找到投诉 {number}，请核对一下。")
    if not await uow.complaints.resolve(c.id, resolution[:MAX_TEXT], ident.display_name, now):
        raise Conflict(f"投诉 {number} 已经处理过了。")
    await uow.outbox.add(
        Notice(
            c.client_openid,
            "complaint_resolved",
            f"您反馈的问题（{c.number}）已处理：{resolution}\n感谢您的耐心，如仍有不满意请随时告诉我们。",
            template_fields={"number": c.number, "resolution": resolution[:60]},
        ),
        now,
    )
    return c
