"""The filing repository: checklists and their items, tax profiles, warnings.

Every change that must happen once is one conditional statement: a checklist is inserted under
its unique (company, period) key and read back when another worker made it first; an item is
ticked only while open; a month is filed only while unfiled; a day's reminder is taken only by
the caller whose UPDATE moved `reminded_on`; a warning is kept only if its key is new (the
工商年报 steps and marks are kept the same way, and left out of the warnings listed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.annual_report import RULES as ANNUAL_RULES
from domain.book_warnings import KeptWarning
from domain.checklist_templates import checklist_document
from domain.filing import (
    BookViewer,
    Checklist,
    ChecklistItem,
    NewChecklist,
    Party,
    TaxpayerKind,
    TaxProfile,
)
from storage.tables.filing import (
    BookViewerRow,
    BookWarningRow,
    FilingChecklistRow,
    FilingItemRow,
    TaxProfileRow,
)
from storage.tables.identity import FirmRow
from storage.tables.panel import PanelDocumentRow


def _item(row: FilingItemRow) -> ChecklistItem:
    return ChecklistItem(
        id=row.id,
        key=row.key,
        party=Party(row.party),
        label=row.label,
        due=row.due,
        files=row.files,
        books=row.books,
        done_at=row.done_at,
        done_by=row.done_by,
        amount_fen=row.amount_fen,
        reminded_on=row.reminded_on,
    )


def _checklist(row: FilingChecklistRow, items: Sequence[FilingItemRow]) -> Checklist:
    return Checklist(
        id=row.id,
        firm_id=row.firm_id,
        company_id=row.company_id,
        period=row.period,
        kind=TaxpayerKind(row.kind),
        deadline=row.deadline,
        items=tuple(_item(i) for i in sorted(items, key=lambda i: i.seq)),
        filed_at=row.filed_at,
    )


class SqlFilingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _load(self, rows: Sequence[FilingChecklistRow]) -> list[Checklist]:
        if not rows:
            return []
        items = await self.s.scalars(
            select(FilingItemRow).where(FilingItemRow.checklist_id.in_([r.id for r in rows]))
        )
        by_list: dict[int, list[FilingItemRow]] = {}
        for item in items:
            by_list.setdefault(item.checklist_id, []).append(item)
        return [_checklist(r, by_list.get(r.id, [])) for r in rows]

    async def checklist(self, company_id: int, period: str) -> Checklist | None:
        row = await self.s.scalar(
            select(FilingChecklistRow)
            .where(FilingChecklistRow.company_id == company_id, FilingChecklistRow.period == period)
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        return (await self._load([row]))[0]

    async def checklists(self, firm_id: int, period: str) -> Sequence[Checklist]:
        rows = list(
            await self.s.scalars(
                select(FilingChecklistRow)
                .where(FilingChecklistRow.firm_id == firm_id, FilingChecklistRow.period == period)
                .order_by(FilingChecklistRow.company_id)
                .execution_options(populate_existing=True)
            )
        )
        return await self._load(rows)

    async def checklist_template(
        self, firm_id: int, kind: TaxpayerKind
    ) -> Sequence[Mapping[str, Any]] | None:
        body = await self.s.scalar(
            select(PanelDocumentRow.body)
            .where(
                PanelDocumentRow.firm_id == firm_id,
                PanelDocumentRow.kind == checklist_document(kind),
            )
            .order_by(PanelDocumentRow.version.desc())
            .limit(1)
        )
        if not body:
            return None
        items = body.get("items")
        return list(items) if isinstance(items, list) and items else None

    async def ensure_checklist(self, new: NewChecklist, now: datetime) -> Checklist:
        found = await self.checklist(new.company_id, new.period)
        if found is not None:
            return found
        try:
            async with self.s.begin_nested():
                row = FilingChecklistRow(
                    firm_id=new.firm_id,
                    company_id=new.company_id,
                    period=new.period,
                    kind=new.kind.value,
                    deadline=new.deadline,
                    created_at=now,
                )
                self.s.add(row)
                await self.s.flush()
                await self.s.execute(
                    insert(FilingItemRow),
                    [
                        {
                            "checklist_id": row.id,
                            "seq": seq,
                            "key": i.key,
                            "party": i.party.value,
                            "label": i.label,
                            "due": i.due,
                            "files": i.files,
                            "books": i.books,
                            "done_by": "",
                        }
                        for seq, i in enumerate(new.items)
                    ],
                )
        except IntegrityError:
            pass  # another worker opened it first: theirs is the one
        made = await self.checklist(new.company_id, new.period)
        if made is None:  # pragma: no cover - inserted or found above
            raise RuntimeError(f"checklist {new.company_id}/{new.period} vanished")
        return made

    async def tick(
        self, item_id: int, now: datetime, by: str, amount_fen: int | None = None
    ) -> bool:
        done = await self.s.execute(
            update(FilingItemRow)
            .where(FilingItemRow.id == item_id, FilingItemRow.done_at.is_(None))
            .values(done_at=now, done_by=by[:50], amount_fen=amount_fen)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def mark_filed(self, checklist_id: int, now: datetime) -> bool:
        done = await self.s.execute(
            update(FilingChecklistRow)
            .where(FilingChecklistRow.id == checklist_id, FilingChecklistRow.filed_at.is_(None))
            .values(filed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def claim_reminder(self, item_id: int, today: date) -> bool:
        done = await self.s.execute(
            update(FilingItemRow)
            .where(
                FilingItemRow.id == item_id,
                FilingItemRow.done_at.is_(None),
                or_(FilingItemRow.reminded_on.is_(None), FilingItemRow.reminded_on < today),
            )
            .values(reminded_on=today)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def firm_ids(self) -> Sequence[int]:
        return list(await self.s.scalars(select(FirmRow.id).order_by(FirmRow.id)))

    async def profile(self, company_id: int) -> TaxProfile:
        row = await self.s.get(TaxProfileRow, company_id)
        if row is None:
            return TaxProfile(company_id)
        return TaxProfile(company_id, TaxpayerKind(row.kind), row.industry)

    async def set_profile(self, profile: TaxProfile) -> None:
        row = await self.s.get(TaxProfileRow, profile.company_id)
        if row is None:
            row = TaxProfileRow(company_id=profile.company_id)
            self.s.add(row)
        row.kind = profile.kind.value
        row.industry = profile.industry
        await self.s.flush()

    async def viewers(self, company_id: int) -> Sequence[BookViewer]:
        rows = await self.s.scalars(
            select(BookViewerRow).where(BookViewerRow.company_id == company_id)
        )
        return [BookViewer(r.company_id, r.contact_id, r.owner, r.allowed) for r in rows]

    async def set_viewer(self, viewer: BookViewer) -> None:
        if viewer.owner:  # one owner a company: the others step down
            await self.s.execute(
                update(BookViewerRow)
                .where(BookViewerRow.company_id == viewer.company_id)
                .values(owner=False)
                .execution_options(synchronize_session=False)
            )
        row = await self.s.get(BookViewerRow, (viewer.company_id, viewer.contact_id))
        if row is None:
            row = BookViewerRow(company_id=viewer.company_id, contact_id=viewer.contact_id)
            self.s.add(row)
        row.owner = viewer.owner
        row.allowed = viewer.allowed
        await self.s.flush()

    async def add_warning(self, warning: KeptWarning) -> bool:
        try:
            async with self.s.begin_nested():
                await self.s.execute(
                    insert(BookWarningRow).values(
                        company_id=warning.company_id,
                        rule=warning.rule,
                        key=warning.key,
                        facts=dict(warning.facts),
                        created_at=warning.created_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def has_warning(self, company_id: int, rule: str, key: str) -> bool:
        found = await self.s.scalar(
            select(BookWarningRow.id).where(
                BookWarningRow.company_id == company_id,
                BookWarningRow.rule == rule,
                BookWarningRow.key == key,
            )
        )
        return found is not None

    async def warnings(self, company_id: int) -> Sequence[KeptWarning]:
        rows = await self.s.scalars(
            select(BookWarningRow)
            .where(
                BookWarningRow.company_id == company_id,
                BookWarningRow.rule.not_in(sorted(ANNUAL_RULES)),
            )
            .order_by(BookWarningRow.created_at.desc(), BookWarningRow.id.desc())
        )
        return [KeptWarning(r.company_id, r.rule, r.key, r.facts, r.created_at) for r in rows]
