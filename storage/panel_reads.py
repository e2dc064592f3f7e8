"""The read models of the panel's lists, each page in a fixed number of queries whatever the
firm's size: the client list with its tag filters, complaints, the team's figures for a
period, and the firm's money."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    Float,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.client_stages import ClientFacts, StageRules
from domain.client_tags import ClientFilter, ClientPage, ClientSummary
from domain.clock import SHANGHAI
from domain.complaints import Complaint
from domain.identity import ClientCompany
from domain.panel_figures import AccountantFigures, MoneyFigures, MonthCounts, MonthPaid
from domain.ratings import LOW_SCORE
from domain.requests import OPEN
from storage.client_facts import read_client_facts
from storage.requests import _complaint
from storage.tables.billing import BillRow
from storage.tables.identity import CompanyRow, ContactRow, StaffRow
from storage.tables.panel import ClientTagRow, CompanyTagRow
from storage.tables.requests import ComplaintRow, RatingRow, RequestRow

MONTHS_SHOWN = 6
UNPAID = "unpaid"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _month_starts(today: date, n: int) -> list[date]:
    """The 1st of this month and of the n-1 before it, oldest first."""
    starts = [today.replace(day=1)]
    while len(starts) < n:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


_TRENDS: dict[tuple[int, bool], Any] = {}


def _trend_statement(months: int, one_person: bool) -> Any:
    """The trend's counts for `months` months, the bounds bound as :b0 .. :b<months>, the firm
    as :firm and, for one person's trend, the handler as :staff."""
    key = (months, one_person)
    if key not in _TRENDS:
        parts = []
        for kind, col in (("c", RequestRow.claimed_at), ("d", RequestRow.completed_at)):
            for i in range(months):
                where = [
                    RequestRow.firm_id == bindparam("firm"),
                    col >= bindparam(f"b{i}"),
                    col < bindparam(f"b{i + 1}"),
                ]
                if one_person:
                    where.append(RequestRow.handler_id == bindparam("staff"))
                parts.append(
                    select(literal(kind).label("kind"), literal(i).label("i"), func.count()).where(
                        *where
                    )
                )
        _TRENDS[key] = union_all(*parts)
    return _TRENDS[key]


