"""The SQL unit of work: one session, one transaction, the repositories bound to it."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversations import SqlConversationStore
from storage.identities import SqlIdentityRepository
from storage.inbound import SqlInboundLog
from storage.invoices import SqlInvoiceRepository
from storage.outbox import SqlOutbox
from storage.requests import SqlComplaintRepository, SqlRatingRepository, SqlRequestRepository


class SqlUnitOfWork:
    """`async with uow:` opens a transaction; leaving without `commit()` rolls it back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        s = self._session
        self.identities = SqlIdentityRepository(s)
        self.outbox = SqlOutbox(s)
        self.conversations = SqlConversationStore(s)
        self.inbound = SqlInboundLog(s)
        self.requests = SqlRequestRepository(s)
        self.ratings = SqlRatingRepository(s)
        self.complaints = SqlComplaintRepository(s)
        self.invoices = SqlInvoiceRepository(s)
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
