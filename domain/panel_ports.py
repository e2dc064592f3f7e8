"""What the admin panel's use cases need besides the chat's (`domain.ports`): the firm's client
tags, the audit log, the versioned menu and home page, and the read models of its lists (clients, complaints, team figures,
money), each one query so that a page costs the same with ten clients or ten thousand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from domain.client_stages import ClientFacts, StageRules
from domain.client_tags import ClientFilter, ClientPage, Tag
from domain.complaints import Complaint
from domain.identity import ClientCompany
from domain.panel_documents import PanelDocuments
from domain.panel_figures import AccountantFigures, MoneyFigures, MonthCounts
from domain.ports import AuditLog, UnitOfWork

__all__ = ["AuditLog", "PanelReads", "PanelUnitOfWork", "StaffRoster", "TagRepository"]


class TagRepository(Protocol):
    async def list(self, firm_id: int) -> Sequence[Tag]: ...
    async def get(self, tag_id: int) -> Tag | None: ...
    async def add(self, firm_id: int, name: str, group: str) -> Tag | None:
        """None when the firm already has a tag of that name."""
        ...

    async def tag(self, company_ids: Sequence[int], tag_id: int) -> int:
        """Put the tag on the companies (those already tagged stay); how many were added."""
        ...

    async def untag(self, company_id: int, tag_id: int) -> bool: ...
    async def of_company(self, company_id: int) -> Sequence[Tag]: ...


class PanelReads(Protocol):
    async def clients(self, firm_id: int, wanted: ClientFilter, per_page: int) -> ClientPage: ...
    async def company_choices(
        self, firm_id: int, accountant_id: int | None, limit: int, chosen: int | None
    ) -> Sequence[ClientCompany]:
        """Companies to pick from by name (an accountant's own), at most `limit`, plus the
        one `chosen` if it is among those allowed."""
        ...

    async def complaints(
        self, firm_id: int, status: str | None, page: int, per_page: int
    ) -> tuple[Sequence[Complaint], int]: ...
    async def team_figures(
        self, firm_id: int, since: datetime, until: datetime
    ) -> Sequence[AccountantFigures]: ...
    async def money(self, firm_id: int, today: date, month_start: datetime) -> MoneyFigures: ...
    async def client_facts(
        self, company_id: int, rules: StageRules, now: datetime, today: date
    ) -> ClientFacts: ...
    async def monthly_counts(
        self, firm_id: int, staff_id: int | None, bounds: Sequence[datetime]
    ) -> Sequence[MonthCounts]:
        """Requests claimed and completed between consecutive `bounds` (month starts, the
        last one exclusive), by one staff member or (None) by anyone."""
        ...


class StaffRoster(Protocol):
    async def set_active(self, staff_id: int, active: bool) -> bool:
        """False when nothing changed (already so)."""
        ...

    async def set_admin(self, staff_id: int, admin: bool) -> bool: ...
    async def set_working_hours(self, staff_id: int, hours: str) -> bool:
        """False when nothing changed (already so)."""
        ...


class PanelUnitOfWork(UnitOfWork, Protocol):
    @property
    def tags(self) -> TagRepository: ...
    @property
    def panel_reads(self) -> PanelReads: ...
    @property
    def roster(self) -> StaffRoster: ...
    @property
    def documents(self) -> PanelDocuments: ...
