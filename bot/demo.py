"""Demo data for the sandbox: a firm, an admin, two accountants, three client companies with a
contact each, and the sandbox openids already bound so the simulator works at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import DEFAULT_FIRM_NAME
from bot.settings import Settings
from domain.binding import create_invite
from domain.identity import InviteKind
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


async def load_demo(settings: Settings, only_if_empty: bool = False) -> dict[str, Any]:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    lines: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            ids = uow.identities
            firm = await ids.firm_by_appid(settings.wechat_appid)
            if firm is None:
                firm = await ids.add_firm(DEFAULT_FIRM_NAME, settings.wechat_appid)
            if only_if_empty and await ids.list_staff(firm.id):
                return {"lines": [{"demo": "skipped", "reason": "staff already exist"}]}
            staff_ids: dict[str, int] = {}
            for p in DEMO_PEOPLE:
                if p["kind"] == "staff":
                    s = await ids.staff_by_name(firm.id, p["name"]) or await ids.add_staff(
                        firm.id, p["name"], p["phone"], p.get("admin", False)
                    )
                    staff_ids[s.name] = s.id
                    invite = await create_invite(uow, firm.id, InviteKind.STAFF, s.id, now)
                else:
                    company = await ids.add_company(
                        firm.id, p["company"], staff_ids[p["accountant"]]
                    )
                    contact = await ids.add_contact(company.id, p["name"], p["phone"])
                    invite = await create_invite(uow, firm.id, InviteKind.CONTACT, contact.id, now)
                if settings.sandbox:
                    await ids.use_invite(firm.id, invite.code, p["openid"], now)
                    await ids.bind_openid(invite, p["openid"])
                lines.append({"demo": p["kind"], "name": p["name"], "openid": p["openid"]})
            await uow.commit()
    finally:
        await engine.dispose()
    return {"lines": lines}
