"""What the panel's report pages read, each for admins only: complaints, the team's figures
for a period (绩效), the firm's money at a glance, and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from domain.actors import Actor
from domain.audit import ACTIONS, AuditEntry
from domain.clock import SHANGHAI, local
from domain.complaints import OPEN, RESOLVED, Complaint
from domain.errors import Forbidden, Invalid, NotFound
from domain.panel_figures import AccountantFigures, MoneyFigures
from domain.panel_ports import PanelUnitOfWork
from domain.ratings import Rating
from domain.requests import ServiceRequest


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_reports")


async def complaint_list(
    uow: PanelUnitOfWork, actor: Actor, status: str | None, page: int, per_page: int
) -> tuple[Sequence[Complaint], int]:
    _admin(actor)
    wanted = status if status in (OPEN, RESOLVED) else None
    return await uow.panel_reads.complaints(actor.firm_id, wanted, page, per_page)


async def complaint_detail(
    uow: PanelUnitOfWork, actor: Actor, number: str
) -> tuple[Complaint, ServiceRequest | None, Rating | None]:
    """The case, the request it is about and the rating that opened it (if any)."""
    _admin(actor)
    c = await uow.complaints.get(actor.firm_id, number)
    if c is None:
        raise NotFound("complaint_not_found", number=number)
    req = await uow.requests.get_by_id(c.request_id) if c.request_id else None
    rating = await uow.ratings.get(c.request_id) if c.request_id else None
    return c, req, rating


def period_of(since: date, until: date) -> tuple[datetime, datetime]:
    """Whole days in Beijing time, `until` included, as [start, end)."""
    if until < since:
        raise Invalid("period_reversed")
    if (until - since).days > 366:
        raise Invalid("period_too_long")
    start = datetime.combine(since, time(0), SHANGHAI)
    return start, datetime.combine(until + timedelta(days=1), time(0), SHANGHAI)


async def team_figures(
    uow: PanelUnitOfWork, actor: Actor, since: datetime, until: datetime
) -> Sequence[AccountantFigures]:
    _admin(actor)
    return await uow.panel_reads.team_figures(actor.firm_id, since, until)


async def money(uow: PanelUnitOfWork, actor: Actor, now: datetime) -> MoneyFigures:
    """Outstanding, overdue (by Beijing's calendar) and paid since the 1st of this month."""
    _admin(actor)
    today = local(now).date()
    month_start = datetime.combine(today.replace(day=1), time(0), SHANGHAI)
    return await uow.panel_reads.money(actor.firm_id, today, month_start)


async def audit_page(
    uow: PanelUnitOfWork, actor: Actor, action: str | None, page: int, per_page: int
) -> tuple[Sequence[AuditEntry], int]:
    _admin(actor)
    wanted = action if action in ACTIONS else None
    return await uow.audit.page(actor.firm_id, wanted, page, per_page)
