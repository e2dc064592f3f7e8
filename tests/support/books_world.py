"""A firm with books for the /m/books tests and the bench: two accountants, 云帆科技 (王会计's,
with months of books and an original file kept) and 青禾餐饮 (李会计's, no books), a bound
contact each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.actors import Actor
from domain.binding import create_invite
from domain.books import ParsedBooks, SourceFile
from domain.identity import InviteKind
from storage.blobs import book_files
from storage.uow import SqlUnitOfWork
from tests.support.book_months import keep_month, month_of

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
YUNFAN = "杭州云帆科技有限公司"
QINGHE = "杭州青禾餐饮管理有限公司"
ORIGINAL = b"PK\x03\x04 the accountant's export of September (stand-in bytes)"


@dataclass
class BooksWorld:
    yunfan: int
    qinghe: int
    file_sha: str


async def _bind(uow: Any, firm_id: int, kind: InviteKind, target: int, openid: str) -> None:
    invite = await create_invite(uow, Actor.system(firm_id), kind, target, NOW)
    await uow.identities.use_invite(firm_id, invite.code, openid, NOW)
    await uow.identities.bind_openid(invite, openid)


async def seed_books_world(sessions: Any, firm_id: int, data_dir: Path) -> BooksWorld:
    store = book_files(data_dir)
    sha = store.put(ORIGINAL)
    async with SqlUnitOfWork(sessions) as uow:
        ids = uow.identities
        wang = await ids.add_staff(firm_id, "王会计")
        li = await ids.add_staff(firm_id, "李会计")
        yunfan = await ids.add_company(firm_id, YUNFAN, accountant_id=wang.id)
        qinghe = await ids.add_company(firm_id, QINGHE, accountant_id=li.id)
        liu = await ids.add_contact(yunfan.id, "刘先生")
        chen = await ids.add_contact(qinghe.id, "陈女士")
        await _bind(uow, firm_id, InviteKind.STAFF, wang.id, "o_wang")
        await _bind(uow, firm_id, InviteKind.STAFF, li.id, "o_li")
        await _bind(uow, firm_id, InviteKind.CONTACT, liu.id, "o_liu")
        await _bind(uow, firm_id, InviteKind.CONTACT, chen.id, "o_chen")
        staff = Actor.of_staff(wang)
        months = {
            "2025-09": (9_000_000, 1_500_000, None),
            "2026-07": (10_000_000, 1_800_000, None),
            "2026-08": (11_000_000, 2_000_000, None),
            "2026-09": (12_850_000, 2_618_751, 128_500),
        }
        for period, (revenue, profit, vat) in months.items():
            books = month_of(period, YUNFAN, revenue=revenue, net_profit=profit, vat=vat)
            if period == "2026-09":
                books = ParsedBooks(
                    books.statements, (SourceFile("云帆-2026-09.xlsx", sha, len(ORIGINAL)),)
                )
            await keep_month(uow, staff, yunfan.id, books, NOW)
        await uow.commit()
    return BooksWorld(yunfan.id, qinghe.id, sha)
