"""The audit log: every change an admin makes (who, what, when, the values before and after),
recorded in the same transaction as the change itself, so a change is never without its
entry and an entry never without its change. Entries are only ever added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.actors import Actor

# What can be changed; each edge words them (the panel's `wording.AUDIT_ZH`).
ACTIONS = (
    "assign",
    "release",
    "bulk_reassign",
    "tag_defined",
    "client_tagged",
    "client_untagged",
    "stage_rules_saved",
    "contact_invited",
    "clients_imported",
    "client_filter_saved",
    "client_filter_deleted",
    "staff_added",
    "staff_invited",
    "staff_deactivated",
    "staff_role",
    "staff_hours",
    "complaint_resolved",
    "complaint_reopened",
    "menu_published",
    "home_saved",
    "template_saved",
    "archive_upload",
    "archive_download",
    "bill_paid_offline",
    "fee_reminded",
    "refund_requested",
    "bill_issued",
    "book_owner_set",
    "annual_report_done",
    "invoice_corrected",
    "books_imported",
    "checklist_saved",
    "accountant_changed",
)


@dataclass(frozen=True)
class NewAuditEntry:
    firm_id: int
    at: datetime
    staff_id: int | None
    actor: str
    action: str
    target: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    firm_id: int
    at: datetime
    staff_id: int | None
    actor: str
    action: str
    target: str
    before: Mapping[str, Any] | None = field(default=None)
    after: Mapping[str, Any] | None = field(default=None)


def entry(
    actor: Actor,
    action: str,
    target: str,
    now: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> NewAuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return NewAuditEntry(
        actor.firm_id, now, actor.staff_id, actor.name, action, target[:100], before, after
    )
