"""The filing checklist across clients over HTTP ("who is still missing 银行对账单"): this
period's checklists filtered by item, state and accountant; an accountant sees only the
companies they keep, whatever the URL asks; names are escaped; nonsense filters read as none."""

from __future__ import annotations

import re

from domain.actors import Actor
from domain.clock import local
from domain.filing_service import current_period, tick
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel

# The demo: 青禾 (王会计) has handed in its bank statement; 云帆 (李会计) and 明远 (王会计) not.
QINGHE = "杭州青禾餐饮管理有限公司"
YUNFAN = "杭州云帆科技有限公司"
MINGYUAN = "杭州明远贸易有限公司"
ROW = re.compile(r'<tr data-client="(\d+)">(.*?)</tr>', re.S)


async def ids(panel: Panel) -> dict[str, int]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        found = {c.name: c.id for c in await uow.identities.list_companies(firm.id)}
        found.update({s.name: s.id for s in await uow.identities.list_staff(firm.id)})
        found["firm"] = firm.id
        return found


def listed(body: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in ROW.finditer(body)}


async def test_who_is_still_missing_the_bank_statement(panel: Panel) -> None:
    known = await ids(panel)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/filing?item=bank&state=open")
    assert status == 200
    assert current_period(panel.now()) in body
    rows = listed(body)
    assert set(rows) == {known[YUNFAN], known[MINGYUAN]}
    assert "提供银行对账单" in rows[known[YUNFAN]] and LI in rows[known[YUNFAN]]
    assert "确认工资表" not in rows[known[YUNFAN]]  # only the item asked about
    # The count on the item's chip says the same.
    assert re.search(r"提供银行对账单 未完成<b>2</b>", body)

    _, body, _ = await admin.get("/filing?item=bank&state=done")
    assert set(listed(body)) == {known[QINGHE]}

    # Overdue: the open ones whose own due day has passed (it depends on today's date).
    async with SqlUnitOfWork(panel.sessions) as uow:
        lists = await uow.filing.checklists(known["firm"], current_period(panel.now()))
    today = local(panel.now()).date()
    late = {
        c.company_id
        for c in lists
        for i in c.items
        if i.key == "bank" and not i.done and i.due < today
    }
    _, body, _ = await admin.get("/filing?item=bank&state=overdue")
    assert set(listed(body)) == late

    # By accountant.
    _, body, _ = await admin.get(f"/filing?item=bank&state=open&accountant={known[LI]}")
    assert set(listed(body)) == {known[YUNFAN]}

    # Handing it in takes the company off the list.
    async with SqlUnitOfWork(panel.sessions) as uow:
        await tick(
            uow, Actor.system(known["firm"]), "bank", panel.now(), company_id=known[MINGYUAN]
        )
        await uow.commit()
    _, body, _ = await admin.get("/filing?item=bank&state=open")
    assert set(listed(body)) == {known[YUNFAN]}


async def test_an_accountant_sees_only_their_own_clients(panel: Panel) -> None:
    known = await ids(panel)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, body, _ = await wang.get(f"/filing?item=bank&state=open&accountant={known[LI]}")
    assert status == 200
    assert set(listed(body)) == {known[MINGYUAN]}
    assert YUNFAN not in body
    _, body, _ = await wang.get("/filing")
    assert set(listed(body)) <= {known[QINGHE], known[MINGYUAN]}
    assert YUNFAN not in body and 'name="accountant"' not in body


async def test_a_company_without_a_checklist_and_a_hostile_name(panel: Panel) -> None:
    known = await ids(panel)
    async with SqlUnitOfWork(panel.sessions) as uow:
        await uow.identities.add_company(known["firm"], "<script>alert(1)</script>有限公司")
        await uow.commit()
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/filing")
    assert status == 200
    assert "另有 1 家客户本月清单尚未生成" in body
    assert "<script>alert" not in body
    for nonsense in ("item=<b>", "state=all&page=0", "accountant=abc&page=99999999999"):
        status, body, _ = await admin.get(f"/filing?{nonsense}")
        assert status == 200, nonsense


async def test_the_page_needs_a_login(panel: Panel) -> None:
    visitor = await panel.browser()
    status, _, headers = await visitor.get("/filing?item=bank")
    assert status == 303 and headers["Location"].startswith("/admin/login?next=")
    # ADMIN is listed in the nav of an admin; the page is in everyone's nav.
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/")
    assert 'href="/admin/filing"' in body
