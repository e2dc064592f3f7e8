"""The monthly filing checklist: what the client hands in and what the accountant does, each by
its own deadline before the month's filing deadline.

Each month, for each client company, a checklist for the tax period just ended is opened from the
firm's template for the company's kind (`filing.json`: 小规模纳税人 / 一般纳税人). Clients tick
their items, staff theirs; importing the month's books ticks the bookkeeping item. When every
tax return on the list is filed, the checklist is filed and the company's contacts hear
"本月已申报" with the amounts, once. The services are in `domain.filing_service`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

from domain.clock import local

_DATA: dict[str, Any] = json.loads(
    resources.files("domain").joinpath("filing.json").read_text(encoding="utf-8")
)


class TaxpayerKind(StrEnum):
    SMALL = "small"  # 小规模纳税人
    GENERAL = "general"  # 一般纳税人


class Party(StrEnum):
    CLIENT = "client"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class ItemTemplate:
    key: str
    party: Party
    label: str
    days_before: int
    words: tuple[str, ...]
    files: bool = False  # a tax return: filing it may record an amount
    books: bool = False  # done when the month's books are imported


def items_of(raw: Sequence[Mapping[str, Any]]) -> tuple[ItemTemplate, ...]:
    """Template items from their JSON form (`filing.json`, or a version the firm saved in the
    panel: `domain.checklist_templates`)."""
    return tuple(
        ItemTemplate(
            key=str(i["key"]),
            party=Party(i["party"]),
            label=str(i["label"]),
            days_before=int(i["days_before"]),
            words=tuple(str(w) for w in i.get("words", ())),
            files=bool(i.get("files", False)),
            books=bool(i.get("books", False)),
        )
        for i in raw
    )


def items_json(items: Sequence[ItemTemplate]) -> list[dict[str, Any]]:
    return [
        {
            "key": t.key,
            "party": t.party.value,
            "label": t.label,
            "days_before": t.days_before,
            "words": list(t.words),
            "files": t.files,
            "books": t.books,
        }
        for t in items
    ]


def template_for(kind: TaxpayerKind) -> tuple[ItemTemplate, ...]:
    """The shipped template for `kind` (what a firm starts from before editing its own)."""
    return items_of(_DATA["kinds"][kind.value])


# The client's purchase invoices: open past its due date with none received is 缺票.
INVOICES_ITEM = "invoices"
REMIND_DAYS_AHEAD = int(_DATA["reminders"]["days_ahead"])
REMIND_HOURS: tuple[int, int] = (
    int(_DATA["reminders"]["hours"][0]),
    int(_DATA["reminders"]["hours"][1]),
)


def reminding_now(now: datetime) -> bool:
    """Whether pushes about filing (checklist items, 缺票, 年报) go out at `now`: working hours,
    Shanghai time."""
    return REMIND_HOURS[0] <= local(now).hour < REMIND_HOURS[1]


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: int
    key: str
    party: Party
    label: str
    due: date
    files: bool = False
    books: bool = False
    done_at: datetime | None = None
    done_by: str = ""
    amount_fen: int | None = None  # a return's tax, as the accountant recorded it
    reminded_on: date | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


class ChecklistState(StrEnum):
    FILED = "filed"
    OVERDUE = "overdue"  # an item is past its deadline and not done
    WAITING_CLIENT = "waiting_client"  # the client's items are open
    IN_PROGRESS = "in_progress"  # the accountant's items are open


@dataclass(frozen=True, slots=True)
class Checklist:
    id: int
    firm_id: int
    company_id: int
    period: str  # the tax period, "YYYY-MM"; filed in the month after
    kind: TaxpayerKind
    deadline: date
    items: tuple[ChecklistItem, ...]
    filed_at: datetime | None = None

    def item(self, key: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.key == key), None)

    def open_items(self, party: Party | None = None) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if not i.done and (party is None or i.party is party))

    @property
    def returns_filed(self) -> bool:
        returns = [i for i in self.items if i.files]
        return bool(returns) and all(i.done for i in returns)

    def state(self, today: date) -> ChecklistState:
        if self.filed_at is not None:
            return ChecklistState.FILED
        if any(i.due < today for i in self.open_items()):
            return ChecklistState.OVERDUE
        if self.open_items(Party.CLIENT):
            return ChecklistState.WAITING_CLIENT
        return ChecklistState.IN_PROGRESS


@dataclass(frozen=True, slots=True)
class NewItem:
    key: str
    party: Party
    label: str
    due: date
    files: bool = False
    books: bool = False


@dataclass(frozen=True, slots=True)
class NewChecklist:
    firm_id: int
    company_id: int
    period: str
    kind: TaxpayerKind
    deadline: date
    items: tuple[NewItem, ...]


def new_checklist(
    firm_id: int,
    company_id: int,
    period: str,
    kind: TaxpayerKind,
    deadline: date,
    template: Sequence[ItemTemplate] | None = None,
) -> NewChecklist:
    """The checklist a template makes for a company's tax period: the firm's own (`template`,
    as edited in the panel) or else the shipped one for the company's kind."""
    return NewChecklist(
        firm_id,
        company_id,
        period,
        kind,
        deadline,
        tuple(
            NewItem(
                t.key,
                t.party,
                t.label,
                deadline - timedelta(days=t.days_before),
                t.files,
                t.books,
            )
            for t in (template if template is not None else template_for(kind))
        ),
    )


def item_names(checklist: Checklist, item: ChecklistItem) -> tuple[str, ...]:
    """What an item is called: its label, its key, the words the template lists for it."""
    by_key = {t.key: t for t in template_for(checklist.kind)}
    return (item.label, item.key, *(by_key[item.key].words if item.key in by_key else ()))


def find_item(checklist: Checklist, words: str) -> ChecklistItem | None:
    """The item `words` names: its label, or one of the words the template lists for it (the
    longest match wins: "进项发票勾选" is the ticking, not the invoices)."""
    words = words.strip()
    best: tuple[int, ChecklistItem] | None = None
    for item in checklist.items:
        for name in item_names(checklist, item):
            if name and name in words and (best is None or len(name) > best[0]):
                best = (len(name), item)
    return None if best is None else best[1]


@dataclass(frozen=True, slots=True)
class TaxProfile:
    """How the firm files for a company: its taxpayer kind and its industry (for the tax
    burden reference)."""

    company_id: int
    kind: TaxpayerKind = TaxpayerKind.SMALL
    industry: str = "default"


@dataclass(frozen=True, slots=True)
class BookViewer:
    """A contact's standing on a company's books, as the firm or the owner set it."""

    company_id: int
    contact_id: int
    owner: bool = False
    allowed: bool = True
