"""The 抬头 and 税号 a company's fee invoices carry: one row per company, replaced on change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables.catalogue import FeeInvoiceTitleRow


class SqlFeeTitles:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, company_id: int) -> tuple[str, str] | None:
        row = await self.s.get(FeeInvoiceTitleRow, company_id, populate_existing=True)
        return (row.title, row.tax_id) if row else None

    async def save(self, company_id: int, title: str, tax_id: str, now: datetime) -> None:
        row = await self.s.get(FeeInvoiceTitleRow, company_id)
        if row is None:
            self.s.add(
                FeeInvoiceTitleRow(
                    company_id=company_id, title=title, tax_id=tax_id, updated_at=now
                )
            )
        else:
            row.title, row.tax_id, row.updated_at = title, tax_id, now
        await self.s.flush()
