"""Binding codes from a client's page: an admin issues a one-time code for a contact and sees
it with its QR image once (the QR shows the chat message that binds); the client sends it in
the chat and is bound; the page then says so. The audit log records the issue, never the code.
An accountant, another company's contact, a missing CSRF token: refused, no code issued."""

from __future__ import annotations

import re

import segno

from storage.uow import SqlUnitOfWork
from tests.e2e.admin.test_clients_page import MINGYUAN, QINGHE, YUNFAN
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import company_id


async def contacts_of(panel: Panel, company: int) -> list[int]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        return [c.id for c in await uow.identities.list_contacts(company)]


async def test_an_admin_issues_a_code_the_client_binds_with(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    qinghe = await company_id(panel, QINGHE)
    async with SqlUnitOfWork(panel.sessions) as uow:
        # A fresh contact of 青禾, not bound yet.
        person = await uow.identities.add_contact(qinghe, "孙会计助理", "13900001111")
        await uow.commit()
    _, body, _ = await admin.get(f"/clients/{qinghe}")
    assert f"/clients/{qinghe}/contacts/{person.id}/invite" in body
    status, body, headers = await admin.post(
        f"/clients/{qinghe}/contacts/{person.id}/invite", {"_csrf": admin.csrf}
    )
    assert status == 200 and headers["Cache-Control"] == "no-store"
    found = re.search(r'<code class="code">(\d{6})</code>', body)
    assert found and "孙会计助理的绑定码" in body
    code = found.group(1)
    qr = segno.make(f"绑定 {code}", error="m").svg_inline(scale=5, title="扫码查看绑定口令")
    assert qr in body

    reply = await panel.chat.say("o_new_sun", f"绑定 {code}")
    assert "绑定成功" in (reply or "")
    _, body, _ = await admin.get(f"/clients/{qinghe}")
    assert "孙会计助理" in body and code not in body
    row = body[body.index("孙会计助理") :]
    assert row.index("已绑定") < row.index("</tr>")
    _, body, _ = await admin.get("/audit")
    assert "生成客户绑定码" in body and "孙会计助理" in body and code not in body


async def test_codes_are_refused_where_they_do_not_belong(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    qinghe, yunfan = await company_id(panel, QINGHE), await company_id(panel, YUNFAN)
    theirs = (await contacts_of(panel, yunfan))[0]
    # 云帆's contact asked through 青禾's page; one that does not exist.
    status, body, _ = await admin.post(
        f"/clients/{qinghe}/contacts/{theirs}/invite", {"_csrf": admin.csrf}
    )
    assert status == 404 and "没有找到这位联系人" in body and 'class="code"' not in body
    status, _, _ = await admin.post(
        f"/clients/{qinghe}/contacts/999999/invite", {"_csrf": admin.csrf}
    )
    assert status == 404
    status, _, _ = await admin.post(
        f"/clients/99999/contacts/{theirs}/invite", {"_csrf": admin.csrf}
    )
    assert status == 404
    status, _, _ = await admin.post(f"/clients/{yunfan}/contacts/{theirs}/invite", {})
    assert status == 403  # no CSRF token
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    mingyuan = await company_id(panel, MINGYUAN)
    mine = (await contacts_of(panel, mingyuan))[0]
    status, _, _ = await wang.post(
        f"/clients/{mingyuan}/contacts/{mine}/invite", {"_csrf": wang.csrf}
    )
    assert status == 403
    _, body, _ = await wang.get(f"/clients/{mingyuan}")
    assert "生成绑定码" not in body and "换绑码" not in body
    _, body, _ = await admin.get("/audit")
    assert body.count("生成客户绑定码") <= 1  # offered as a filter only: no entry
