"""Invoice photos by chat, end to end in the sandbox: the real app, its WeChat emulator holding
the photo, the worker reading it in a warmed OCR pool (one per module), the key fields from its
QR code and then the full result through the outbox; a second send is a duplicate and no second
row."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from bot.keys import READER, WORKER, WORKER_POLICY
from bot.sandbox.emulator import StoredMedia
from bot.workers.invoices import WorkerPolicy
from domain.actors import Actor
from domain.binding import create_invite
from domain.identity import InviteKind
from storage.tables.invoices import InvoiceRow, InvoiceUploadRow
from storage.uow import SqlUnitOfWork
from tests.conftest import FIXTURES
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox

pytestmark = pytest.mark.slow

TIANJIN = FIXTURES / "invoices" / "tianjin_jd_e_invoice.png"
FAST = WorkerPolicy(batch=4, concurrency=1, lease_s=60, poll_s=0.05, backoff_base_s=0.05)


@pytest.fixture(scope="module")
def reader_pool() -> Iterator[Any]:
    """One warmed reading process for the whole module (OCR models load once)."""
    from nlu.invoice.pool import InvoiceReaderPool

    pool = InvoiceReaderPool(workers=1, threads=2)
    asyncio.run(pool.start())
    try:
        yield pool
    finally:
        asyncio.run(pool.close())


async def bind(chat: SandboxChat, openid: str, company_name: str, person: str) -> None:
    now = datetime.now(UTC)
    async with SqlUnitOfWork(chat.sessions) as uow:
        firm = chat.pipeline.firm
        companies = {c.name: c for c in await uow.identities.list_companies(firm.id)}
        company = companies.get(company_name) or await uow.identities.add_company(
            firm.id, company_name
        )
        contact = await uow.identities.add_contact(company.id, person)
        invite = await create_invite(
            uow, Actor.system(firm.id), InviteKind.CONTACT, contact.id, now
        )
        await uow.identities.use_invite(firm.id, invite.code, openid, now)
        await uow.identities.bind_openid(invite, openid)
        await uow.commit()


async def bind_staff(chat: SandboxChat, openid: str, name: str) -> None:
    now = datetime.now(UTC)
    async with SqlUnitOfWork(chat.sessions) as uow:
        firm = chat.pipeline.firm
        staff = await uow.identities.add_staff(firm.id, name)
        invite = await create_invite(uow, Actor.system(firm.id), InviteKind.STAFF, staff.id, now)
        await uow.identities.use_invite(firm.id, invite.code, openid, now)
        await uow.identities.bind_openid(invite, openid)
        await uow.commit()


def upload(chat: SandboxChat, content: bytes, ctype: str = "image/png", name: str = "a.png") -> str:
    """A photo as WeChat holds it after the user sent it: a media id the app downloads."""
    return chat.emulator.store_media(
        StoredMedia(content, ctype, name, "image", chat.emulator.clock.now())
    )


async def notices(chat: SandboxChat, openid: str, count: int, within: float = 60) -> list[Any]:
    async def arrived() -> bool:
        return len(await chat.outbox_json(openid)) >= count

    await chat.wait_for(arrived, within)
    return await chat.outbox_json(openid)


def is_key_fields(notice: Any) -> bool:
    """The QR fast path's early word ("已读到发票号码…"), sent before the full result."""
    return "正在核对其余信息" in notice["text"]


async def results(chat: SandboxChat, openid: str, count: int, within: float = 60) -> list[str]:
    """The texts of the first `count` results (read, duplicate, failed), past the key fields."""

    async def final() -> list[str]:
        return [n["text"] for n in await chat.outbox_json(openid) if not is_key_fields(n)]

    async def arrived() -> bool:
        return len(await final()) >= count

    await chat.wait_for(arrived, within)
    return await final()


async def count_rows(chat: SandboxChat, table: Any) -> int:
    async with chat.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
async def chat(db_url: str, tmp_path: Path, reader_pool: Any) -> Any:
    def configure(app: Any) -> None:
        app[READER] = reader_pool
        app[WORKER_POLICY] = FAST

    async with running_sandbox(make_settings(db_url, tmp_path), configure=configure) as c:
        await bind(c, "o_chen", "杭州云帆科技有限公司", "陈女士")
        yield c


