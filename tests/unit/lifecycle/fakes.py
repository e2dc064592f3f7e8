"""In-memory fakes of the lifecycle's repositories, with the same conditional-update
semantics as storage: `transition` changes a request only when its expectations hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from domain.complaints import OPEN, RESOLVED, Complaint, NewComplaint
from domain.conversation import Conversation
from domain.identity import Firm, Identity
from domain.ratings import Rating
from domain.requests import NewRequest, RequestEvent, ServiceRequest, Status
from handlers.message import Inbound
from handlers.turn import Ports, Turn
from tests.support.fakes import FakeIdentities, FakeUnitOfWork
from tests.support.stories import LifecycleNLU

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TIMED = (Status.SUBMITTED, Status.CLAIMED, Status.ASSIGNED)


class FakeRequests:
    def __init__(self, identities: FakeIdentities) -> None:
        self.identities = identities
        self.rows: dict[int, ServiceRequest] = {}
        self.log: list[RequestEvent] = []
        self.series: dict[tuple[int, str], int] = {}

    def _fill(self, r: ServiceRequest) -> ServiceRequest:
        handler = self.identities.staff.get(r.handler_id) if r.handler_id else None
        company = self.identities.companies[r.company_id]
        return replace(r, handler_name=handler.name if handler else None, company_name=company.name)

    async def next_number(self, firm_id: int, series: str) -> str:
        value = self.series.get((firm_id, series), 1000) + 1
        self.series[(firm_id, series)] = value
        return f"{series}{value}"

    async def add(self, new: NewRequest) -> ServiceRequest:
        r = ServiceRequest(
            id=len(self.rows) + 1,
            firm_id=new.firm_id,
            number=new.number,
            company_id=new.company_id,
            contact_id=new.contact_id,
            client_openid=new.client_openid,
            type=new.type,
            description=new.description,
            urgency=new.urgency,
            photos=new.photos,
            status=Status.SUBMITTED,
            created_at=new.created_at,
            due_at=new.due_at,
            push_count=1,
            updated_at=new.created_at,
        )
        self.rows[r.id] = r
        return self._fill(r)

    async def get(self, firm_id: int, number: str) -> ServiceRequest | None:
        r = next(
            (r for r in self.rows.values() if r.firm_id == firm_id and r.number == number), None
        )
        return self._fill(r) if r else None

    async def get_by_id(self, request_id: int) -> ServiceRequest | None:
        r = self.rows.get(request_id)
        return self._fill(r) if r else None

    async def list_for_company(
        self, company_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]:
        return [
            self._fill(r)
            for r in self.rows.values()
            if r.company_id == company_id and r.status in statuses
        ]

    async def list_for_handler(
        self, staff_id: int, statuses: frozenset[Status]
    ) -> Sequence[ServiceRequest]:
        return [
            self._fill(r)
            for r in self.rows.values()
            if r.handler_id == staff_id and r.status in statuses
        ]

    async def list_by_status(
        self, firm_id: int, statuses: frozenset[Status], limit: int = 20
    ) -> Sequence[ServiceRequest]:
        return [
            self._fill(r)
            for r in self.rows.values()
            if r.firm_id == firm_id and r.status in statuses
        ][:limit]

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
        **changes: Any,
    ) -> bool:
        r = self.rows.get(request_id)
        if r is None or r.status not in from_:
            return False
        if expect_handler is not None and r.handler_id != expect_handler:
            return False
        if expect_push_count is not None and r.push_count != expect_push_count:
            return False
        if expect_reminded is not None and (r.reminded_at is not None) != expect_reminded:
            return False
        self.rows[request_id] = replace(r, status=to, updated_at=now, **changes)
        return True

    async def add_event(self, event: RequestEvent) -> None:
        self.log.append(event)

    async def events(self, request_id: int) -> Sequence[RequestEvent]:
        return [e for e in self.log if e.request_id == request_id]

    async def due(self, now: datetime, limit: int = 100) -> Sequence[ServiceRequest]:
        due = [r for r in self.rows.values() if r.due_at and r.due_at <= now and r.status in TIMED]
        return [self._fill(r) for r in sorted(due, key=lambda r: (r.due_at, r.id))][:limit]

    async def count_claimed(self, staff_id: int, since: datetime, until: datetime) -> int:
        return sum(
            1
            for r in self.rows.values()
            if r.handler_id == staff_id and r.claimed_at and since <= r.claimed_at < until
        )

    async def count_completed(self, staff_id: int, since: datetime, until: datetime) -> int:
        return sum(
            1
            for r in self.rows.values()
            if r.handler_id == staff_id and r.completed_at and since <= r.completed_at < until
        )


class FakeRatings:
    def __init__(self) -> None:
        self.rows: dict[int, Rating] = {}

    async def get(self, request_id: int) -> Rating | None:
        return self.rows.get(request_id)

    async def save(self, rating: Rating) -> None:
        self.rows[rating.request_id] = rating

    async def for_staff(self, staff_id: int, since: datetime, until: datetime) -> Sequence[Rating]:
        return [
            r
            for r in self.rows.values()
            if r.staff_id == staff_id and since <= r.created_at < until
        ]


class FakeComplaints:
    def __init__(self) -> None:
        self.rows: dict[int, Complaint] = {}

    async def add(self, new: NewComplaint) -> Complaint:
        c = Complaint(id=len(self.rows) + 1, **new.__dict__)
        self.rows[c.id] = c
        return c

    async def get(self, firm_id: int, number: str) -> Complaint | None:
        return next(
            (c for c in self.rows.values() if c.firm_id == firm_id and c.number == number), None
        )

    async def for_request(self, request_id: int) -> Complaint | None:
        return next((c for c in self.rows.values() if c.request_id == request_id), None)

    async def resolve(self, complaint_id: int, resolution: str, by: str, now: datetime) -> bool:
        c = self.rows[complaint_id]
        if c.status != OPEN:
            return False
        self.rows[complaint_id] = replace(
            c, status=RESOLVED, resolution=resolution, resolved_by=by, resolved_at=now
        )
        return True

    async def reopen(self, complaint_id: int, note: str, by: str, now: datetime) -> bool:
        c = self.rows[complaint_id]
        if c.status != RESOLVED:
            return False
        self.rows[complaint_id] = replace(
            c, status=OPEN, reopen_note=note, reopened_by=by, reopened_at=now
        )
        return True

    async def count_for_staff(self, staff_id: int, since: datetime, until: datetime) -> int:
        return sum(
            1
            for c in self.rows.values()
            if c.staff_id == staff_id and since <= c.created_at < until
        )


class LifecycleUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.requests = FakeRequests(self.identities)
        self.ratings = FakeRatings()
        self.complaints = FakeComplaints()


@dataclass
class Office:
    """A firm with an admin, two accountants and two client companies, all bound."""

    uow: LifecycleUoW
    firm: Firm
    convs: dict[str, Conversation]
    # The parser turns go through: the keyword NLU unless a test passes the real one.
    nlu: Any = None

    async def who(self, openid: str) -> Identity:
        return await self.uow.identities.resolve(self.firm, openid)

    async def say(
        self,
        openid: str,
        text: str = "",
        menu_id: str = "",
        *,
        msg_type: str = "text",
        media_id: str = "",
        now: datetime = NOW,
    ) -> str:
        """One turn through the real router; the replies' texts joined."""
        replies = await self.replies(
            openid, text, menu_id, msg_type=msg_type, media_id=media_id, now=now
        )
        return "\n".join(getattr(r, "text", "") for r in replies)

    async def replies(
        self,
        openid: str,
        text: str = "",
        menu_id: str = "",
        *,
        msg_type: str = "text",
        media_id: str = "",
        now: datetime = NOW,
    ) -> list[Any]:
        """One turn through the real router; the reply values, as the edge gets them."""
        from handlers.app import build_root

        conv = self.convs.setdefault(openid, Conversation(self.firm.appid, openid))
        msg = Inbound(openid, msg_type, now, text=text, menu_id=menu_id, media_id=media_id)
        nlu = self.nlu or LifecycleNLU()
        turn = Turn(msg, await self.who(openid), conv, self.uow, Ports(nlu=nlu), now)
        replies = await build_root().handle(turn)
        conv.updated_at = now
        return list(replies)

    def told(self, openid: str, kind: str | None = None) -> list[Any]:
        return [
            n
            for n in self.uow.outbox.notices
            if n.recipient == openid and (kind is None or n.kind == kind)
        ]


async def office() -> Office:
    uow = LifecycleUoW()
    ids = uow.identities
    firm = await ids.add_firm("测试代账", "wx_unit")
    people = [
        (await ids.add_staff(firm.id, "赵主管", "138", True), "o_admin"),
        (await ids.add_staff(firm.id, "王会计", "139"), "o_wang"),
        (await ids.add_staff(firm.id, "李会计", "137"), "o_li"),
    ]
    for s, openid in people:
        ids.staff[s.id] = replace(s, openid=openid)
    wang = people[1][0]
    for i, (company_name, openid) in enumerate((("青禾餐饮", "o_chen"), ("云帆科技", "o_liu"))):
        company = await ids.add_company(firm.id, company_name, wang.id)
        contact = await ids.add_contact(company.id, f"客户{i}", "135")
        ids.contacts[contact.id] = replace(contact, openid=openid)
    return Office(uow, firm, {})