class SqlPanelReads:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def clients(self, firm_id: int, wanted: ClientFilter, per_page: int) -> ClientPage:
        where: list[Any] = [CompanyRow.firm_id == firm_id]
        if wanted.accountant_id is not None:
            where.append(CompanyRow.accountant_id == wanted.accountant_id)
        if wanted.search:
            where.append(CompanyRow.name.like(_like(wanted.search), escape="\\"))
        for tag_id in wanted.tag_ids:
            # An IN over the tag's index: the database may start from the rarest tag's
            # companies instead of testing every company of the firm.
            where.append(
                CompanyRow.id.in_(
                    select(CompanyTagRow.company_id).where(CompanyTagRow.tag_id == tag_id)
                )
            )
        total = int(
            await self.s.scalar(select(func.count()).select_from(CompanyRow).where(*where)) or 0
        )
        contacts = (
            select(func.count())
            .where(ContactRow.company_id == CompanyRow.id)
            .correlate(CompanyRow)
            .scalar_subquery()
        )
        open_requests = (
            select(func.count())
            .where(
                RequestRow.company_id == CompanyRow.id,
                RequestRow.status.in_(sorted(s.value for s in OPEN)),
            )
            .correlate(CompanyRow)
            .scalar_subquery()
        )
        q = (
            select(
                CompanyRow.id,
                CompanyRow.name,
                CompanyRow.accountant_id,
                StaffRow.name,
                contacts,
                open_requests,
            )
            .outerjoin(StaffRow, StaffRow.id == CompanyRow.accountant_id)
            .where(*where)
            .order_by(CompanyRow.id)
            .offset((wanted.page - 1) * per_page)
            .limit(per_page)
        )
        rows = list(await self.s.execute(q))
        tags: dict[int, list[str]] = {}
        if rows:
            for company_id, name in await self.s.execute(
                select(CompanyTagRow.company_id, ClientTagRow.name)
                .join(ClientTagRow, ClientTagRow.id == CompanyTagRow.tag_id)
                .where(CompanyTagRow.company_id.in_([r[0] for r in rows]))
                .order_by(ClientTagRow.group, ClientTagRow.name)
            ):
                tags.setdefault(company_id, []).append(name)
        items = [
            ClientSummary(
                cid, name, acc_id, acc, int(nc or 0), int(no or 0), tuple(tags.get(cid, ()))
            )
            for cid, name, acc_id, acc, nc, no in rows
        ]
        return ClientPage(items, total, wanted.page, per_page)

    async def company_choices(
        self, firm_id: int, accountant_id: int | None, limit: int, chosen: int | None
    ) -> Sequence[ClientCompany]:
        where: list[Any] = [CompanyRow.firm_id == firm_id]
        if accountant_id is not None:
            where.append(CompanyRow.accountant_id == accountant_id)
        # Plain rows, not ORM objects: a hundred of them on every drawing of the board.
        columns = (CompanyRow.id, CompanyRow.firm_id, CompanyRow.name, CompanyRow.accountant_id)
        q = select(*columns).where(*where).order_by(CompanyRow.name).limit(limit)
        found = [ClientCompany(*r) for r in await self.s.execute(q)]
        if chosen is not None and all(c.id != chosen for c in found):
            row = (
                await self.s.execute(select(*columns).where(*where, CompanyRow.id == chosen))
            ).first()
            if row is not None:
                found.append(ClientCompany(*row))
        return found

    async def complaints(
        self, firm_id: int, status: str | None, page: int, per_page: int
    ) -> tuple[Sequence[Complaint], int]:
        where: list[Any] = [ComplaintRow.firm_id == firm_id]
        if status:
            where.append(ComplaintRow.status == status)
        total = await self.s.scalar(select(func.count()).select_from(ComplaintRow).where(*where))
        rows = await self.s.scalars(
            select(ComplaintRow)
            .where(*where)
            .order_by(ComplaintRow.created_at.desc(), ComplaintRow.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return [_complaint(r) for r in rows], int(total or 0)

    def _sqlite(self) -> bool:
        return bool(self.s.get_bind().dialect.name == "sqlite")

    def _minutes(self, later: Any, earlier: Any) -> Any:
        if self._sqlite():
            return (func.julianday(later) - func.julianday(earlier)) * 1440.0
        return func.extract("epoch", later - earlier) / 60.0

    @staticmethod
    def _in(col: Any, since: datetime, until: datetime) -> Any:
        return and_(col >= since, col < until)

    def _pg_median(self, later: Any, earlier: Any) -> Any:
        """PostgreSQL: the median minutes from `earlier` to `later` of a group, in the group's
        own pass. The lower middle span is the 50th percentile in ascending order, the upper
        middle the 50th in descending order (the same row for an odd count); their minutes
        added and halved are what the mean of the one or two middle values gives, to the bit.
        The spans are sorted as intervals, in the same order as their minutes."""
        span = later - earlier
        lower = func.percentile_disc(0.5).within_group(span)
        upper = func.percentile_disc(0.5).within_group(span.desc())
        return (self._minutes_of(lower) + self._minutes_of(upper)) / 2

    @staticmethod
    def _minutes_of(span: Any) -> Any:
        return func.extract("epoch", span) / 60.0

    async def team_figures(
        self, firm_id: int, since: datetime, until: datetime
    ) -> Sequence[AccountantFigures]:
        """Every figure of every staff member: one UNION ALL of small grouped selects, each
        over its own covering index for the period. On PostgreSQL the medians come with
        their groups' counts; SQLite has no ordered-set aggregate, so a second statement
        ranks each person's values and keeps only the middle ranks the counts point at
        (`_sqlite_medians`)."""
        staff = list(
            await self.s.execute(
                select(StaffRow.id, StaffRow.name, StaffRow.active)
                .where(StaffRow.firm_id == firm_id)
                .order_by(StaffRow.id)
            )
        )
        none = cast(null(), Float)
        sqlite = self._sqlite()

        def part(kind: str, who: Any, *values: Any) -> Any:
            figures = [cast(v, Float) for v in values] + [none] * (4 - len(values))
            return select(literal(kind).label("kind"), who.label("who"), *figures).group_by(who)

        low = case((or_(RatingRow.attitude <= LOW_SCORE, RatingRow.speed <= LOW_SCORE), 1), else_=0)
        claim_minutes = self._minutes(RequestRow.claimed_at, RequestRow.created_at)
        done_minutes = self._minutes(RequestRow.completed_at, RequestRow.created_at)
        claimed_in = (RequestRow.firm_id == firm_id, self._in(RequestRow.claimed_at, since, until))
        done_in = (RequestRow.firm_id == firm_id, self._in(RequestRow.completed_at, since, until))
        claim_median = (
            none if sqlite else self._pg_median(RequestRow.claimed_at, RequestRow.created_at)
        )
        done_median = (
            none if sqlite else self._pg_median(RequestRow.completed_at, RequestRow.created_at)
        )
        # `staff_id + 0`: grouped by the bare column, SQLite walks every staff member's
        # ratings along ix_ratings_staff_created (a skip-scan, to save sorting a dozen
        # groups) instead of the period's range of the covering ix_ratings_firm_created.
        rater = RatingRow.staff_id + 0
        parts = union_all(
            part(
                "claimed",
                RequestRow.handler_id,
                func.count(),
                func.avg(claim_minutes),
                claim_median,
            ).where(*claimed_in),
            part(
                "completed",
                RequestRow.handler_id,
                func.count(),
                func.count(func.distinct(RequestRow.company_id)),
                done_median,
            ).where(*done_in),
            part("fees", CompanyRow.accountant_id, func.sum(BillRow.amount_fen)).where(
                BillRow.firm_id == firm_id,
                BillRow.company_id == CompanyRow.id,
                self._in(BillRow.paid_at, since, until),
            ),
            part(
                "rated",
                rater,
                func.count(),
                func.avg(RatingRow.attitude),
                func.avg(RatingRow.speed),
                func.sum(low),
            ).where(RatingRow.firm_id == firm_id, self._in(RatingRow.created_at, since, until)),
            part("complaints", ComplaintRow.staff_id, func.count()).where(
                ComplaintRow.firm_id == firm_id, self._in(ComplaintRow.created_at, since, until)
            ),
            part("clients", CompanyRow.accountant_id, func.count()).where(
                CompanyRow.firm_id == firm_id
            ),
        )
        got: dict[tuple[str, Any], tuple[Any, ...]] = {
            (kind, who): tuple(values) for kind, who, *values in await self.s.execute(parts)
        }

        def n(kind: str, sid: int) -> int:
            return int(got.get((kind, sid), (0,))[0] or 0)

        def f(kind: str, sid: int, i: int) -> float | None:
            value = got.get((kind, sid), (None,) * 4)[i]
            return float(value) if value is not None else None

        medians: dict[tuple[str, Any], float | None] = {}
        if sqlite:
            counts = {
                kind: {
                    who: int(v[0]) for (k, who), v in got.items() if k == kind and who is not None
                }
                for kind in ("claimed", "completed")
            }
            medians = await self._sqlite_medians(
                [
                    ("claimed", claim_minutes, claimed_in, counts["claimed"]),
                    ("completed", done_minutes, done_in, counts["completed"]),
                ]
            )

        def middle(kind: str, sid: int) -> float | None:
            return medians.get((kind, sid)) if sqlite else f(kind, sid, 2)

        out = []
        for sid, name, active in staff:
            out.append(
                AccountantFigures(
                    staff_id=sid,
                    name=name,
                    active=bool(active),
                    claimed=n("claimed", sid),
                    completed=n("completed", sid),
                    ratings=n("rated", sid),
                    attitude=f("rated", sid, 1),
                    speed=f("rated", sid, 2),
                    low_ratings=int(f("rated", sid, 3) or 0),
                    complaints=n("complaints", sid),
                    clients=n("clients", sid),
                    minutes_to_claim=f("claimed", sid, 1),
                    median_minutes_to_claim=middle("claimed", sid),
                    median_minutes_to_complete=middle("completed", sid),
                    served=int(f("completed", sid, 1) or 0),
                    fees_fen=int(f("fees", sid, 0) or 0),
                )
            )
        return out

    async def _sqlite_medians(
        self, kinds: Sequence[tuple[str, Any, Sequence[Any], dict[int, int]]]
    ) -> dict[tuple[str, Any], float | None]:
        """The medians of each kind's minutes per handler, given how many values each handler
        has (`counts`, from the grouped statement): each handler's values numbered in order by
        one window (a sort of the period's rows, nothing per row after it) and only the middle
        rank or two kept, (n+1)//2 and n//2+1, and averaged; ranks n and n+1 are kept too, to
        see that this statement found as many values as the counts say. If it did not (a
        request claimed or completed between the two statements), that kind's medians are
        counted and ranked again in one statement (`_window_medians`)."""
        parts, plans = [], {}
        for kind, minutes, where, counts in kinds:
            if not counts:
                continue
            rank = func.row_number().over(partition_by=RequestRow.handler_id, order_by=minutes)
            ranked = (
                select(RequestRow.handler_id.label("who"), minutes.label("x"), rank.label("rn"))
                .where(*where)
                .subquery()
            )
            middle = [(w, r) for w, c in counts.items() for r in {(c + 1) // 2, c // 2 + 1}]
            ends = [(w, r) for w, c in counts.items() for r in (c, c + 1)]
            at = tuple_(ranked.c.who, ranked.c.rn)
            parts.append(
                select(
                    literal(kind),
                    ranked.c.who,
                    cast(func.avg(ranked.c.x).filter(at.in_(middle)), Float),
                    func.max(ranked.c.rn),
                )
                .where(at.in_(middle + ends))
                .group_by(ranked.c.who)
            )
            plans[kind] = (minutes, where, counts)
        if not parts:
            return {}
        found = {
            (k, w): (m, int(last)) for k, w, m, last in await self.s.execute(union_all(*parts))
        }
        out: dict[tuple[str, Any], float | None] = {}
        for kind, (minutes, where, counts) in plans.items():
            if all(found.get((kind, w), (None, -1))[1] == c for w, c in counts.items()):
                out.update({(kind, w): found[(kind, w)][0] for w in counts})
            else:
                out.update(await self._window_medians(kind, minutes, where))
        return out

    async def _window_medians(
        self, kind: str, minutes: Any, where: Sequence[Any]
    ) -> dict[tuple[str, Any], float | None]:
        """The medians per handler in one statement that counts as it ranks: each handler's
        values numbered in order, and the middle one (odd count) or two (even count) averaged,
        the rows whose rank r has n <= 2r <= n + 2 for n values. No division, so no integer
        rounding. Slower than `_sqlite_medians` (the count over each whole partition)."""
        who = RequestRow.handler_id
        rank = func.row_number().over(partition_by=who, order_by=minutes)
        # The same window as the rank's (whole partition as its frame), so the database
        # sorts each period's values once.
        n = func.count().over(partition_by=who, order_by=minutes, rows=(None, None))
        d = select(who.label("who"), minutes.label("x"), rank.label("rn"), n.label("n")).where(
            *where
        )
        sub = d.subquery()
        q = (
            select(sub.c.who, cast(func.avg(sub.c.x), Float))
            .where(sub.c.rn * 2 >= sub.c.n, sub.c.rn * 2 <= sub.c.n + 2)
            .group_by(sub.c.who)
        )
        return {(kind, w): m for w, m in await self.s.execute(q)}

    async def monthly_counts(
        self, firm_id: int, staff_id: int | None, bounds: Sequence[datetime]
    ) -> Sequence[MonthCounts]:
        """One statement of small counts, one per month and kind, each a range of the
        (firm, claimed_at, handler) or (firm, completed_at, handler) index read alone: a year of
        a large firm's requests is never fetched or tested row by row. The statement is built
        once per shape, its bounds bound on each call (building and keying two dozen selects
        cost a third of the SQL's own time)."""
        spans = list(pairwise(bounds))
        values: dict[str, Any] = {"firm": firm_id}
        if staff_id is not None:
            values["staff"] = staff_id
        values.update({f"b{i}": bound for i, bound in enumerate(bounds)})
        statement = _trend_statement(len(spans), staff_id is not None)
        got = {(kind, int(i)): int(n) for kind, i, n in await self.s.execute(statement, values)}
        return [
            MonthCounts(
                a.astimezone(SHANGHAI).strftime("%Y-%m"), got.get(("c", i), 0), got.get(("d", i), 0)
            )
            for i, (a, _) in enumerate(spans)
        ]

    async def money(self, firm_id: int, today: date, month_start: datetime) -> MoneyFigures:
        unpaid = BillRow.status == UNPAID
        overdue = and_(unpaid, BillRow.due_on < today)

        def total(cond: Any) -> Any:
            return func.coalesce(func.sum(case((cond, BillRow.amount_fen), else_=0)), 0)

        def count(cond: Any) -> Any:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        edges = [today - timedelta(days=d) for d in (30, 60, 90)]
        ageing = [
            and_(overdue, BillRow.due_on >= edges[0]),
            and_(overdue, BillRow.due_on < edges[0], BillRow.due_on >= edges[1]),
            and_(overdue, BillRow.due_on < edges[1], BillRow.due_on >= edges[2]),
            and_(overdue, BillRow.due_on < edges[2]),
        ]
        row = (
            await self.s.execute(
                select(
                    total(unpaid),
                    count(unpaid),
                    total(overdue),
                    count(overdue),
                    *(total(a) for a in ageing),
                ).where(BillRow.firm_id == firm_id, BillRow.status == UNPAID)
            )
        ).one()
        starts = _month_starts(today, MONTHS_SHOWN)
        bounds = [datetime.combine(d, time(0), SHANGHAI) for d in starts]
        bounds.append(datetime.combine(today + timedelta(days=1), time(0), SHANGHAI))
        months = [and_(BillRow.paid_at >= a, BillRow.paid_at < b) for a, b in pairwise(bounds)]
        paid_this_month = and_(BillRow.paid_at >= month_start)
        paid = (
            await self.s.execute(
                select(
                    *(total(m) for m in months),
                    total(paid_this_month),
                    count(paid_this_month),
                ).where(
                    # Only a paid bill has paid_at (a refunded one keeps it: it was paid).
                    BillRow.firm_id == firm_id,
                    BillRow.paid_at >= bounds[0],
                )
            )
        ).one()
        return MoneyFigures(
            outstanding_fen=int(row[0]),
            outstanding_bills=int(row[1]),
            overdue_fen=int(row[2]),
            overdue_bills=int(row[3]),
            paid_this_month_fen=int(paid[MONTHS_SHOWN]),
            paid_this_month_bills=int(paid[MONTHS_SHOWN + 1]),
            ageing_fen=(int(row[4]), int(row[5]), int(row[6]), int(row[7])),
            by_month=[MonthPaid(d.strftime("%Y-%m"), int(paid[i])) for i, d in enumerate(starts)],
        )

    async def client_facts(
        self, company_id: int, rules: StageRules, now: datetime, today: date
    ) -> ClientFacts:
        return await read_client_facts(self.s, company_id, rules, now, today)
