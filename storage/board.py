"""The work board's queries: counts per column and pages of one column, under the viewer's
scope and the filter, each column's rule (`domain.board.COLUMNS`) turned into SQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from typing import cast as as_type

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.board import (
    COLUMNS,
    COUNT_CAP,
    TIMED,
    BoardFilter,
    BoardPage,
    Column,
    ColumnRule,
    DatedBy,
    Viewer,
)
from domain.requests import RequestEvent, ServiceRequest, Status
from storage.requests import SqlRequestRepository, _request
from storage.tables.identity import CompanyRow, StaffRow
from storage.tables.requests import RequestRow


def _timer(overdue: bool | None) -> list[Any]:
    """Whether the request's timer has run out, as a range of the (firm, status, due) index."""
    if overdue is True:
        return [RequestRow.due_at.is_not(None), RequestRow.due_at <= _NOW]
    if overdue is False:
        return [or_(RequestRow.due_at.is_(None), RequestRow.due_at > _NOW)]
    return []


def _parts(column: Column) -> list[tuple[Status, bool | None]]:
    """A column as single statuses (each an index range of its own), with its timer rule;
    a status outside `TIMED` has no timer, so its rule does not apply."""
    rule = COLUMNS[column]
    return [(s, rule.overdue if s in TIMED else None) for s in sorted(rule.statuses)]


def _rule(rule: ColumnRule) -> Any:
    clause = RequestRow.status.in_(sorted(s.value for s in rule.statuses))
    return and_(clause, *_timer(rule.overdue))


FINISHED_COLUMNS = frozenset({Column.DONE, Column.CANCELLED})


def _ordered(q: Any, column: Column) -> Any:
    """Urgent first, then oldest first (what has waited longest is at the top); finished
    work the most recent first."""
    if column in FINISHED_COLUMNS:
        return q.order_by(RequestRow.updated_at.desc(), RequestRow.id.desc())
    return q.order_by((RequestRow.urgency == "urgent").desc(), RequestRow.created_at, RequestRow.id)


def _sort_key(column: Column, urgency: str, created: datetime, changed: datetime, id_: int) -> Any:
    """`_ordered`'s order, in Python, for merging the parts' first rows."""
    if column in FINISHED_COLUMNS:
        return (-changed.timestamp(), -id_)
    return (urgency != "urgent", created.timestamp(), id_)


# The board's statements take their values as bound parameters, so that each shape of
# query (whose board, which filters, which columns) is built once per process: building the
# two dozen small selects of a board costs more than running them.
_FIRM: Any = bindparam("firm_id")
_STAFF: Any = bindparam("staff_id")
_NOW: Any = bindparam("now")


def _scope(viewer: Viewer) -> list[Any]:
    """An accountant's own work and their clients' requests: two index ranges (by handler,
    and by company among their companies) that the database ORs, never a join of every
    request of the firm to its company."""
    where: list[Any] = [RequestRow.firm_id == _FIRM]
    if not viewer.sees_everything:
        theirs = select(CompanyRow.id).where(
            CompanyRow.firm_id == _FIRM, CompanyRow.accountant_id == _STAFF
        )
        where.append(or_(RequestRow.handler_id == _STAFF, RequestRow.company_id.in_(theirs)))
    return where


_NARROWING: dict[str, Callable[[Any], Any]] = {
    "handler_id": lambda v: RequestRow.handler_id == v,
    "type": lambda v: RequestRow.type == v,
    "company_id": lambda v: RequestRow.company_id == v,
    "urgency": lambda v: RequestRow.urgency == v,
    "created_from": lambda v: RequestRow.created_at >= v,
    "created_until": lambda v: RequestRow.created_at < v,
}


def _values(viewer: Viewer, wanted: BoardFilter, now: datetime) -> dict[str, Any]:
    """The bound parameters' values; a filter left empty is absent (and so is its clause)."""
    values: dict[str, Any] = {"firm_id": viewer.firm_id, "now": now}
    if not viewer.sees_everything:
        values["staff_id"] = viewer.staff_id
    for name in _NARROWING:
        value = getattr(wanted, name)
        if value is not None:
            values[f"f_{name}"] = value.value if name == "urgency" else value
    return values


# Which moment the filter's dates bound (绩效 links to the work behind its figures by the
# moment they were claimed or completed); raised by default.
_MOMENTS = {DatedBy.CLAIMED: RequestRow.claimed_at, DatedBy.COMPLETED: RequestRow.completed_at}


def _narrowed(wanted: BoardFilter) -> list[Any]:
    moment = _MOMENTS.get(wanted.dated_by, RequestRow.created_at)
    clauses = []
    for name, clause in _NARROWING.items():
        if getattr(wanted, name) is None:
            continue
        value: Any = bindparam(f"f_{name}")
        if name == "created_from":
            clauses.append(moment >= value)
        elif name == "created_until":
            clauses.append(moment < value)
        else:
            clauses.append(clause(value))
    return clauses


