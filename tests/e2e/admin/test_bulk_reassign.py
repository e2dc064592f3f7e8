"""Moving all of one staff member's open work at once (someone leaves), from the staff page:
a confirmation showing how many, then each request through `dispatch.assign`, so the new
handler, the former one and each client hear of it through the outbox and each change is
audited; back to the pool for claimed work; refused for accountants, without CSRF, for an
unknown or inactive colleague, and when anything would go wrong, with nothing moved."""

from __future__ import annotations

from domain.requests import ServiceRequest, Status
from storage.uow import SqlUnitOfWork
from tests.e2e.admin.test_assign import staff_id, texts, wait_for_text
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel

YUNFAN = "杭州云帆科技有限公司"


async def now_of(panel: Panel, req: ServiceRequest) -> ServiceRequest:
    async with SqlUnitOfWork(panel.sessions) as uow:
        fresh = await uow.requests.get_by_id(req.id)
    assert fresh is not None
    return fresh


async def audit_actions(panel: Panel) -> list[str]:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
        assert firm is not None
        items, _ = await uow.audit.page(firm.id, None, 1, 100)
    return [e.action for e in items]


async def test_an_admin_moves_all_of_lis_open_work_to_wang_after_confirming(
    panel: Panel,
) -> None:
    claimed = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    assigned = await panel.seed(YUNFAN, status=Status.ASSIGNED, handler=LI)
    working = await panel.seed(YUNFAN, status=Status.IN_PROGRESS, handler=LI, due_in=None)
    other = await panel.seed(YUNFAN)  # unclaimed: not Li's, stays in the pool
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    li, wang = await staff_id(panel, LI), await staff_id(panel, WANG)
    status, body, _ = await admin.post(f"/staff/{li}/reassign", {"_csrf": admin.csrf, "to": wang})
    assert status == 200 and 'data-confirm="reassign"' in body
    assert '<b class="count">3</b>' in body and "转交给 <b>王会计</b>" in body
    assert (await now_of(panel, claimed)).handler_name == LI  # nothing moved yet

    form = {"_csrf": admin.csrf, "to": wang, "count": "3", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{li}/reassign", form)
    assert status == 200 and "已将 3 项业务转交" in body
    for req in (claimed, assigned, working):
        assert (await now_of(panel, req)).handler_name == WANG
    assert (await now_of(panel, claimed)).status is Status.ASSIGNED
    assert (await now_of(panel, working)).status is Status.IN_PROGRESS  # its progress kept
    assert (await now_of(panel, other)).handler_id is None
    for req in (claimed, assigned, working):
        await wait_for_text(panel, "o_demo_wang", f"赵主管把{req.number}")
        await wait_for_text(panel, "o_demo_li", f"{req.number}")
    await wait_for_text(panel, "o_demo_liu", "已安排王会计办理")
    li_texts = [t for t in await texts(panel, "o_demo_li") if "改派给王会计" in t]
    assert len(li_texts) == 3
    assert (await audit_actions(panel)).count("assign") == 3  # each change audited
    assert "bulk_reassign" in await audit_actions(panel)


async def test_claimed_work_goes_back_to_the_pool_but_work_in_progress_needs_a_person(
    panel: Panel,
) -> None:
    claimed = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    working = await panel.seed(YUNFAN, status=Status.IN_PROGRESS, handler=LI, due_in=None)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    li = await staff_id(panel, LI)
    form = {"_csrf": admin.csrf, "to": "pool", "count": "2", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{li}/reassign", form)
    assert status == 409 and "不能退回抢单池" in body
    assert (await now_of(panel, claimed)).handler_name == LI  # nothing half-done

    form = {"_csrf": admin.csrf, "to": await staff_id(panel, WANG), "count": "1", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{li}/reassign", form)  # the count went stale
    assert status == 409 and "现有 2 项" in body
    assert (await now_of(panel, working)).handler_name == LI

    wang = await staff_id(panel, WANG)
    # Wang's own single claimed request goes back to the pool.
    mine = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=WANG)
    form = {"_csrf": admin.csrf, "to": "pool", "count": "1", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{wang}/reassign", form)
    assert status == 200 and "已将 1 项业务退回抢单池" in body
    back = await now_of(panel, mine)
    assert back.status is Status.SUBMITTED and back.handler_id is None


async def test_unknown_or_inactive_colleagues_are_refused_and_nothing_moves(panel: Panel) -> None:
    claimed = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    li, wang = await staff_id(panel, LI), await staff_id(panel, WANG)
    status, body, _ = await admin.post(
        f"/staff/{li}/reassign", {"_csrf": admin.csrf, "to": "999999"}
    )
    assert status == 422 and "没有这位在职员工" in body
    status, body, _ = await admin.post(f"/staff/{li}/reassign", {"_csrf": admin.csrf, "to": li})
    assert status == 422 and "请选另一位同事" in body
    status, body, _ = await admin.post(f"/staff/{wang}/reassign", {"_csrf": admin.csrf, "to": li})
    assert status == 422 and "没有未办结的业务" in body  # nothing to confirm
    status, body, _ = await admin.post(f"/staff/{li}/reassign", {"_csrf": admin.csrf, "to": "x"})
    assert status == 422 and "请选择接手的同事" in body
    status, _, _ = await admin.post("/staff/999999/reassign", {"_csrf": admin.csrf, "to": wang})
    assert status == 404
    status, _, _ = await admin.post(f"/staff/{wang}/deactivate", {"_csrf": admin.csrf})
    assert status == 200
    form = {"_csrf": admin.csrf, "to": wang, "count": "1", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{li}/reassign", form)
    assert status == 404 and "没有这位在职员工" in body
    form = {"_csrf": admin.csrf, "to": li, "count": "1", "confirm": "1"}
    status, body, _ = await admin.post(f"/staff/{li}/reassign", form)
    assert status == 409 and "请选另一位同事" in body
    assert (await now_of(panel, claimed)).handler_name == LI


async def test_accountants_and_requests_without_csrf_are_refused(panel: Panel) -> None:
    claimed = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    li, wang = await staff_id(panel, LI), await staff_id(panel, WANG)
    accountant = await panel.logged_in(WANG, STAFF_PASSWORD)
    form = {"_csrf": accountant.csrf, "to": wang, "count": "1", "confirm": "1"}
    status, _, _ = await accountant.post(f"/staff/{li}/reassign", form)
    assert status == 403
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    form = {"to": wang, "count": "1", "confirm": "1"}
    status, _, _ = await admin.post(f"/staff/{li}/reassign", form)
    assert status == 403
    assert (await now_of(panel, claimed)).handler_name == LI
    assert [t for t in await texts(panel, "o_demo_wang") if claimed.number in t] == []
