"""Clients and their tags in the panel: an admin defines tags, tags several companies at once,
filters by two tags; an accountant sees only their own clients, and another's by URL is a 404;
every change lands in the audit log; bad input changes nothing."""

from __future__ import annotations

import html
import re

from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, STAFF_PASSWORD, WANG, Browser, Panel
from tests.support.panel_seed import company_id, staff_id

QINGHE, YUNFAN, MINGYUAN = (
    "杭州青禾餐饮管理有限公司",
    "杭州云帆科技有限公司",
    "杭州明远贸易有限公司",
)


def listed(body: str) -> set[str]:
    return set(re.findall(r'class="name" href="/admin/clients/\d+">([^<]+)<', body))


async def tag_id(admin: Browser, name: str) -> str:
    _, body, _ = await admin.get("/clients")
    match = re.search(
        rf'<option value="(\d+)">(?:[^<：]*：)?{re.escape(html.escape(name))}</option>', body
    )
    assert match, name
    return match.group(1)


async def define(admin: Browser, name: str, group: str = "") -> str:
    status, _, headers = await admin.post(
        "/tags", {"_csrf": admin.csrf, "name": name, "group": group, "back": "/admin/clients"}
    )
    assert (status, headers["Location"]) == (303, "/admin/clients")
    return await tag_id(admin, name)


async def test_tag_several_clients_and_filter_by_two_tags(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    small = await define(admin, "小规模", "纳税人类型")
    special = await define(admin, "电子专票", "发票类型偏好")
    ids = {n: str(await company_id(panel, n)) for n in (QINGHE, YUNFAN, MINGYUAN)}
    form = {"_csrf": admin.csrf, "tag": small, "back": "/admin/clients?q=x"}
    status, _, headers = await admin.post(
        "/clients/tag", {**form, "company": ids[QINGHE]} | {"company": ids[QINGHE]}
    )
    assert (status, headers["Location"]) == (303, "/admin/clients?q=x")
    # Several at once: a multi-valued form.
    data = [("_csrf", admin.csrf), ("tag", small), ("company", ids[YUNFAN])]
    data.append(("company", ids[QINGHE]))  # already tagged: kept once
    async with admin.http.post(admin.url("/clients/tag"), data=data, allow_redirects=False) as r:
        assert r.status == 303
    data = [("_csrf", admin.csrf), ("tag", special), ("company", ids[YUNFAN])]
    async with admin.http.post(admin.url("/clients/tag"), data=data, allow_redirects=False) as r:
        assert r.status == 303

    _, body, _ = await admin.get(f"/clients?tag={small}")
    assert listed(body) == {QINGHE, YUNFAN}
    _, body, _ = await admin.get(f"/clients?tag={small}&tag={special}")
    assert listed(body) == {YUNFAN}
    _, body, _ = await admin.get(f"/clients?tag={small}&q=青禾")
    assert listed(body) == {QINGHE}
    _, body, _ = await admin.get(f"/clients/{ids[YUNFAN]}")
    assert "小规模" in body and "电子专票" in body and "刘先生" in body and "李会计" in body

    # Taking one off; then the two-tag filter finds nobody.
    status, _, _ = await admin.post(
        f"/clients/{ids[YUNFAN]}/untag", {"_csrf": admin.csrf, "tag": special}
    )
    assert status == 303
    _, body, _ = await admin.get(f"/clients?tag={small}&tag={special}")
    assert listed(body) == set() and "没有符合条件的客户" in body

    _, body, _ = await admin.get("/audit")
    for words in ("新建标签", "打标签", "去掉标签", "小规模", "赵主管"):
        assert words in body, words


async def test_bad_tag_input_changes_nothing(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    qinghe = str(await company_id(panel, QINGHE))
    status, body, _ = await admin.post(
        "/tags", {"_csrf": admin.csrf, "name": "<script>alert(1)</script>"}
    )
    assert status == 303
    _, body, _ = await admin.get("/clients")
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    status, body, _ = await admin.post(
        "/tags", {"_csrf": admin.csrf, "name": "<script>alert(1)</script>"}
    )
    assert status == 409 and "已经有" in body
    status, body, _ = await admin.post("/tags", {"_csrf": admin.csrf, "name": "   "})
    assert status == 422
    # An unknown tag, an unknown company, nothing chosen: refused, nothing tagged.
    status, body, _ = await admin.post(
        "/clients/tag", {"_csrf": admin.csrf, "tag": "99999", "company": qinghe}
    )
    assert status == 404 and "没有这个标签" in body
    tag = await tag_id(admin, "<script>alert(1)</script>")
    status, body, _ = await admin.post(
        "/clients/tag", {"_csrf": admin.csrf, "tag": tag, "company": "99999"}
    )
    assert status == 404
    status, body, _ = await admin.post("/clients/tag", {"_csrf": admin.csrf, "tag": tag})
    assert status == 422
    _, body, _ = await admin.get(f"/clients?tag={tag}")
    assert listed(body) == set()
    status, _, _ = await admin.get("/clients/99999")
    assert status == 404


async def test_an_accountant_sees_only_their_own_clients(panel: Panel) -> None:
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    _, body, _ = await wang.get("/clients")
    assert listed(body) == {QINGHE, MINGYUAN}
    assert 'name="company"' not in body  # no bulk tagging for an accountant
    # Asking for another accountant's clients by URL still shows only their own.
    _, body, _ = await wang.get(f"/clients?accountant={await staff_id(panel, LI)}")
    assert listed(body) == {QINGHE, MINGYUAN}
    status, body, _ = await wang.get(f"/clients/{await company_id(panel, YUNFAN)}")
    assert status == 404 and "刘先生" not in body
    status, body, _ = await wang.get(f"/clients/{await company_id(panel, QINGHE)}")
    assert status == 200 and "陈女士" in body
