"""Demo data for the sandbox: a firm, an admin, two accountants, three client companies with a
contact each, and the sandbox openids already bound so the simulator works at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox.demo_books import demo_books
from bot.sandbox.demo_money import load_demo_money
from bot.settings import DEFAULT_FIRM_NAME, Settings
from domain import people
from domain.actors import Actor
from domain.book_imports import import_statements
from domain.errors import Conflict
from domain.filing_service import books_arrived, current_period, tick
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

# Stable openids for the simulator's "who are you" picker.
DEMO_PEOPLE: list[dict[str, Any]] = [
    {
        "openid": "o_demo_admin",
        "kind": "staff",
        "name": "赵主管",
        "phone": "13800000001",
        "admin": True,
    },
    {"openid": "o_demo_wang", "kind": "staff", "name": "王会计", "phone": "13800000002"},
    {"openid": "o_demo_li", "kind": "staff", "name": "李会计", "phone": "13800000003"},
    {
        "openid": "o_demo_chen",
        "kind": "contact",
        "company": "杭州青禾餐饮管理有限公司",
        "name": "陈女士",
        "phone": "13900000001",
        "accountant": "王会计",
    },
    {
        "openid": "o_demo_liu",
        "kind": "contact",
        "company": "杭州云帆科技有限公司",
        "name": "刘先生",
        "phone": "13900000002",
        "accountant": "李会计",
    },
    {
        "openid": "o_demo_zhou",
        "kind": "contact",
        "company": "杭州明远贸易有限公司",
        "name": "周经理",
        "phone": "13900000003",
        "accountant": "王会计",
    },
]


# Each demo company's books: an average month's revenue (fen, before VAT) and the VAT rate.
# 明远贸易 sells enough that this quarter nears the 30万 exemption line: one warning due.
DEMO_BOOKS: dict[str, dict[str, Any]] = {
    "杭州青禾餐饮管理有限公司": {"monthly_revenue": 6_500_000, "seed": 11},
    "杭州云帆科技有限公司": {"monthly_revenue": 4_200_000, "seed": 12},
    "杭州明远贸易有限公司": {"monthly_revenue": 22_000_000, "seed": 13},
}
DEMO_MONTHS = 24
# The client items already handed in on the demo's checklist (a checklist in progress).
DEMO_TICKED = {"杭州青禾餐饮管理有限公司": ("bank",)}


async def load_demo_books(uow: SqlUnitOfWork, firm_id: int, now: datetime) -> list[dict[str, Any]]:
    """Two years of monthly books for each demo company, up to the month being filed now; the
    latest month is reviewed as an import would be (the bookkeeping item ticked, warnings
    evaluated), and the month's checklist is opened. A company that has books keeps them."""
    lines: list[dict[str, Any]] = []
    last = current_period(now)
    index = int(last[:4]) * 12 + int(last[5:7]) - 1 - (DEMO_MONTHS - 1)
    first = f"{index // 12:04d}-{index % 12 + 1:02d}"
    system = Actor.system(firm_id)
    for company in await uow.identities.list_companies(firm_id):
        shape = DEMO_BOOKS.get(company.name)
        if shape is None or await uow.books.months(company.id):
            continue
        for month in demo_books(company.name, first_period=first, months=DEMO_MONTHS, **shape):
            await import_statements(
                uow, firm_id, company.id, month.period, month.books, now, imported_by="演示数据"
            )
        await books_arrived(uow, company, last, now, "演示数据")
        for key in DEMO_TICKED.get(company.name, ()):
            await tick(uow, system, key, now, company_id=company.id)
        lines.append({"demo": "books", "company": company.name, "months": DEMO_MONTHS})
    return lines


async def load_demo(settings: Settings, only_if_empty: bool = False) -> dict[str, Any]:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    lines: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            ids = uow.identities
            firm = await people.ensure_firm(uow, settings.wechat_appid, DEFAULT_FIRM_NAME)
            if only_if_empty and await ids.list_staff(firm.id):
                return {"lines": [{"demo": "skipped", "reason": "staff already exist"}]}
            loader = Actor.system(firm.id)
            for p in DEMO_PEOPLE:
                if p["kind"] == "staff":
                    try:
                        _, invite = await people.add_staff(
                            uow,
                            loader,
                            p["name"],
                            now,
                            phone=p["phone"],
                            admin=p.get("admin", False),
                        )
                    except Conflict:  # loaded before: a fresh code for the same person
                        invite = await people.invite_staff(uow, loader, p["name"], now)
                else:
                    _, _, invite = await people.add_client(
                        uow,
                        loader,
                        p["company"],
                        p["name"],
                        now,
                        phone=p["phone"],
                        accountant=p["accountant"],
                    )
                if settings.sandbox:
                    await ids.use_invite(firm.id, invite.code, p["openid"], now)
                    await ids.bind_openid(invite, p["openid"])
                lines.append({"demo": p["kind"], "name": p["name"], "openid": p["openid"]})
            # Contracts, a paid and an overdue bill per client, and the service catalogue.
            if settings.sandbox:
                lines += await load_demo_money(uow, firm, settings.wechat_appid, now)
            await uow.commit()
        async with SqlUnitOfWork(sessions) as uow:
            firm = await people.ensure_firm(uow, settings.wechat_appid, DEFAULT_FIRM_NAME)
            lines += await load_demo_books(uow, firm.id, now)
            await uow.commit()
    finally:
        await engine.dispose()
    return {"lines": lines}
