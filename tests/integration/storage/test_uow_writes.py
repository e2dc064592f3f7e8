"""`SqlUnitOfWork.wrote`: the pipeline lets a turn that only read go to the batch writer and
rolls its read back, so every kind of write must count, or it would be lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invoice_uploads import NewUpload
from storage.engine import create_engine, session_factory
from storage.tables.identity import CompanyRow
from storage.tables.invoices import InvoiceUploadRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_reads_alone_are_not_writes(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_reads")
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert not uow.wrote
        await uow.identities.list_staff(firm.id, active_only=True)
        await uow.identities.firm_by_appid("wx_reads")
        assert uow.touched and not uow.wrote


async def test_flushed_objects_and_statements_are_writes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_writes")  # add + flush
        assert uow.wrote
        company = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司")
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:  # a Core UPDATE through the session
        await uow.session.execute(
            update(CompanyRow).where(CompanyRow.id == company.id).values(name="改名")
        )
        assert uow.wrote
    async with SqlUnitOfWork(sessions) as uow:  # an upload queued by a repository
        contact = await uow.identities.add_contact(company.id, "陈女士")
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        await uow.invoices.add_upload(
            NewUpload(firm.id, company.id, contact.id, "o_chen", "陈女士", "media-1", 1, NOW)
        )
        assert uow.wrote
        await uow.commit()
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(InvoiceUploadRow)) == 1
