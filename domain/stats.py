"""Figures per staff member for any period: requests claimed and completed, the ratings they
got (averages per aspect, low ones), and complaints about them. A staff member sees their
own; admins see anyone's on the staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.actors import Actor
from domain.errors import Forbidden, NotFound
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class StaffFigures:
    staff_id: int
    name: str
    since: datetime  # the period, [since, until)
    until: datetime
    claimed: int
    completed: int
    ratings: int
    attitude: float | None  # the average score; None without ratings
    speed: float | None
    low_ratings: int
    complaints: int


async def staff_figures(
    uow: UnitOfWork,
    actor: Actor,
    since: datetime,
    until: datetime,
    staff_id: int | None = None,
) -> StaffFigures:
    """The figures of `staff_id` (by default the acting staff member) between `since` and
    `until`."""
    if not actor.is_staff or actor.staff_id is None:
        raise Forbidden("staff_only")
    whom = actor.staff_id if staff_id is None else staff_id
    if whom != actor.staff_id and not actor.is_admin:
        raise Forbidden("admins_only_figures")
    staff = await uow.identities.get_staff(whom)
    if staff is None or staff.firm_id != actor.firm_id:
        raise NotFound("staff_not_found")
    ratings = list(await uow.ratings.for_staff(whom, since, until))
    count = len(ratings)
    return StaffFigures(
        staff_id=whom,
        name=staff.name,
        since=since,
        until=until,
        claimed=await uow.requests.count_claimed(whom, since, until),
        completed=await uow.requests.count_completed(whom, since, until),
        ratings=count,
        attitude=sum(r.attitude for r in ratings) / count if count else None,
        speed=sum(r.speed for r in ratings) / count if count else None,
        low_ratings=sum(1 for r in ratings if r.low),
        complaints=await uow.complaints.count_for_staff(whom, since, until),
    )
