"""Who hears about requests: the firm's active staff, its admins, one notice each with the same
facts. Services use these to record notices; the wording happens when they are sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.identity import Staff
from domain.notices import Facts, Notice, NoticeKind, Photo
from domain.ports import UnitOfWork


async def active_staff(uow: UnitOfWork, firm_id: int) -> list[Staff]:
    return [s for s in await uow.identities.list_staff(firm_id, active_only=True) if s.openid]


async def admins(uow: UnitOfWork, firm_id: int) -> list[Staff]:
    return [s for s in await active_staff(uow, firm_id) if s.is_admin]


async def tell_staff(
    uow: UnitOfWork,
    people: Iterable[Staff],
    now: datetime,
    kind: NoticeKind,
    facts: Facts,
    dedup: str | None = None,
) -> int:
    """The same notice to several staff members; `dedup` makes a re-run queue nothing new."""
    sent = 0
    for s in people:
        if not s.openid:
            continue
        key = f"{dedup}:{s.id}" if dedup else None
        await uow.outbox.add(Notice(s.openid, kind, facts, key), now)
        sent += 1
    return sent


async def tell_admins(
    uow: UnitOfWork,
    firm_id: int,
    now: datetime,
    kind: NoticeKind,
    facts: Facts,
    dedup: str | None = None,
) -> int:
    return await tell_staff(uow, await admins(uow, firm_id), now, kind, facts, dedup)


def photo_notices(recipient: str, kind: NoticeKind, photos: Sequence[str]) -> list[Notice]:
    """Photos forwarded one by one (media ids stay valid for three days)."""
    return [Notice(recipient, kind, Photo(m)) for m in photos]
