"""The staff page: add someone (they get a WeChat binding code), send a password link that
works, change a role, deactivate someone who left (their claimed work goes back to the pool,
the admins are told, their session ends); nobody can lock themselves out; the audit log
records each change."""

from __future__ import annotations

import re

from domain.requests import Status
from storage.uow import SqlUnitOfWork
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import staff_id

MINGYUAN = "杭州明远贸易有限公司"


async def test_add_a_staff_member_and_send_them_a_password_link(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.post(
        "/staff", {"_csrf": admin.csrf, "name": "孙会计", "phone": "13800000009"}
    )
    assert status == 200 and "已添加孙会计" in body
    assert re.search(r'class="code">[A-Z0-9-]{4,}<', body), "the binding code is shown"
    status, body, _ = await admin.post("/staff", {"_csrf": admin.csrf, "name": "孙会计"})
    assert status == 409 and "已经有一位叫“孙会计”的员工了" in body

    sun = await staff_id(panel, "孙会计")
    status, body, _ = await admin.post(f"/staff/{sun}/invite", {"_csrf": admin.csrf})
    assert status == 200
    match = re.search(r'class="link">http://[^/]+(/admin/password/[\w-]+)<', body)
    assert match, body
    visitor = await panel.browser()
    status, body, _ = await visitor.get(match.group(1).removeprefix("/admin"))
    assert status == 200 and "孙会计" in body

    status, body, _ = await admin.post(f"/staff/{sun}/role", {"_csrf": admin.csrf, "role": "admin"})
    assert status == 303
    _, body, _ = await admin.get("/staff")
    row = re.search(rf'data-staff="{sun}".*?</tr>', body, re.S)
    assert row and "管理员" in row.group(0)
    _, body, _ = await admin.get("/audit")
    for words in ("添加员工", "发送设置密码链接", "调整角色", "孙会计"):
        assert words in body, words


async def test_deactivating_returns_their_claimed_work_and_ends_their_session(
    panel: Panel,
) -> None:
    claimed = await panel.seed(MINGYUAN, status=Status.CLAIMED, handler=WANG)
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.post(
        f"/staff/{await staff_id(panel, WANG)}/deactivate", {"_csrf": admin.csrf}
    )
    assert status == 200 and "1 项未开始办理的业务已退回抢单池" in body
    async with SqlUnitOfWork(panel.sessions) as uow:
        fresh = await uow.requests.get_by_id(claimed.id)
    assert fresh is not None and fresh.status is Status.SUBMITTED and fresh.handler_id is None
    # 王会计's session is over, and they cannot log in again.
    status, _, headers = await wang.get("/")
    assert status == 303 and headers["Location"].startswith("/admin/login")
    again = await panel.browser()
    status, _, _ = await again.try_login(WANG, STAFF_PASSWORD)
    assert status != 303

    async def admins_told() -> bool:
        texts = [str(m.get("text") or "") for m in await panel.chat.outbox_json("o_demo_admin")]
        return any(claimed.number in t for t in texts)

    await panel.chat.wait_for(admins_told, within=10)
    # Once is enough: a second time is refused and changes nothing.
    status, body, _ = await admin.post(
        f"/staff/{await staff_id(panel, WANG)}/deactivate", {"_csrf": admin.csrf}
    )
    assert status == 409 and "已停用" in body


async def test_nobody_locks_themselves_out(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    me = await staff_id(panel, ADMIN)
    status, body, _ = await admin.post(f"/staff/{me}/deactivate", {"_csrf": admin.csrf})
    assert status == 409 and "不能停用自己的账号" in body
    status, body, _ = await admin.post(f"/staff/{me}/role", {"_csrf": admin.csrf, "role": "x"})
    assert status == 409 and "不能取消自己的管理员权限" in body
    status, _, _ = await admin.post("/staff/99999/deactivate", {"_csrf": admin.csrf})
    assert status == 404
    li = await staff_id(panel, LI)
    status, body, _ = await admin.post(f"/staff/{li}/role", {"_csrf": admin.csrf, "role": "x"})
    assert status == 409 and "已经是这个角色了" in body
    _, body, _ = await admin.get("/")
    assert status and "赵主管" in body