def _shape(viewer: Viewer, wanted: BoardFilter) -> tuple[Any, ...]:
    return (
        viewer.sees_everything,
        wanted.dated_by,
        *(getattr(wanted, n) is None for n in _NARROWING),
    )


def _counted(q: Any, viewer: Viewer) -> Any:
    """A read of the requests alone (the viewer's scope names their companies by id)."""
    return q.select_from(RequestRow)


_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _statement(key: tuple[Any, ...], build: Any) -> Any:
    """The statement of this shape, built on first use (a handful of shapes per firm)."""
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


# A count's row in a UNION ALL with first pages' rows: no request (typed, so that each
# column's values are read alike whichever part comes first).
_NO_ROW = (
    cast(null(), Integer).label("id"),
    cast(null(), String).label("urgency"),
    cast(null(), RequestRow.created_at.type).label("created_at"),
    cast(null(), RequestRow.created_at.type).label("changed_at"),
)


def _count_parts(viewer: Viewer, wanted: BoardFilter) -> list[Any]:
    where = [*_scope(viewer), *_narrowed(wanted)]
    parts = []
    for column in COLUMNS:
        for status, overdue in _parts(column):
            bounded = (
                _counted(select(literal(1).label("one")), viewer)
                .where(*where, RequestRow.status == status.value, *_timer(overdue))
                .limit(COUNT_CAP + 1)
                .subquery()
            )
            parts.append(
                select(
                    literal(column.value).label("col"),
                    func.count().label("n"),
                    *_NO_ROW,
                ).select_from(bounded)
            )
    return parts


def _first_parts(
    viewer: Viewer, wanted: BoardFilter, columns: Sequence[Column], per_column: int
) -> list[Any]:
    where = [*_scope(viewer), *_narrowed(wanted)]
    urgencies = [wanted.urgency.value] if wanted.urgency else ["urgent", "normal"]
    parts = []
    for column in columns:
        finished = column in FINISHED_COLUMNS
        # Open work is read off (firm, status, urgency, created, id, due) alone; the
        # finished off (firm, status, updated, id).
        changed = RequestRow.updated_at if finished else RequestRow.created_at
        for status, overdue in _parts(column):
            for urgency in [None] if finished else urgencies:
                narrowed = [RequestRow.status == status.value, *_timer(overdue)]
                if urgency is not None:
                    narrowed.append(RequestRow.urgency == urgency)
                q = _counted(
                    select(
                        RequestRow.id,
                        RequestRow.urgency,
                        RequestRow.created_at,
                        changed.label("changed_at"),
                    ),
                    viewer,
                ).where(*where, *narrowed)
                if finished:
                    q = q.order_by(RequestRow.updated_at.desc(), RequestRow.id.desc())
                else:
                    q = q.order_by(RequestRow.created_at, RequestRow.id)
                first = q.limit(per_column).subquery()
                parts.append(
                    select(
                        literal(column.value).label("col"),
                        cast(null(), Integer).label("n"),
                        *first.c,
                    )
                )
    return parts


