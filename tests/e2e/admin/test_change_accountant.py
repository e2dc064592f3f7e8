"""Changing a client company's dedicated accountant from its page: the company's contacts are
told warmly and the new accountant is told too, through the outbox; the same accountant again
is a clear answer that changes nothing; refused without a CSRF token and for an accountant;
the change lands in the audit log with before and after."""

from __future__ import annotations

from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import company_id, staff_id

YUNFAN = "杭州云帆科技有限公司"  # 李会计's client; its contact is 刘先生 (o_demo_liu)


async def texts(panel: Panel, openid: str) -> list[str]:
    return [str(m.get("text") or m.get("data") or "") for m in await panel.chat.outbox_json(openid)]


async def wait_for_text(panel: Panel, openid: str, part: str) -> None:
    async def arrived() -> bool:
        return any(part in t for t in await texts(panel, openid))

    await panel.chat.wait_for(arrived, within=10)


async def accountant_of(panel: Panel, company: int) -> int | None:
    async with SqlUnitOfWork(panel.sessions) as uow:
        found = await uow.identities.get_company(company)
        assert found is not None
        return found.accountant_id


async def test_an_admin_changes_the_accountant_and_both_sides_hear_of_it(panel: Panel) -> None:
    company = await company_id(panel, YUNFAN)
    wang = await staff_id(panel, WANG)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, page, _ = await admin.get(f"/clients/{company}")
    assert f'action="/admin/clients/{company}/accountant"' in page and "王会计" in page

    form = {"_csrf": admin.csrf, "staff": str(wang)}
    status, body, _ = await admin.post(f"/clients/{company}/accountant", form)
    assert status == 200 and "专属会计已更换为王会计，已通知 1 位联系人" in body
    assert await accountant_of(panel, company) == wang
    await wait_for_text(panel, "o_demo_liu", "今后由王会计担任您的专属会计，电话 13800000002")
    await wait_for_text(panel, "o_demo_wang", f"赵主管把客户{YUNFAN}交给您了")
    assert any("原会计：李会计" in t for t in await texts(panel, "o_demo_wang"))

    _, audit, _ = await admin.get("/audit")
    assert "更换专属会计" in audit and "李会计" in audit and "王会计" in audit

    # The same accountant again: a clear answer, nothing changed, nobody told twice.
    status, body, _ = await admin.post(f"/clients/{company}/accountant", form)
    assert status == 409 and f"{YUNFAN}的专属会计已经是王会计了，没有改动。" in body
    told = [t for t in await texts(panel, "o_demo_liu") if "专属会计" in t]
    assert len(told) == 1


async def test_unknown_staff_and_missing_csrf_change_nothing(panel: Panel) -> None:
    company = await company_id(panel, YUNFAN)
    li = await staff_id(panel, LI)
    wang = await staff_id(panel, WANG)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    url = f"/clients/{company}/accountant"
    assert (await admin.post(url, {"staff": str(wang)}))[0] == 403
    assert (await admin.post(url, {"staff": str(wang), "_csrf": "forged" * 7}))[0] == 403
    status, body, _ = await admin.post(url, {"_csrf": admin.csrf, "staff": "9999"})
    assert status == 404 and "没有这位员工" in body
    status, _, _ = await admin.post(
        "/clients/999999/accountant", {"_csrf": admin.csrf, "staff": str(wang)}
    )
    assert status == 404
    assert await accountant_of(panel, company) == li
    assert [t for t in await texts(panel, "o_demo_liu") if "专属会计" in t] == []


async def test_an_accountant_cannot_change_it_even_for_their_own_client(panel: Panel) -> None:
    company = await company_id(panel, YUNFAN)
    li = await staff_id(panel, LI)
    wang = await staff_id(panel, WANG)
    li_browser = await panel.logged_in(LI, STAFF_PASSWORD)
    _, page, _ = await li_browser.get(f"/clients/{company}")
    assert "/accountant" not in page
    form = {"_csrf": li_browser.csrf, "staff": str(wang)}
    assert (await li_browser.post(f"/clients/{company}/accountant", form))[0] == 403
    assert await accountant_of(panel, company) == li
    assert [t for t in await texts(panel, "o_demo_liu") if "专属会计" in t] == []


async def test_an_inactive_staff_member_is_refused_and_not_offered(panel: Panel) -> None:
    company = await company_id(panel, YUNFAN)
    li = await staff_id(panel, LI)
    wang = await staff_id(panel, WANG)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    assert (await admin.post(f"/staff/{wang}/deactivate", {"_csrf": admin.csrf}))[0] == 200
    _, page, _ = await admin.get(f"/clients/{company}")
    assert f'<option value="{wang}"' not in page and f'<option value="{li}"' in page
    form = {"_csrf": admin.csrf, "staff": str(wang)}
    status, body, _ = await admin.post(f"/clients/{company}/accountant", form)
    assert status == 409 and "王会计 已停用。" in body
    assert await accountant_of(panel, company) == li
