"""The SQL unit of work: one session, one transaction, the repositories bound to it.

Nothing is created until it is used: most conversation turns never touch the database, and a
session (and its repositories) per turn would be pure overhead on the hot path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from storage.archive import SqlArchive
from storage.audit import SqlAuditLog
from storage.billing import SqlBillingRepository
from storage.binding_attempts import SqlBindingAttempts
from storage.board import SqlBoard
from storage.books import SqlBooksRepository
from storage.catalogue import SqlCatalogueRepository
from storage.client_tags import SqlStaffRoster, SqlTagRepository
from storage.conversations import SqlConversationStore
from storage.fee_titles import SqlFeeTitles
from storage.filing import SqlFilingRepository
from storage.filing_reads import SqlFilingReads
from storage.identities import SqlIdentityRepository
from storage.inbound import SqlInboundLog
from storage.invoices import SqlInvoiceRepository
from storage.money import SqlMoneyReads, SqlOfflinePayments
from storage.outbox import SqlOutbox
from storage.panel_documents import SqlPanelDocuments
from storage.panel_reads import SqlPanelReads
from storage.reminders import SqlReminderRepository
from storage.requests import SqlComplaintRepository, SqlRatingRepository, SqlRequestRepository
from storage.staff_access import SqlStaffAccess
from storage.templates import SqlTemplateRepository

R = TypeVar("R")
_WROTE = "yunkuaiji.wrote"


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    """Marks a session that ran an INSERT, UPDATE or DELETE (see `SqlUnitOfWork.wrote`)."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    """A flush wrote the new and changed objects (they are no longer `new` or `dirty`)."""
    session.info[_WROTE] = True


class _Repository(Generic[R]):
    """A repository attribute, made on first use and bound to the unit of work's session."""

    def __init__(self, factory: Callable[[AsyncSession], R]) -> None:
        self.factory = factory
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Repository[R]: ...
    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> R | _Repository[R]:
        if uow is None:
            return self
        repo = self.factory(uow.session)
        uow.__dict__[self.name] = repo  # cached: later reads skip the descriptor
        return repo


class SqlUnitOfWork:
    """`async with uow:` opens a transaction (lazily); leaving without `commit()` rolls back."""

    identities = _Repository(SqlIdentityRepository)
    binding_attempts = _Repository(SqlBindingAttempts)
    outbox = _Repository(SqlOutbox)
    conversations = _Repository(SqlConversationStore)
    inbound = _Repository(SqlInboundLog)
    requests = _Repository(SqlRequestRepository)
    ratings = _Repository(SqlRatingRepository)
    complaints = _Repository(SqlComplaintRepository)
    invoices = _Repository(SqlInvoiceRepository)
    books = _Repository(SqlBooksRepository)
    filing = _Repository(SqlFilingRepository)
    templates = _Repository(SqlTemplateRepository)
    staff_access = _Repository(SqlStaffAccess)
    board = _Repository(SqlBoard)
    billing = _Repository(SqlBillingRepository)
    tags = _Repository(SqlTagRepository)
    audit = _Repository(SqlAuditLog)
    panel_reads = _Repository(SqlPanelReads)
    roster = _Repository(SqlStaffRoster)
    catalogue = _Repository(SqlCatalogueRepository)
    reminders = _Repository(SqlReminderRepository)
    fee_titles = _Repository(SqlFeeTitles)
    archive = _Repository(SqlArchive)
    offline_payments = _Repository(SqlOfflinePayments)
    money_reads = _Repository(SqlMoneyReads)
    filing_reads = _Repository(SqlFilingReads)
    documents = _Repository(SqlPanelDocuments)

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._open = False

    @property
    def session(self) -> AsyncSession:
        if not self._open:
            raise RuntimeError("unit of work used outside `async with`")
        if self._session is None:
            self._session = self._sessions()
        return self._session

    @property
    def wrote(self) -> bool:
        """Whether anything was written (flushed objects, or INSERT/UPDATE/DELETE statements
        through the session): a turn that only read may leave its writes to the batch writer."""
        s = self._session
        return s is not None and bool(s.new or s.dirty or s.deleted or s.info.get(_WROTE))

    @property
    def touched(self) -> bool:
        """Whether anything was read or written through this unit of work."""
        s = self._session
        return s is not None and (s.in_transaction() or bool(s.new or s.dirty or s.deleted))

    async def __aenter__(self) -> Self:
        self._open = True
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._open = False
        for name in REPOSITORIES:
            self.__dict__.pop(name, None)
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()
            # With SQLite the statements run on the event loop (storage.engine) and never
            # suspend: a job committing page after page (催费, bills, the filing cycle) would
            # otherwise keep the loop, and the webhook waiting, until its last page.
            await asyncio.sleep(0)

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()


# The repository attributes, to drop their cached instances when the unit of work ends.
REPOSITORIES = tuple(n for n, v in vars(SqlUnitOfWork).items() if isinstance(v, _Repository))