class SqlBoard:
    """Reads requests as the request repository does (its row mapping, shared on purpose so
    both show a request alike), narrowed to what a viewer may see."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self._requests = SqlRequestRepository(session)

    async def counts(
        self, viewer: Viewer, wanted: BoardFilter, now: datetime
    ) -> Mapping[Column, int]:
        """Each column counted part by part (one status and its timer rule: a range of the
        index on (firm, status, due)), each part only as far as `COUNT_CAP` + 1 rows, in
        one round trip. The open columns are small and come out exact; counting the
        finished ones to the end would be a pass over most of the firm's history each
        time the board is drawn, so past the cap a column is "more than COUNT_CAP"."""
        q = _statement(
            ("counts", *_shape(viewer, wanted)),
            lambda: union_all(*_count_parts(viewer, wanted)),
        )
        found = dict.fromkeys(COLUMNS, 0)
        for col, n, *_ in await self.s.execute(q, _values(viewer, wanted, now)):
            found[Column(col)] += int(n)
        return {c: min(n, COUNT_CAP + 1) for c, n in found.items()}

    async def overview(
        self, viewer: Viewer, wanted: BoardFilter, now: datetime, per_column: int
    ) -> tuple[Mapping[Column, int], Mapping[Column, BoardPage]]:
        """The whole board in two round trips: every column's count and first rows in one
        UNION ALL (`counts` and `first_pages` together), then those rows with their names."""
        key = ("overview", *_shape(viewer, wanted), wanted.urgency, per_column)
        q = _statement(
            key,
            lambda: union_all(
                *_count_parts(viewer, wanted),
                *_first_parts(viewer, wanted, tuple(COLUMNS), per_column),
            ),
        )
        counted = dict.fromkeys(COLUMNS, 0)
        found: dict[Column, list[Any]] = {c: [] for c in COLUMNS}
        for col, n, request_id, urgency, created, changed in await self.s.execute(
            q, _values(viewer, wanted, now)
        ):
            column = Column(col)
            if request_id is None:
                counted[column] += int(n)
            else:
                order = _sort_key(column, urgency, created, changed, request_id)
                found[column].append((order, request_id))
        counts = {c: min(n, COUNT_CAP + 1) for c, n in counted.items()}
        return counts, await self._firsts(found, counts, per_column)

    async def page(
        self,
        viewer: Viewer,
        wanted: BoardFilter,
        column: Column,
        now: datetime,
        page: int,
        per_page: int,
        known_total: int | None = None,
    ) -> BoardPage:
        """One page of a column; one row more than the page says whether another follows
        (the total may be only "more than COUNT_CAP")."""
        where = [*_scope(viewer), *_narrowed(wanted), _rule(COLUMNS[column])]
        total = known_total
        if total is None:
            total = (await self.counts(viewer, wanted, now))[column]
        q = (
            _ordered(_counted(select(RequestRow.id), viewer).where(*where), column)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
        ids = list(await self.s.scalars(q, _values(viewer, wanted, now)))
        items = await self._by_ids(ids[:per_page])
        return BoardPage(items, int(total or 0), page, per_page, more=len(ids) > per_page)

    async def first_pages(
        self,
        viewer: Viewer,
        wanted: BoardFilter,
        now: datetime,
        per_column: int,
        counts: Mapping[Column, int],
    ) -> Mapping[Column, BoardPage]:
        """Every column's first page in two queries: the first rows of each part of each
        column (one status, and for open work one urgency: each an ordered range of an
        index, read no further than the page), in one UNION ALL, merged here in the
        column's order; then those rows with their names."""
        columns = tuple(c for c in COLUMNS if counts.get(c))
        found: dict[Column, list[Any]] = {c: [] for c in COLUMNS}
        if columns:
            key = ("firsts", *_shape(viewer, wanted), wanted.urgency, columns, per_column)
            q = _statement(
                key, lambda: union_all(*_first_parts(viewer, wanted, columns, per_column))
            )
            for col, _, request_id, urgency, created, changed in await self.s.execute(
                q, _values(viewer, wanted, now)
            ):
                column = Column(col)
                found[column].append(
                    (_sort_key(column, urgency, created, changed, request_id), request_id)
                )
        return await self._firsts(found, counts, per_column)

    async def _firsts(
        self, found: Mapping[Column, list[Any]], counts: Mapping[Column, int], per_column: int
    ) -> Mapping[Column, BoardPage]:
        """Each column's first rows in its order, read with their names."""
        firsts = {c: [i for _, i in sorted(rows)[:per_column]] for c, rows in found.items()}
        rows = {r.id: r for r in await self._by_ids([i for ids in firsts.values() for i in ids])}
        return {
            c: BoardPage([rows[i] for i in ids if i in rows], counts.get(c, 0), 1, per_column)
            for c, ids in firsts.items()
        }

    async def _by_ids(self, ids: Sequence[int]) -> list[ServiceRequest]:
        """The requests with their names (the joins run for these rows only), in `ids`'
        order; read as plain rows, which the request repository's mapping takes as it
        takes its own (a board page is read, never changed, so no ORM identities)."""
        if not ids:
            return []
        q = _statement(("by_ids",), _by_ids_statement)
        found = await self.s.execute(q, {"ids": list(ids)})
        rows = [_request(as_type(Any, r), r.handler_name, r.company_name) for r in found]
        place = {request_id: i for i, request_id in enumerate(ids)}
        return sorted(rows, key=lambda r: place[r.id])

    async def request(self, viewer: Viewer, number: str) -> ServiceRequest | None:
        if not number or len(number) > 16:
            return None
        q = self._requests._select().where(*_scope(viewer), RequestRow.number == number)
        values = {"firm_id": viewer.firm_id, "staff_id": viewer.staff_id}
        return await self._requests._one(q.params(values))

    async def timeline(self, request_id: int) -> Sequence[RequestEvent]:
        return await self._requests.events(request_id)


def _by_ids_statement() -> Any:
    return (
        select(
            *RequestRow.__table__.c,
            StaffRow.name.label("handler_name"),
            CompanyRow.name.label("company_name"),
        )
        .select_from(RequestRow)
        .outerjoin(StaffRow, StaffRow.id == RequestRow.handler_id)
        .join(CompanyRow, CompanyRow.id == RequestRow.company_id)
        .where(RequestRow.id.in_(bindparam("ids", expanding=True)))
    )
