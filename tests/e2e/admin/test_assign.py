"""Assigning from the panel: the same service as "分配 R1001 给 王会计" in chat, so the staff
member and the client hear of it through the outbox; refused without a valid CSRF token or
from another site, and for an accountant, with nothing changed."""

from __future__ import annotations

from typing import Any

from domain.requests import Status
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel

YUNFAN = "杭州云帆科技有限公司"


async def staff_id(panel: Panel, name: str) -> str:
    from storage.uow import SqlUnitOfWork

    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        staff = await uow.identities.staff_by_name(firm.id, name)
        assert staff is not None
        return str(staff.id)


async def texts(panel: Panel, openid: str) -> list[str]:
    return [str(m.get("text") or m.get("data") or "") for m in await panel.chat.outbox_json(openid)]


async def wait_for_text(panel: Panel, openid: str, part: str) -> None:
    async def arrived() -> bool:
        return any(part in t for t in await texts(panel, openid))

    await panel.chat.wait_for(arrived, within=10)


async def test_an_admin_assigns_an_escalated_request_and_both_sides_hear_of_it(
    panel: Panel,
) -> None:
    req = await panel.seed(YUNFAN, status=Status.ESCALATED, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"_csrf": admin.csrf, "staff": await staff_id(panel, WANG)}
    status, _, headers = await admin.post(f"/requests/{req.number}/assign", form)
    assert (status, headers["Location"]) == (303, f"/admin/requests/{req.number}")
    _, body, _ = await admin.get(f"/requests/{req.number}")
    assert "已接单" in body and "指派给王会计" in body and "赵主管" in body
    await wait_for_text(panel, "o_demo_wang", f"赵主管把{req.number}")
    await wait_for_text(panel, "o_demo_liu", "已安排王会计办理")


async def test_htmx_assign_swaps_the_request_panel(panel: Panel) -> None:
    req = await panel.seed(YUNFAN)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"staff": await staff_id(panel, LI)}
    headers = {"HX-Request": "true", "HX-Target": "request-main", "X-CSRF-Token": admin.csrf}
    status, body, _ = await admin.post(f"/requests/{req.number}/assign", form, headers=headers)
    assert status == 200 and "<html" not in body
    assert "已分配给李会计" in body
    # Assigning to the one who has it already is refused, in the panel it replaces.
    status, body, _ = await admin.post(f"/requests/{req.number}/assign", form, headers=headers)
    assert status == 200 and "已经由李会计负责了" in body


async def test_reassigning_tells_the_former_handler(panel: Panel) -> None:
    req = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"_csrf": admin.csrf, "staff": await staff_id(panel, WANG)}
    assert (await admin.post(f"/requests/{req.number}/assign", form))[0] == 303
    await wait_for_text(panel, "o_demo_li", "改派给王会计")


async def unchanged(panel: Panel, number: str, browser: Any) -> None:
    _, body, _ = await browser.get(f"/requests/{number}")
    assert "无人接单" in body and "指派" not in body.split("时间线")[1]
    # The demo's books may warn Wang of a client's quarter (it depends on today's date and
    # the hour); nothing about this request may reach him.
    assert [t for t in await texts(panel, "o_demo_wang") if number in t] == []


async def test_a_missing_or_forged_csrf_token_is_403_and_changes_nothing(panel: Panel) -> None:
    req = await panel.seed(YUNFAN, status=Status.ESCALATED, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    other = await panel.logged_in(ADMIN, ADMIN_PASSWORD)  # the same admin, another session
    wang = await staff_id(panel, WANG)
    url = f"/requests/{req.number}/assign"
    assert (await admin.post(url, {"staff": wang}))[0] == 403
    assert (await admin.post(url, {"staff": wang, "_csrf": "forged" * 7}))[0] == 403
    assert (await admin.post(url, {"staff": wang, "_csrf": other.csrf}))[0] == 403
    forged_header = {"X-CSRF-Token": "x" * 43}
    assert (await admin.post(url, {"staff": wang}, headers=forged_header))[0] == 403
    # The right token from another site's page is refused too.
    cross_site = {"Origin": "https://evil.example"}
    assert (await admin.post(url, {"staff": wang, "_csrf": admin.csrf}, headers=cross_site))[
        0
    ] == 403
    await unchanged(panel, req.number, admin)


async def test_an_accountant_cannot_assign_even_their_own_clients_request(panel: Panel) -> None:
    req = await panel.seed("杭州青禾餐饮管理有限公司")  # 王会计's client
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    _, body, _ = await wang.get(f"/requests/{req.number}")
    assert 'name="staff"' not in body  # no assign form for an accountant
    form = {"_csrf": wang.csrf, "staff": await staff_id(panel, WANG)}
    assert (await wang.post(f"/requests/{req.number}/assign", form))[0] == 403
    await unchanged(panel, req.number, wang)


async def test_an_unknown_or_inactive_assignee_is_refused(panel: Panel) -> None:
    req = await panel.seed(YUNFAN)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.post(
        f"/requests/{req.number}/assign", {"_csrf": admin.csrf, "staff": "9999"}
    )
    assert status == 404 and "没有这位在职员工" in body
    await unchanged(panel, req.number, admin)
