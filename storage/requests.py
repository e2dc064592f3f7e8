"""Repositories for requests (with their timeline and number series), ratings and complaints.

State changes on a request are single conditional UPDATEs (`transition`): the database decides
who wins a race, never a read followed by a write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.complaints import OPEN, RESOLVED, Complaint, NewComplaint
from domain.ratings import Rating
from domain.requests import (
    EventKind,
    NewRequest,
    RequestEvent,
    ServiceRequest,
    Status,
    Urgency,
)
from storage.tables.identity import CompanyRow, StaffRow
from storage.tables.requests import (
    ComplaintRow,
    NumberSeriesRow,
    RatingRow,
    RequestEventRow,
    RequestRow,
)

FIRST_NUMBER = 1001
# Timers the scheduler works: unclaimed requests and claims waiting for their first progress.
# A select of (RequestRow, handler name, company name); typed loosely across SQLAlchemy 2.0/2.1.
_Query = Any
TIMED = (Status.SUBMITTED.value, Status.CLAIMED.value, Status.ASSIGNED.value)


def _media(value: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple((value or {}).get("media_ids", ()))


def _request(row: RequestRow, handler: str | None, company: str) -> ServiceRequest:
    return ServiceRequest(
        id=row.id,
        firm_id=row.firm_id,
        number=row.number,
        company_id=row.company_id,
        contact_id=row.contact_id,
        client_openid=row.client_openid,
        type=row.type,
        description=row.description,
        urgency=Urgency(row.urgency),
        photos=_media(row.photos),
        status=Status(row.status),
        created_at=row.created_at,
        handler_id=row.handler_id,
        handler_name=handler,
        company_name=company,
        claimed_at=row.claimed_at,
        first_progress_at=row.first_progress_at,
        completed_at=row.completed_at,
        due_at=row.due_at,
        push_count=row.push_count,
        reminded_at=row.reminded_at,
        latest_progress=row.latest_progress,
        updated_at=row.updated_at,
    )


def _statuses(statuses: frozenset[Status]) -> list[str]:
    return sorted(s.value for s in statuses)


class SqlRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _select(self) -> _Query:
        # populate_existing: a row re-read after a lost race must show the winner's values.
        return (
            select(RequestRow, StaffRow.name, CompanyRow.name)
            .outerjoin(StaffRow, StaffRow.id == RequestRow.handler_id)
            .join(CompanyRow, CompanyRow.id == RequestRow.company_id)
            .execution_options(populate_existing=True)
        )

    async def _one(self, q: _Query) -> ServiceRequest | None:
        row = (await self.s.execute(q)).first()
        return _request(row[0], row[1], row[2]) if row else None

    async def _many(self, q: _Query) -> list[ServiceRequest]:
        return [_request(r[0], r[1], r[2]) for r in await self.s.execute(q)]

    async def next_number(self, firm_id: int, series: str) -> str:
        for _ in range(3):
            bumped = await self.s.execute(
                update(NumberSeriesRow)
                .where(NumberSeriesRow.firm_id == firm_id, NumberSeriesRow.series == series)
                .values(last=NumberSeriesRow.last + 1)
                .returning(NumberSeriesRow.last)
            )
            value = bumped.scalar_one_or_none()
            if value is not None:
                return f"{series}{value}"
            try:
                async with self.s.begin_nested():
                    self.s.add(NumberSeriesRow(firm_id=firm_id, series=series, last=FIRST_NUMBER))
            except IntegrityError:
                continue  # another transaction started the series first: bump theirs
            return f"{series}{FIRST_NUMBER}"
        raise RuntimeError(f"could not draw a number in series {series!r}")

    async def add(self, new: NewRequest) -> ServiceRequest:
        row = RequestRow(
            firm_id=new.firm_id,
            number=new.number,
            company_id=new.company_id,
            contact_id=new.contact_id,
            client_openid=new.client_openid,
            type=new.type,
            description=new.description,
            urgency=new.urgency.value,
            photos={"media_ids": list(new.photos)},
            status=Status.SUBMITTED.value,
            created_at=new.created_at,
            updated_at=new.created_at,
            due_at=new.due_at,
            push_count=1,
            latest_progress="",
        )
        self.s.add(row)
        await self.s.flush()
        req = await self.get_by_id(row.id)
        assert req is not None
        return req

    async def get(self, firm_id: int, number: str) -> ServiceRequest | None:
        return await self._one(
            self._select().where(RequestRow.firm_id == firm_id, RequestRow.number == number)
        )

    async def get_by_id(self, request_id: int) -> ServiceRequest | None:
        return await self._one(self._select().where(RequestRow.id == request_id))

    async def list_for_company(
        self, company_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]:
        return await self._many(
            self._select()
            .where(RequestRow.company_id == company_id, RequestRow.status.in_(_statuses(statuses)))
            .order_by(RequestRow.id)
        )

    async def list_for_handler(
        self, staff_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]:
        return await self._many(
            self._select()
            .where(RequestRow.handler_id == staff_id, RequestRow.status.in_(_statuses(statuses)))
            .order_by(RequestRow.id)
        )

    async def list_by_status(
        self, firm_id: int, statuses: frozenset[Status], limit: int = 20
    ) -> Sequence[ServiceRequest]:
        return await self._many(
            self._select()
            .where(RequestRow.firm_id == firm_id, RequestRow.status.in_(_statuses(statuses)))
            .order_by(RequestRow.id)
            .limit(limit)
        )

    async def transition(
        self,
        request_id: int,
        from_: frozenset[Status],
        to: Status,
        now: datetime,
        *,
        expect_handler: int | None = None,
        expect_push_count: int | None = None,
        expect_reminded: bool | None = None,
        **changes: object,
    ) -> bool:
        q = update(RequestRow).where(
            RequestRow.id == request_id, RequestRow.status.in_(_statuses(from_))
        )
        if expect_handler is not None:
            q = q.where(RequestRow.handler_id == expect_handler)
        if expect_push_count is not None:
            q = q.where(RequestRow.push_count == expect_push_count)
        if expect_reminded is True:
            q = q.where(RequestRow.reminded_at.is_not(None))
        elif expect_reminded is False:
            q = q.where(RequestRow.reminded_at.is_(None))
        result = await self.s.execute(
            q.values(status=to.value, updated_at=now, **changes).execution_options(
                synchronize_session=False
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_event(self, event: RequestEvent) -> None:
        self.s.add(
            RequestEventRow(
                request_id=event.request_id,
                at=event.at,
                kind=event.kind.value,
                actor=event.actor[:50],
                actor_id=event.actor_id,
                text=event.text,
                photos={"media_ids": list(event.photos)},
                facts=dict(event.facts) or None,
            )
        )
        await self.s.flush()

    async def events(self, request_id: int) -> Sequence[RequestEvent]:
        rows = await self.s.scalars(
            select(RequestEventRow)
            .where(RequestEventRow.request_id == request_id)
            .order_by(RequestEventRow.id)
        )
        return [
            RequestEvent(
                r.request_id,
                r.at,
                EventKind(r.kind),
                r.actor,
                r.text,
                _media(r.photos),
                r.actor_id,
                dict(r.facts or {}),
            )
            for r in rows
        ]

    async def due(self, now: datetime, limit: int = 100) -> Sequence[ServiceRequest]:
        return await self._many(
            self._select()
            .where(RequestRow.due_at <= now, RequestRow.status.in_(TIMED))
            .order_by(RequestRow.due_at, RequestRow.id)
            .limit(limit)
        )

    async def count_claimed(self, staff_id: int, since: datetime, until: datetime) -> int:
        return await self._count(RequestRow.claimed_at, staff_id, since, until)

    async def count_completed(self, staff_id: int, since: datetime, until: datetime) -> int:
        return await self._count(RequestRow.completed_at, staff_id, since, until)

    async def _count(self, column: Any, staff_id: int, since: datetime, until: datetime) -> int:
        value = await self.s.scalar(
            select(func.count())
            .select_from(RequestRow)
            .where(RequestRow.handler_id == staff_id, column >= since, column < until)
        )
        return int(value or 0)


def _rating(r: RatingRow) -> Rating:
    return Rating(
        r.request_id,
        r.firm_id,
        r.company_id,
        r.staff_id,
        r.attitude,
        r.speed,
        r.comment,
        r.created_at,
        r.updated_at,
    )


class SqlRatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, request_id: int) -> Rating | None:
        row = await self.s.get(RatingRow, request_id, populate_existing=True)
        return _rating(row) if row else None

    async def save(self, rating: Rating) -> None:
        row = await self.s.get(RatingRow, rating.request_id)
        if row is None:
            row = RatingRow(request_id=rating.request_id, created_at=rating.created_at)
            self.s.add(row)
        row.firm_id = rating.firm_id
        row.company_id = rating.company_id
        row.staff_id = rating.staff_id
        row.attitude = rating.attitude
        row.speed = rating.speed
        row.comment = rating.comment
        row.updated_at = rating.updated_at
        await self.s.flush()

    async def for_staff(self, staff_id: int, since: datetime, until: datetime) -> Sequence[Rating]:
        rows = await self.s.scalars(
            select(RatingRow).where(
                RatingRow.staff_id == staff_id,
                RatingRow.created_at >= since,
                RatingRow.created_at < until,
            )
        )
        return [_rating(r) for r in rows]


def _complaint(r: ComplaintRow) -> Complaint:
    return Complaint(
        id=r.id,
        firm_id=r.firm_id,
        number=r.number,
        company_id=r.company_id,
        client_openid=r.client_openid,
        client_name=r.client_name,
        description=r.description,
        created_at=r.created_at,
        photos=_media(r.photos),
        request_id=r.request_id,
        staff_id=r.staff_id,
        source=r.source,
        status=r.status,
        resolution=r.resolution,
        resolved_by=r.resolved_by,
        resolved_at=r.resolved_at,
        reopened_at=r.reopened_at,
        reopened_by=r.reopened_by,
        reopen_note=r.reopen_note,
    )


class SqlComplaintRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, new: NewComplaint) -> Complaint:
        row = ComplaintRow(
            firm_id=new.firm_id,
            number=new.number,
            company_id=new.company_id,
            client_openid=new.client_openid,
            client_name=new.client_name[:150],
            description=new.description,
            photos={"media_ids": list(new.photos)},
            request_id=new.request_id,
            staff_id=new.staff_id,
            source=new.source,
            status=OPEN,
            resolution="",
            resolved_by="",
            created_at=new.created_at,
        )
        self.s.add(row)
        await self.s.flush()
        return _complaint(row)

    async def get(self, firm_id: int, number: str) -> Complaint | None:
        row = await self.s.scalar(
            select(ComplaintRow)
            .where(ComplaintRow.firm_id == firm_id, ComplaintRow.number == number)
            .execution_options(populate_existing=True)
        )
        return _complaint(row) if row else None

    async def for_request(self, request_id: int) -> Complaint | None:
        row = await self.s.scalar(
            select(ComplaintRow).where(ComplaintRow.request_id == request_id).limit(1)
        )
        return _complaint(row) if row else None

    async def resolve(self, complaint_id: int, resolution: str, by: str, now: datetime) -> bool:
        result = await self.s.execute(
            update(ComplaintRow)
            .where(ComplaintRow.id == complaint_id, ComplaintRow.status == OPEN)
            .values(status=RESOLVED, resolution=resolution, resolved_by=by[:50], resolved_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reopen(self, complaint_id: int, note: str, by: str, now: datetime) -> bool:
        result = await self.s.execute(
            update(ComplaintRow)
            .where(ComplaintRow.id == complaint_id, ComplaintRow.status == RESOLVED)
            .values(status=OPEN, reopen_note=note, reopened_by=by[:50], reopened_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_for_staff(self, staff_id: int, since: datetime, until: datetime) -> int:
        value = await self.s.scalar(
            select(func.count())
            .select_from(ComplaintRow)
            .where(
                ComplaintRow.staff_id == staff_id,
                ComplaintRow.created_at >= since,
                ComplaintRow.created_at < until,
            )
        )
        return int(value or 0)
