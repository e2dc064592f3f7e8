"""The 催费 log. A reminder claims its bill's day with INSERT ... ON CONFLICT DO NOTHING on the
(bill, day) key, so of two workers (or staff and the schedule) one reminds; the scan reads
unpaid bills with the day of their latest reminder in one query, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing import Bill, BillStatus
from domain.identity import Contact
from domain.notices import NoticeKind
from domain.reminder_rules import NewReminder, Reminder, ReminderChannel
from storage.billing import _bill
from storage.tables.billing import BillRow
from storage.tables.catalogue import FeeReminderRow
from storage.tables.identity import CompanyRow, ContactRow
from storage.tables.messaging import OutboxRow


def _reminder(r: FeeReminderRow, number: str = "") -> Reminder:
    return Reminder(
        id=r.id,
        firm_id=r.firm_id,
        bill_id=r.bill_id,
        company_id=r.company_id,
        day=r.day,
        trigger=r.trigger,
        channel=ReminderChannel(r.channel),
        recipients=r.recipients,
        outcome=r.outcome,
        created_at=r.created_at,
        bill_number=number,
    )


class SqlReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _insert(self, table: Any) -> Any:
        dialect = self.s.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    async def claim_days(self, new: Sequence[NewReminder]) -> Sequence[Reminder]:
        if not new:
            return []
        stmt = (
            self._insert(FeeReminderRow)
            .values(
                [
                    {
                        "firm_id": n.firm_id,
                        "bill_id": n.bill_id,
                        "company_id": n.company_id,
                        "day": n.day,
                        "trigger": n.trigger[:32],
                        "channel": n.channel.value,
                        "recipients": n.recipients,
                        "outcome": n.outcome[:200],
                        "created_at": n.created_at,
                    }
                    for n in new
                ]
            )
            .on_conflict_do_nothing()
            .returning(FeeReminderRow.id, FeeReminderRow.bill_id)
        )
        ids = {bill_id: rid for rid, bill_id in (await self.s.execute(stmt)).all()}
        return [
            Reminder(
                ids[n.bill_id],
                n.firm_id,
                n.bill_id,
                n.company_id,
                n.day,
                n.trigger[:32],
                n.channel,
                n.recipients,
                n.outcome[:200],
                n.created_at,
            )
            for n in new
            if n.bill_id in ids
        ]

    async def contacts_of(self, company_ids: Sequence[int]) -> Mapping[int, Sequence[Contact]]:
        found: dict[int, list[Contact]] = defaultdict(list)
        if not company_ids:
            return found
        rows = await self.s.execute(
            select(
                ContactRow.id,
                ContactRow.company_id,
                ContactRow.name,
                ContactRow.phone,
                ContactRow.openid,
                ContactRow.unfollowed_at,
            )
            .where(ContactRow.company_id.in_(sorted(set(company_ids))))
            .order_by(ContactRow.id)
        )
        for cid, company_id, name, phone, openid, unfollowed_at in rows:
            found[company_id].append(
                Contact(cid, company_id, name, phone, openid, unfollowed_at is not None)
            )
        return found

    async def unpaid_bills(
        self, due_by: date, after_id: int, limit: int
    ) -> Sequence[tuple[Bill, date | None]]:
        last = (
            select(func.max(FeeReminderRow.day))
            .where(FeeReminderRow.bill_id == BillRow.id)
            .correlate(BillRow)
            .scalar_subquery()
        )
        rows = await self.s.execute(
            select(BillRow, CompanyRow.name, last)
            .join(CompanyRow, CompanyRow.id == BillRow.company_id)
            .where(
                BillRow.status == BillStatus.UNPAID.value,
                BillRow.due_on <= due_by,
                BillRow.id > after_id,
            )
            .order_by(BillRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [(_bill(r[0], r[1]), r[2]) for r in rows]

    async def recent(self, firm_id: int, company_id: int | None, limit: int) -> Sequence[Reminder]:
        stmt = (
            select(FeeReminderRow, BillRow.number)
            .join(BillRow, BillRow.id == FeeReminderRow.bill_id)
            .where(FeeReminderRow.firm_id == firm_id)
        )
        if company_id is not None:
            stmt = stmt.where(FeeReminderRow.company_id == company_id)
        rows = await self.s.execute(
            stmt.order_by(FeeReminderRow.created_at.desc(), FeeReminderRow.id.desc()).limit(limit)
        )
        found = [_reminder(r[0], r[1]) for r in rows]
        return [replace(r, outcome=await self._delivery(r)) for r in found]

    async def last_days(self, bill_ids: Sequence[int]) -> Mapping[int, date]:
        if not bill_ids:
            return {}
        rows = await self.s.execute(
            select(FeeReminderRow.bill_id, func.max(FeeReminderRow.day))
            .where(FeeReminderRow.bill_id.in_(sorted(set(bill_ids))))
            .group_by(FeeReminderRow.bill_id)
        )
        return {bill_id: day for bill_id, day in rows}

    async def _delivery(self, reminder: Reminder) -> str:
        """What became of the reminder's notices (the outbox rows its dedup keys name):
        "sent:custom", "sent:sms", "failed:43004", "pending"; the logged outcome without any."""
        prefix = f"{NoticeKind.FEE_REMINDER.value}:{reminder.bill_id}:{reminder.day.isoformat()}:"
        rows = await self.s.execute(
            select(OutboxRow.status, OutboxRow.channel, OutboxRow.errcode)
            .where(OutboxRow.dedup_key.like(prefix + "%"))
            .order_by(OutboxRow.id)
        )
        parts = []
        for status, channel, errcode in rows:
            if status == "sent":
                parts.append(f"sent:{channel}")
            elif status == "failed":
                parts.append(f"failed:{errcode if errcode is not None else channel}")
            else:
                parts.append("pending")
        return ", ".join(parts) or reminder.outcome
