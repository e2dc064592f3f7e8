"""The work board's filters as they live in the URL (`?status=overdue&type=营业执照&page=2`),
read leniently (a value that makes no sense is dropped, never an error page) and written back
for the links that change one of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from domain.board import BoardFilter, Column, DatedBy
from domain.clock import SHANGHAI
from domain.requests import Urgency

MAX_PAGE = 10_000
E = TypeVar("E", bound=StrEnum)


def _int(value: str | None) -> int | None:
    if value and value.isdecimal() and len(value) < 10:
        return int(value)
    return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _choice(kind: type[E], value: str | None) -> E | None:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class BoardQuery:
    status: Column | None = None
    accountant: int | None = None
    type: str | None = None
    client: int | None = None
    urgency: Urgency | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    on: DatedBy = DatedBy.RAISED  # which moment the dates bound (`?on=claimed`)

    @classmethod
    def parse(cls, query: Mapping[str, str], *, may_pick_accountant: bool) -> BoardQuery:
        page = _int(query.get("page")) or 1
        kind = (query.get("type") or "").strip()[:32]
        return cls(
            status=_choice(Column, query.get("status")),
            accountant=_int(query.get("accountant")) if may_pick_accountant else None,
            type=kind or None,
            client=_int(query.get("client")),
            urgency=_choice(Urgency, query.get("urgency")),
            date_from=_date(query.get("from")),
            date_to=_date(query.get("to")),
            on=_choice(DatedBy, query.get("on")) or DatedBy.RAISED,
            page=min(max(page, 1), MAX_PAGE),
        )

    def to_filter(self) -> BoardFilter:
        """The filter, the dates read as whole days in Beijing time."""

        def start(day: date) -> datetime:
            return datetime.combine(day, time(0), SHANGHAI)

        return BoardFilter(
            column=self.status,
            handler_id=self.accountant,
            type=self.type,
            company_id=self.client,
            urgency=self.urgency,
            created_from=start(self.date_from) if self.date_from else None,
            created_until=start(self.date_to + timedelta(days=1)) if self.date_to else None,
            dated_by=self.on,
        )

    def params(self) -> dict[str, str]:
        values = {
            "status": self.status.value if self.status else "",
            "accountant": str(self.accountant) if self.accountant else "",
            "type": self.type or "",
            "client": str(self.client) if self.client else "",
            "urgency": self.urgency.value if self.urgency else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "on": self.on.value if self.on is not DatedBy.RAISED else "",
            "page": str(self.page) if self.page > 1 else "",
        }
        return {k: v for k, v in values.items() if v}

    def url(self, base: str, **changes: object) -> str:
        """`base` with these filters, some changed (a new filter starts again at page 1)."""
        changed = replace(self, **({"page": 1} | changes))  # type: ignore[arg-type]
        query = urlencode(changed.params())
        return f"{base}?{query}" if query else base

    @property
    def narrowed(self) -> bool:
        return any(k != "status" and k != "page" for k in self.params())
