"""The firm's own filing checklist templates, edited in the panel (admins only).

Each taxpayer kind (小规模纳税人 / 一般纳税人) has one template: the items a month's checklist is
made of, in order, each the client's or the accountant's, with a deadline counted back from the
month's filing deadline. Until the firm saves its own, the shipped one (`filing.json`) is in
force. A save keeps the next version (`PanelDocuments`, kind `chk_<kind>`) with its audit entry;
the months opened from then on are made from it (`filing_service.ensure_checklist`), and the
months already open keep the items they were made with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.actors import Actor
from domain.audit import entry
from domain.errors import Forbidden, Invalid, NotFound
from domain.filing import ItemTemplate, Party, TaxpayerKind, items_json, items_of, template_for
from domain.panel_documents import SavedDocument
from domain.panel_ports import PanelUnitOfWork

MAX_ITEMS = 20
LABEL_CHARS = 20
MAX_DAYS_BEFORE = 14  # the filing deadline is about the 15th: earlier is the month before
HISTORY = 20
KEY_CHARS = 32


def checklist_document(kind: TaxpayerKind) -> str:
    """The `PanelDocuments` kind a template is kept under (at most 16 characters)."""
    return f"chk_{kind.value}"


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with a template: a code, and the row (1-based) it is about, if one."""

    code: str
    row: int = 0
    facts: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateInForce:
    kind: TaxpayerKind
    items: tuple[ItemTemplate, ...]
    version: int | None  # None: the shipped template (the firm has not saved one)
    history: Sequence[SavedDocument]


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_checklists")


def problems(items: Sequence[ItemTemplate]) -> list[Problem]:
    """Every reason `items` cannot be a template (none: it can)."""
    found: list[Problem] = []
    if not items:
        return [Problem("checklist_empty")]
    if len(items) > MAX_ITEMS:
        found.append(Problem("checklist_too_many", facts=(("limit", MAX_ITEMS),)))
    labels: set[str] = set()
    keys: set[str] = set()
    for row, item in enumerate(items, 1):
        label = item.label.strip()
        if not label:
            found.append(Problem("item_label_missing", row))
        elif len(label) > LABEL_CHARS:
            found.append(Problem("item_label_too_long", row, (("limit", LABEL_CHARS),)))
        elif label in labels:
            found.append(Problem("item_label_repeated", row, (("label", label),)))
        labels.add(label)
        if not 0 <= item.days_before <= MAX_DAYS_BEFORE:
            found.append(Problem("item_days_out_of_range", row, (("limit", MAX_DAYS_BEFORE),)))
        if not item.key or len(item.key) > KEY_CHARS or item.key in keys:
            found.append(Problem("item_key_invalid", row))
        keys.add(item.key)
        if item.files and item.party is not Party.STAFF:
            found.append(Problem("item_return_for_client", row))
        if item.books and item.party is not Party.STAFF:
            found.append(Problem("item_books_for_client", row))
    if not any(i.files for i in items):
        # The month is filed when every tax return on it is filed: without one it never is.
        found.append(Problem("checklist_no_return"))
    return found


def new_key(taken: set[str]) -> str:
    """A key for an item added in the panel: stable, unique in its template, plain ASCII."""
    n = 1
    while f"item{n}" in taken:
        n += 1
    return f"item{n}"


async def template_in_force(
    uow: PanelUnitOfWork, actor: Actor, kind: TaxpayerKind, version: int | None = None
) -> TemplateInForce:
    """The template for `kind`: the firm's latest (or its `version`), else the shipped one."""
    _admin(actor)
    name = checklist_document(kind)
    history = await uow.documents.history(actor.firm_id, name, HISTORY)
    if version is not None:
        chosen = await uow.documents.version(actor.firm_id, name, version)
        if chosen is None:
            raise NotFound("version_not_found", version=version)
    else:
        chosen = history[0] if history else None
    if chosen is None:
        return TemplateInForce(kind, template_for(kind), None, history)
    return TemplateInForce(kind, items_of(chosen.body["items"]), chosen.version, history)


def _summary(items: Sequence[ItemTemplate]) -> dict[str, Any]:
    """What the audit log keeps of a template: each item's party, label and days before the
    deadline (the panel words them)."""
    return {
        "items": [
            {"party": i.party.value, "label": i.label, "days_before": i.days_before} for i in items
        ]
    }


async def save_template(
    uow: PanelUnitOfWork,
    actor: Actor,
    kind: TaxpayerKind,
    items: Sequence[ItemTemplate],
    now: datetime,
) -> SavedDocument:
    """Keep `items` as the firm's next version of the template for `kind`, audited."""
    _admin(actor)
    if problems(items):
        raise Invalid("checklist_invalid")
    before = await template_in_force(uow, actor, kind)
    saved = await uow.documents.add(
        actor.firm_id, checklist_document(kind), {"items": items_json(items)}, actor.name, now
    )
    await uow.audit.add(
        entry(
            actor,
            "checklist_saved",
            f"{kind.value} v{saved.version}",
            now,
            _summary(before.items),
            _summary(items),
        )
    )
    return saved
