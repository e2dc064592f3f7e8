"""The invoice repository on a real database (SQLite; PostgreSQL when TEST_POSTGRES_URL is set):
the upload queue's leases, settling only under one's own lease, one invoice per company and key,
months and duplicates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.invoice_uploads import InvoiceRecord, NewUpload, UploadStatus, correct
from domain.invoices import Invoice, InvoiceKind
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

NOW = datetime(2024, 3, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LEASE = timedelta(minutes=3)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], dict[str, Any]]]:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        yield sessions, await seed(sessions)
    finally:
        await engine.dispose()


async def seed(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with SqlUnitOfWork(sessions) as uow:
        firm = await uow.identities.add_firm("示范代账", "wx_test")
        yunfan = await uow.identities.add_company(firm.id, "杭州云帆科技有限公司")
        other = await uow.identities.add_company(firm.id, "宁波海风贸易有限公司")
        chen = await uow.identities.add_contact(yunfan.id, "陈女士")
        await uow.commit()
    return {"firm": firm, "yunfan": yunfan, "other": other, "chen": chen}


def new_upload(ctx: dict[str, Any], media_id: str, at: datetime = NOW, seq: int = 1) -> NewUpload:
    return NewUpload(
        ctx["firm"].id, ctx["yunfan"].id, ctx["chen"].id, "o_chen", "陈女士", media_id, seq, at
    )


def record(
    company_id: int, number: str = "33207675", sha: str = "a" * 64, **changes: Any
) -> InvoiceRecord:
    inv = Invoice(
        company_id=company_id,
        number=number,
        code="012001800311",
        kind=InvoiceKind.VAT_COMMON,
        invoice_type="增值税电子普通发票",
        issue_date=date(2024, 3, 8),
        amount_excl_tax_fen=4662,
        tax_fen=608,
        amount_total_fen=5270,
        buyer_name="个人",
        buyer_tax_id=None,
        seller_name="天津瑞佳讯贸易有限公司",
        seller_tax_id="91120222079642398Y",
        check_code=None,
        image_sha256=sha,
        uploaded_by=1,
        uploaded_at=NOW,
    )
    rec = InvoiceRecord(inv, "陈女士", sources={"number": "qr", "amount_excl_tax": "qr"})
    return replace(rec, **changes).rechecked(NOW)


async def test_an_upload_is_leased_by_one_worker_and_retaken_after_its_lease_expires(
    db: Any,
) -> None:
    sessions, ctx = db
    async with SqlUnitOfWork(sessions) as uow:
        await uow.invoices.add_upload(new_upload(ctx, "m1"))
        await uow.commit()

    async def claim(at: datetime) -> list[Any]:
        async with SqlUnitOfWork(sessions) as uow:
            got = list(await uow.invoices.claim_due(at, 10, LEASE))
            await uow.commit()
            return got

    first = await claim(NOW)
    assert [(u.media_id, u.status, u.attempts) for u in first] == [("m1", UploadStatus.WORKING, 1)]
    assert await claim(NOW + timedelta(minutes=1)) == []  # still leased
    retaken = await claim(NOW + LEASE + timedelta(seconds=1))  # the first worker died
    assert [(u.id, u.attempts) for u in retaken] == [(first[0].id, 2)]

    # The first worker wakes up late: its outcome is refused, the new holder's is kept.
    async with SqlUnitOfWork(sessions) as uow:
        assert not await uow.invoices.settle_upload(first[0], UploadStatus.READ, NOW)
        assert await uow.invoices.settle_upload(
            retaken[0], UploadStatus.FAILED, NOW, error="not_invoice"
        )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        final = await uow.invoices.get_upload(first[0].id)
    assert final is not None and (final.status, final.error) == (UploadStatus.FAILED, "not_invoice")


async def test_concurrent_workers_never_take_the_same_upload(db: Any, db_url: str) -> None:
    sessions, ctx = db
    async with SqlUnitOfWork(sessions) as uow:
        for i in range(12):
            await uow.invoices.add_upload(new_upload(ctx, f"m{i}"))
        await uow.commit()
    # Separate engines: separate connections, as two processes would have.
    engines = [create_engine(db_url) for _ in range(3)]
    workers = [session_factory(e) for e in engines]

    async def drain(s: async_sessionmaker[AsyncSession]) -> list[int]:
        taken: list[int] = []
        while True:
            try:
                async with SqlUnitOfWork(s) as uow:
                    got = await uow.invoices.claim_due(NOW, 2, LEASE)
                    await uow.commit()
            except Exception as exc:  # SQLite: "database is locked" under contention
                if "locked" not in str(exc):
                    raise
                await asyncio.sleep(0.01)
                continue
            if not got:
                return taken
            taken.extend(u.id for u in got)
            await asyncio.sleep(0)

    try:
        results = await asyncio.gather(*(drain(w) for w in workers))
    finally:
        for e in engines:
            await e.dispose()
    everyone = [i for r in results for i in r]
    assert len(everyone) == 12 and len(set(everyone)) == 12


async def test_a_retry_waits_until_its_time(db: Any) -> None:
    sessions, ctx = db
    async with SqlUnitOfWork(sessions) as uow:
        await uow.invoices.add_upload(new_upload(ctx, "m1"))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        (up,) = await uow.invoices.claim_due(NOW, 5, LEASE)
        later = NOW + timedelta(seconds=30)
        assert await uow.invoices.settle_upload(
            up, UploadStatus.PENDING, NOW, error="download", next_attempt_at=later
        )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.invoices.claim_due(NOW + timedelta(seconds=29), 5, LEASE) == []
        assert len(await uow.invoices.claim_due(later, 5, LEASE)) == 1


async def test_one_invoice_per_company_and_key_and_the_same_media_is_not_queued_twice(
    db: Any,
) -> None:
    sessions, ctx = db
    yunfan, other = ctx["yunfan"].id, ctx["other"].id
    async with SqlUnitOfWork(sessions) as uow:
        stored = await uow.invoices.add_invoice(record(yunfan), ctx["firm"].id)
        assert stored is not None and stored.id is not None
        # The same invoice from another photo: refused by the schema, the transaction goes on.
        assert await uow.invoices.add_invoice(record(yunfan, sha="b" * 64), ctx["firm"].id) is None
        # Another company may hold the same invoice (a buyer and a seller both send it).
        assert await uow.invoices.add_invoice(record(other), ctx["firm"].id) is not None
        await uow.invoices.add_upload(new_upload(ctx, "m1"))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.invoices.upload_by_media(ctx["firm"].id, "m1") is not None
        by_image = await uow.invoices.by_image(yunfan, "a" * 64)
        assert by_image is not None and by_image.uploader_name == "陈女士"
        got = await uow.invoices.by_key(yunfan, "012001800311:33207675")
        assert got is not None and got.invoice.amount_total_fen == 5270
        assert [c.name for c in got.checks if c.ok] == ["seller_tax_id", "sum", "date"]


async def test_a_correction_is_saved_with_its_source_and_a_colliding_number_is_refused(
    db: Any,
) -> None:
    sessions, ctx = db
    yunfan, firm_id = ctx["yunfan"].id, ctx["firm"].id
    async with SqlUnitOfWork(sessions) as uow:
        first = await uow.invoices.add_invoice(record(yunfan), firm_id)
        second = await uow.invoices.add_invoice(record(yunfan, "11112222", "c" * 64), firm_id)
        await uow.commit()
    assert first is not None and second is not None
    later = NOW + timedelta(hours=1)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.invoices.update_invoice(correct(first, "amount_excl_tax", "46.60", later))
        # Renumbering the second to the first's number would count one invoice twice.
        assert not await uow.invoices.update_invoice(correct(second, "number", "33207675", later))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        saved = await uow.invoices.get_invoice(first.id or 0)
        latest = await uow.invoices.latest(yunfan)
    assert saved is not None and saved.invoice.amount_excl_tax_fen == 4660
    assert saved.sources["amount_excl_tax"] == "manual" and saved.corrected_at == later
    assert [c.ok for c in saved.checks if c.name == "sum"] == [False]
    assert latest is not None and latest.invoice.number == "11112222"


async def test_a_month_lists_its_invoices_and_counts_duplicates_sent_in_it(db: Any) -> None:
    sessions, ctx = db
    yunfan, firm_id = ctx["yunfan"].id, ctx["firm"].id
    async with SqlUnitOfWork(sessions) as uow:
        await uow.invoices.add_invoice(record(yunfan), firm_id)
        feb = record(yunfan, "22223333", "d" * 64)
        feb = replace(feb, invoice=replace(feb.invoice, issue_date=date(2024, 2, 29)))
        await uow.invoices.add_invoice(feb, firm_id)
        dup = await uow.invoices.add_upload(new_upload(ctx, "m1"))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        (claimed,) = await uow.invoices.claim_due(NOW, 1, LEASE)
        assert claimed.id == dup.id
        assert await uow.invoices.settle_upload(claimed, UploadStatus.DUPLICATE, NOW)
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        march = await uow.invoices.for_period(yunfan, "2024-03")
        february = await uow.invoices.for_period(yunfan, "2024-02")
        start, end = datetime(2024, 2, 29, 16, tzinfo=UTC), datetime(2024, 3, 31, 16, tzinfo=UTC)
        assert await uow.invoices.count_duplicates(yunfan, start, end) == 1
        assert await uow.invoices.count_uploads_since(yunfan, "o_chen", NOW) == 1
    assert [r.invoice.number for r in march] == ["33207675"]
    assert [r.invoice.number for r in february] == ["22223333"]


async def test_photos_are_claimed_round_robin_by_company_so_a_big_batch_does_not_starve_others(
    db: Any,
) -> None:
    sessions, ctx = db
    async with SqlUnitOfWork(sessions) as uow:
        third = await uow.identities.add_company(ctx["firm"].id, "温州东瓯制衣有限公司")
        await uow.commit()
    busy, quiet, late = ctx["yunfan"].id, ctx["other"].id, third.id

    def upload(company_id: int, media_id: str, at: datetime) -> NewUpload:
        return replace(new_upload(ctx, media_id, at), company_id=company_id)

    async with SqlUnitOfWork(sessions) as uow:
        # One client sends six photos first, then two others send one and two.
        for i in range(6):
            await uow.invoices.add_upload(upload(busy, f"busy{i}", NOW))
        await uow.invoices.add_upload(upload(quiet, "quiet0", NOW + timedelta(seconds=5)))
        await uow.invoices.add_upload(upload(late, "late0", NOW + timedelta(seconds=6)))
        await uow.invoices.add_upload(upload(late, "late1", NOW + timedelta(seconds=7)))
        await uow.commit()

    async def claim(n: int) -> list[str]:
        async with SqlUnitOfWork(sessions) as uow:
            got = [
                u.media_id
                for u in await uow.invoices.claim_due(NOW + timedelta(minutes=1), n, LEASE)
            ]
            await uow.commit()
            return got

    # Each company's first photo, then each one's second, ...; oldest first within a round.
    assert await claim(3) == ["busy0", "quiet0", "late0"]
    assert await claim(3) == ["busy1", "late1", "busy2"]
    assert await claim(10) == ["busy3", "busy4", "busy5"]