async def test_photo_is_read_and_a_second_send_is_a_duplicate_not_a_second_row(chat: Any) -> None:
    data = TIANJIN.read_bytes()
    ack = await chat.send_image("o_chen", upload(chat, data))
    assert ack == "收到第1张，正在识别…"  # the passive reply, at once

    # The QR code's key fields come first, then the full reading.
    quick, first = await notices(chat, "o_chen", 2)
    assert quick["text"].startswith("第1张：已读到发票号码 33207675"), quick["text"]
    assert "¥46.62" in quick["text"] and "2019-05-08" in quick["text"]
    assert chat.app[WORKER].stats.qr_fast_ms
    text = first["text"]
    assert "识别结果（第1张）" in text
    assert "33207675" in text and "2019-05-08" in text
    assert "¥46.62" in text and "¥6.08" in text and "¥52.70" in text
    assert "天津瑞佳讯贸易有限公司" in text
    assert "更正" in text
    assert await count_rows(chat, InvoiceRow) == 1

    # The same photo again, as a new WeChat message with a new media id.
    assert await chat.send_image("o_chen", upload(chat, data)) == "收到第2张，正在识别…"
    second = (await notices(chat, "o_chen", 3))[2]["text"]  # same bytes: no QR needed
    assert "33207675" in second and "上传过" in second and "陈女士" in second
    assert "不重复计入" in second
    assert await count_rows(chat, InvoiceRow) == 1

    # The month it belongs to counts it once and reports the duplicate.
    month = await chat.say("o_chen", "2019-05 发票")
    assert month is not None and "发票 1 张" in month and "¥52.70" in month

    # A correction by reply: source becomes manual, the answer shows the new value.
    fixed = await chat.say("o_chen", "更正 金额 46.60")
    assert fixed is not None and "已更正金额" in fixed and "¥46.60" in fixed
    assert "≠" in fixed  # 46.60 + 6.08 no longer makes 52.70: the check says so
    async with chat.sessions() as s:
        row = (await s.scalars(select(InvoiceRow))).one()
    assert row.amount_excl_tax_fen == 4660
    assert row.reading["sources"]["amount_excl_tax"] == "manual"


def rotated(path: Path, degrees: int) -> bytes:
    with Image.open(path) as im:
        out = io.BytesIO()
        im.rotate(degrees, expand=True).save(out, format="PNG")
        return out.getvalue()


def cat_photo() -> bytes:
    """Not an invoice: a soft orange blob on a green lawn, with no text and no QR code."""
    im = Image.new("RGB", (640, 480), (90, 150, 70))
    draw = ImageDraw.Draw(im)
    draw.ellipse((200, 140, 460, 380), fill=(220, 140, 60))
    draw.polygon([(230, 170), (260, 90), (300, 160)], fill=(220, 140, 60))
    draw.polygon([(360, 160), (400, 90), (430, 170)], fill=(220, 140, 60))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "number"),
    [
        (lambda: rotated(TIANJIN, 90), "33207675"),
        (lambda: rotated(TIANJIN, 180), "33207675"),
        (
            lambda: (FIXTURES / "invoices" / "jiangsu_common_screenshot.jpg").read_bytes(),
            "02995607",
        ),
    ],
    ids=["rotated_90", "upside_down", "screenshot_in_an_app"],
)
async def test_a_turned_photo_or_a_screenshot_is_still_read(
    chat: Any, make: Any, number: str
) -> None:
    await chat.send_image("o_chen", upload(chat, make(), "image/jpeg", "p.jpg"))
    text = (await results(chat, "o_chen", 1))[0]
    assert "识别结果（第1张）" in text and number in text, text
    assert await count_rows(chat, InvoiceRow) == 1


async def test_a_photo_of_a_cat_is_not_stored_as_an_invoice(chat: Any) -> None:
    await chat.send_image("o_chen", upload(chat, cat_photo(), "image/jpeg", "cat.jpg"))
    text = (await results(chat, "o_chen", 1))[0]
    assert "没有识别到发票" in text
    assert await count_rows(chat, InvoiceRow) == 0


async def test_staff_see_a_companys_month_after_a_client_sent_a_photo(chat: Any) -> None:
    await chat.send_image("o_chen", upload(chat, TIANJIN.read_bytes()))
    await results(chat, "o_chen", 1)
    await bind_staff(chat, "o_wang", "王会计")
    listing = await chat.say("o_wang", "发票 云帆 2019-05")
    assert listing is not None
    assert listing.startswith("【杭州云帆科技有限公司】2019-05 发票 1 张")
    assert "33207675｜2019-05-08｜天津瑞佳讯贸易有限公司｜¥52.70" in listing
    # A client asking the same gets only their own figures, never a list by company name.
    mine = await chat.say("o_chen", "2019-05 发票")
    assert mine is not None and mine.startswith("2019-05 发票 1 张")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "空的"),
        (b"%PDF-1.4 not a photo", "不是图片"),
        (TIANJIN.read_bytes()[:4000], "不完整"),
    ],
    ids=["zero_bytes", "not_an_image", "truncated_png"],
)
async def test_bad_upload_gets_a_clear_chinese_notice_and_no_invoice_row(
    chat: Any, content: bytes, needle: str
) -> None:
    assert "正在识别" in (await chat.send_image("o_chen", upload(chat, content)) or "")
    text = (await results(chat, "o_chen", 1))[0]
    assert needle in text, text
    assert await count_rows(chat, InvoiceRow) == 0
    async with chat.sessions() as s:
        status = await s.scalar(select(InvoiceUploadRow.status))
    assert status == "failed"
