"""The filing checklist across clients (the panel's "who is still missing 银行对账单"): this
period's checklists of the companies the actor keeps (an admin: the firm's), filtered by item,
by the item's state and by accountant, with how many companies stand where on each item.

An item is `done`, `overdue` (not done and past its own due day) or `open` (not done; an
overdue item is open too: it is still missing). The filtering and counting is the storage's
read model (`FilingReads`), one page at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from domain.actors import Actor
from domain.clock import local
from domain.errors import Forbidden
from domain.filing import Checklist, ChecklistItem, ChecklistState, TaxpayerKind, template_for
from domain.filing_service import current_period
from domain.ports import UnitOfWork

ITEM_STATES = ("open", "overdue", "done")


def item_choices() -> list[tuple[str, str]]:
    """(key, label) of every item the firm's templates hold, in template order."""
    seen: dict[str, str] = {}
    for kind in TaxpayerKind:
        for t in template_for(kind):
            seen.setdefault(t.key, t.label)
    return list(seen.items())


def item_state(item: ChecklistItem, today: date) -> str:
    if item.done:
        return "done"
    return "overdue" if item.due < today else "open"


def _matches(item: ChecklistItem, state: str, today: date) -> bool:
    now = item_state(item, today)
    return not state or now == state or (state == "open" and now == "overdue")


@dataclass(frozen=True)
class FilingFilter:
    item: str = ""  # an item key, "" for any
    state: str = ""  # one of ITEM_STATES, "" for any
    accountant_id: int | None = None  # admins only; an accountant sees their own
    page: int = 1


@dataclass(frozen=True)
class FilingQuery:
    """What the read model is asked: the period's checklists of the firm's companies (of one
    accountant when `accountant_id` is set) having an item of key `item` (any, when empty) in
    state `state` (any, when empty); without either, every checklist."""

    firm_id: int
    period: str
    today: date
    item: str
    state: str
    accountant_id: int | None
    page: int
    per_page: int


@dataclass(frozen=True)
class ItemCount:
    key: str
    label: str
    open: int = 0  # not done, overdue included
    overdue: int = 0
    done: int = 0


@dataclass(frozen=True)
class FilingPage:
    """The read model's answer: (checklist, company name, accountant name) of the page, how many
    match, the counts per item key over every visible checklist, and how many visible companies
    have no checklist for the period yet."""

    rows: Sequence[tuple[Checklist, str, str | None]]
    total: int
    counts: Mapping[str, ItemCount]
    without_checklist: int


class FilingReads(Protocol):
    async def board(self, q: FilingQuery) -> FilingPage: ...


class FilingUnitOfWork(UnitOfWork, Protocol):
    @property
    def filing_reads(self) -> FilingReads: ...


@dataclass(frozen=True)
class FilingRow:
    company_id: int
    company: str
    accountant: str | None
    checklist: Checklist
    state: ChecklistState
    items: tuple[tuple[ChecklistItem, str], ...]  # the items the filter picked, with states


@dataclass(frozen=True)
class FilingBoard:
    period: str
    rows: Sequence[FilingRow]
    total: int
    page: int
    per_page: int
    counts: Sequence[ItemCount] = field(default=())
    without_checklist: int = 0  # companies whose checklist for the period is not open yet

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _picked(
    checklist: Checklist, item: str, state: str, today: date
) -> tuple[tuple[ChecklistItem, str], ...]:
    """The items a row shows: those the filter names, or without a filter the open ones."""
    picked = tuple(
        (i, item_state(i, today))
        for i in checklist.items
        if (not item or i.key == item) and _matches(i, state, today)
    )
    if not item and not state:
        return tuple((i, s) for i, s in picked if s != "done")
    return picked


async def filing_board(
    uow: FilingUnitOfWork, actor: Actor, wanted: FilingFilter, now: datetime, per_page: int
) -> FilingBoard:
    if not actor.is_staff:
        raise Forbidden("staff_only")
    today = local(now).date()
    keys = dict(item_choices())
    wanted = replace(
        wanted,
        item=wanted.item if wanted.item in keys else "",
        state=wanted.state if wanted.state in ITEM_STATES else "",
        accountant_id=wanted.accountant_id if actor.is_admin else actor.staff_id,
        page=max(1, wanted.page),
    )
    query = FilingQuery(
        actor.firm_id,
        current_period(now),
        today,
        wanted.item,
        wanted.state,
        wanted.accountant_id,
        wanted.page,
        per_page,
    )
    found = await uow.filing_reads.board(query)
    rows = [
        FilingRow(
            c.company_id,
            name,
            accountant,
            c,
            c.state(today),
            _picked(c, wanted.item, wanted.state, today),
        )
        for c, name, accountant in found.rows
    ]
    counts = [
        replace(found.counts.get(k, ItemCount(k, "")), label=label) for k, label in keys.items()
    ]
    return FilingBoard(
        query.period, rows, found.total, wanted.page, per_page, counts, found.without_checklist
    )
