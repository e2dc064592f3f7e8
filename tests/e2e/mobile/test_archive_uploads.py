"""Archive uploads over real HTTP behind the sandbox's web authorisation: staff upload a filing
receipt for a company they keep and month; it is listed on /m/archive by month and kind and
downloads as it went in, the download in the audit log; a broken, mislabelled or huge file, a
month not begun, another accountant's client or a client uploading is refused with a clear
message and nothing stored."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.web.archive_docs import archive_files
from domain.archive_files import MAX_BYTES
from domain.clock import FixedClock
from storage.tables.archive import ArchiveDocumentRow
from storage.tables.panel import AuditRow
from tests.support.books_world import NOW, QINGHE, YUNFAN, BooksWorld, seed_books_world
from tests.support.harness import make_settings
from tests.support.mobile import MobileVisitor, Page, mobile_visitor
from tests.support.outbound import SandboxChat, running_sandbox

RECEIPT = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
async def world(
    sqlite_url: str, tmp_path: Path
) -> AsyncIterator[tuple[SandboxChat, BooksWorld, Path]]:
    settings = make_settings(sqlite_url, tmp_path)
    async with running_sandbox(settings, clock=FixedClock(NOW)) as chat:
        seeded = await seed_books_world(chat.sessions, chat.pipeline.firm.id, settings.data_dir)
        yield chat, seeded, settings.data_dir


@pytest.fixture
async def phone(world: Any) -> AsyncIterator[MobileVisitor]:
    chat, _, _ = world
    async with mobile_visitor(str(chat.server.make_url("/"))) as visitor:
        yield visitor


async def send(
    phone: MobileVisitor,
    company: int | str,
    period: str,
    kind: str,
    data: bytes,
    filename: str = "回执.pdf",
) -> Page:
    form = aiohttp.FormData()
    form.add_field("company", str(company))
    form.add_field("period", period)
    form.add_field("kind", kind)
    form.add_field("file", io.BytesIO(data), filename=filename, content_type="application/pdf")
    url = phone.origin + "/m/staff/archive"
    headers = {"Origin": phone.origin}
    async with phone.session.post(url, data=form, headers=headers, allow_redirects=False) as r:
        return Page(r.status, url, await r.text(), dict(r.headers))


async def stored(chat: SandboxChat) -> int:
    async with chat.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(ArchiveDocumentRow)) or 0)


def blobs(data_dir: Path) -> list[Path]:
    root = archive_files(data_dir).root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(out, format="PNG")
    return out.getvalue()


async def test_staff_upload_a_receipt_listed_by_month_and_kind_and_downloaded(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded, data_dir = world
    form = await phone.open_as("o_wang", f"/m/staff/archive?company={seeded.yunfan}")
    assert form.status == 200 and YUNFAN in form.text and QINGHE not in form.text

    sent = await send(phone, seeded.yunfan, "2026-09", "receipt", RECEIPT, "增值税申报回执.pdf")
    assert sent.status == 303, sent.text
    assert f"/m/archive?company={seeded.yunfan}" in sent.headers["Location"]
    photo = await send(phone, seeded.yunfan, "2026-08", "other", png(), "银行回单.jpg")
    assert photo.status == 303

    page = await phone.get(f"/m/archive?company={seeded.yunfan}")
    assert page.status == 200
    docs = re.findall(r'data-doc="(\d+)" data-doc-month="(\d{4}-\d\d)"', page.text)
    assert [m for _, m in docs] == ["2026-09", "2026-08"]
    assert "申报回执：增值税申报回执.pdf" in page.text and "其他：银行回单.jpg" in page.text
    receipts = await phone.get(f"/m/archive?company={seeded.yunfan}&kind=receipt")
    assert len(re.findall(r"data-doc=", receipts.text)) == 1 and "银行回单" not in receipts.text
    earlier = await phone.get(f"/m/archive?company={seeded.yunfan}&year=2025")
    assert "data-doc=" not in earlier.text

    # The client of 云帆 downloads the receipt: the bytes as sent, typed from the bytes.
    async with mobile_visitor(phone.origin) as client:
        listed = await client.open_as("o_liu", "/m/archive")
        assert "增值税申报回执.pdf" in listed.text
        doc_id = docs[0][0]
        async with client.session.get(f"{client.origin}/m/archive/doc/{doc_id}") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/pdf"
            assert await resp.read() == RECEIPT
        # Another company's contact sees none of it, not even by the address.
        async with mobile_visitor(phone.origin) as other:
            theirs = await other.open_as("o_chen", "/m/archive")
            assert "增值税申报回执" not in theirs.text
            refused = await other.get(f"/m/archive/doc/{doc_id}")
            assert refused.status == 404 and "%PDF" not in refused.text
    async with chat.sessions() as s:
        logged = list(await s.scalars(select(AuditRow).where(AuditRow.action.like("archive_%"))))
    assert sorted(r.action for r in logged) == [
        "archive_download",
        "archive_upload",
        "archive_upload",
    ]
    download = next(r for r in logged if r.action == "archive_download")
    assert download.actor == "刘先生" and download.target == f"document:{doc_id}"
    assert len(blobs(data_dir)) == 2


@pytest.mark.parametrize(
    ("company", "period", "kind", "data", "words"),
    [
        ("yunfan", "2026-09", "receipt", RECEIPT[:-7], "文件不完整或已损坏"),
        ("yunfan", "2026-09", "receipt", b"PK\x03\x04 not a pdf at all", "只能上传PDF或图片"),
        ("yunfan", "2026-09", "receipt", b"", "文件是空的"),
        ("yunfan", "2026-11", "receipt", RECEIPT, "请选择一个已经开始的月份"),
        ("yunfan", "2026-09", "secret", RECEIPT, "请选择文件类别"),
        ("qinghe", "2026-09", "receipt", RECEIPT, "不是您服务的客户"),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    world: Any, phone: MobileVisitor, company: str, period: str, kind: str, data: bytes, words: str
) -> None:
    chat, seeded, data_dir = world
    await phone.open_as("o_wang", "/m/staff/archive")
    page = await send(phone, getattr(seeded, company), period, kind, data)
    assert page.status == 400 and words in page.text
    assert await stored(chat) == 0 and blobs(data_dir) == []


async def test_a_huge_file_is_cut_off_and_refused(world: Any, phone: MobileVisitor) -> None:
    chat, seeded, data_dir = world
    await phone.open_as("o_wang", "/m/staff/archive")
    huge = b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF\n"
    page = await send(phone, seeded.yunfan, "2026-09", "receipt", huge)
    assert page.status == 400 and "文件太大了" in page.text
    assert await stored(chat) == 0 and blobs(data_dir) == []


async def test_clients_cannot_open_or_post_the_upload_page(
    world: Any, phone: MobileVisitor
) -> None:
    chat, seeded, data_dir = world
    page = await phone.open_as("o_liu", "/m/staff/archive")
    assert page.status in (403, 404) and "archive-upload" not in page.text
    sent = await send(phone, seeded.yunfan, "2026-09", "receipt", RECEIPT)
    assert sent.status in (403, 404)
    assert await stored(chat) == 0 and blobs(data_dir) == []


async def test_a_form_stuffed_with_text_is_refused(world: Any, phone: MobileVisitor) -> None:
    chat, seeded, data_dir = world
    await phone.open_as("o_wang", "/m/staff/archive")
    form = aiohttp.FormData()
    form.add_field("company", str(seeded.yunfan))
    form.add_field("period", "2026-09" + " " * 5000)
    form.add_field("kind", "receipt")
    form.add_field("file", io.BytesIO(RECEIPT), filename="a.pdf", content_type="application/pdf")
    url = phone.origin + "/m/staff/archive"
    async with phone.session.post(url, data=form, headers={"Origin": phone.origin}) as r:
        assert r.status == 400 and "表单内容不对" in await r.text()
    assert await stored(chat) == 0 and blobs(data_dir) == []
