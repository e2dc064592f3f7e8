"""The QR scout's side of the upload queue on a real database (SQLite; PostgreSQL when
TEST_POSTGRES_URL is set): photos are scouted round-robin by company, oldest first; two scouts
racing never both claim a photo; the scout never takes what the full reader has begun; and its
key-fields notice is not queued once the upload is settled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.wechat.client import Media
from bot.workers.invoice_scout import QrScout
from domain import invoice_settlement as settlement
from domain.clock import FixedClock
from domain.invoice_uploads import NewUpload, UploadStatus
from domain.notices import InvoiceKeyFields
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore
from storage.engine import create_engine, session_factory
from storage.tables.messaging import OutboxRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


class NoMedia:
    async def download_media(self, media_id: str) -> Media:
        raise AssertionError("picking does not download")


@dataclass
class NoQr:
    async def read_qr(self, data: bytes) -> InvoiceReading:
        return InvoiceReading(is_invoice=False)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Any]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_scout")
        companies = [await uow.identities.add_company(firm.id, f"公司{c}") for c in "ABCD"]
        contacts = [await uow.identities.add_contact(c.id, f"客户{c.id}") for c in companies]
        await uow.commit()
    try:
        yield sessions, (firm, companies, contacts)
    finally:
        await engine.dispose()


async def add(sessions: async_sessionmaker[AsyncSession], ctx: Any, who: int, n: int) -> list[int]:
    """`n` photos from company `who` (0..3), a second apart after the ones already there."""
    firm, companies, contacts = ctx
    ids: list[int] = []
    async with SqlUnitOfWork(sessions) as uow:
        for k in range(n):
            at = NOW + timedelta(seconds=len(ids))
            upload = await uow.invoices.add_upload(
                NewUpload(
                    firm.id, companies[who].id, contacts[who].id, f"o_{who}", "客户",
                    f"m-{who}-{k}-{id(ids)}", k + 1, at,
                )
            )  # fmt: skip
            ids.append(upload.id)
        await uow.commit()
    return ids


def scout(sessions: async_sessionmaker[AsyncSession], tmp_path: Any) -> QrScout:
    return QrScout(
        sessions=sessions,
        media=NoMedia(),
        lane=NoQr(),
        blobs=BlobStore(tmp_path / "media"),
        clock=FixedClock(NOW),
    )


async def test_photos_are_scouted_round_robin_by_company_oldest_first(
    db: Any, tmp_path: Any
) -> None:
    sessions, ctx = db
    a = await add(sessions, ctx, 0, 5)  # one client's five photos first ...
    b = await add(sessions, ctx, 1, 1)  # ... then another's one
    c = await add(sessions, ctx, 2, 2)
    picker = scout(sessions, tmp_path)

    async def pick() -> int:
        upload = await picker.claim_next()
        assert upload is not None
        return upload.id

    assert [await pick() for _ in range(5)] == [a[0], b[0], c[0], a[1], c[1]]
    # A company that sends now is not behind the first client's backlog: it goes next.
    d = await add(sessions, ctx, 3, 1)
    assert await pick() == d[0]
    assert [await pick() for _ in range(3)] == a[2:]
    assert await picker.claim_next() is None
    assert picker.stats.scouted == 9


async def test_the_scout_leaves_what_the_full_reader_has_begun(db: Any, tmp_path: Any) -> None:
    sessions, ctx = db
    ids = await add(sessions, ctx, 0, 2)
    async with SqlUnitOfWork(sessions) as uow:
        (taken,) = await uow.invoices.claim_due(NOW, 1, timedelta(seconds=30), "reader")
        await uow.commit()
    assert taken.id == ids[0]
    picker = scout(sessions, tmp_path)
    second = await picker.claim_next()
    assert second is not None and second.id == ids[1] and second.scouted_at is not None
    assert await picker.claim_next() is None
    async with SqlUnitOfWork(sessions) as uow:  # nor does it take the same photo twice
        assert await uow.invoices.claim_scout(ids[1], NOW) is None
        assert await uow.invoices.claim_scout(ids[0], NOW) is None


async def test_two_scouts_racing_on_their_own_connections_never_both_claim_a_photo(
    db_url: str, db: Any, tmp_path: Any
) -> None:
    sessions, ctx = db
    ids: list[int] = []
    for who in range(4):
        ids += await add(sessions, ctx, who, 10)
    engines = [create_engine(db_url) for _ in range(2)]
    try:
        scouts = [scout(session_factory(e), tmp_path) for e in engines]
        got: list[list[int]] = [[], []]

        async def drain(i: int) -> None:
            while (upload := await scouts[i].claim_next()) is not None:
                got[i].append(upload.id)
                await asyncio.sleep(0.005)  # a scout spends time on each photo

        await asyncio.gather(drain(0), drain(1))
    finally:
        for e in engines:
            await e.dispose()
    claimed = got[0] + got[1]
    assert sorted(claimed) == sorted(ids) and len(set(claimed)) == len(claimed)
    assert got[0] and got[1], "both scouts should have claimed photos"


async def test_no_key_fields_from_the_scout_once_the_upload_is_settled(
    db: Any, tmp_path: Any
) -> None:
    sessions, ctx = db
    first, second = await add(sessions, ctx, 0, 2)
    async with SqlUnitOfWork(sessions) as uow:
        one = await uow.invoices.claim_scout(first, NOW)
        two = await uow.invoices.claim_scout(second, NOW)
        await uow.commit()
    assert one is not None and two is not None
    # The full reader reads the first one and settles it before the scout speaks.
    async with SqlUnitOfWork(sessions) as uow:
        (leased,) = await uow.invoices.claim_due(NOW, 1, timedelta(seconds=30), "reader")
        assert leased.id == first
        assert await uow.invoices.settle_upload(leased, UploadStatus.FAILED, NOW, error="x")
        await uow.commit()
    for upload, expected in ((one, False), (two, True)):
        async with SqlUnitOfWork(sessions) as uow:
            said = await settlement.announce_key_fields(
                uow, upload, InvoiceKeyFields(upload.seq, "10000001"), NOW, scouted=True
            )
            await uow.commit()
        assert said is expected
    async with sessions() as s:
        keys = (await s.scalars(select(OutboxRow.dedup_key))).all()
    assert keys == [f"invoice_qr:{second}"]
