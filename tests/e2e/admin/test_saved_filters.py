"""Saved filters of the client list: an admin names the filter on screen ("小规模+电子专票"), and
everyone gets it one click away (an accountant's click still shows only their own clients);
the same name replaces; a filter naming nothing, a missing name, an unknown tag change
nothing; names are escaped; saving and deleting are audited and admin-only."""

from __future__ import annotations

import html
import re

from tests.e2e.admin.test_clients_page import MINGYUAN, QINGHE, YUNFAN, define, listed
from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import company_id


def saved(body: str) -> dict[str, str]:
    section = body[body.index('class="saved-filters"') : body.index('id="bulk"')]
    return {
        html.unescape(name): html.unescape(url)
        for url, name in re.findall(r'<span class="chip"><a href="([^"]+)">([^<]+)</a>', section)
    }


async def test_save_use_replace_and_delete_a_filter(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    small = await define(admin, "小规模", "纳税人类型")
    special = await define(admin, "电子专票", "发票类型偏好")
    ids = {n: str(await company_id(panel, n)) for n in (QINGHE, YUNFAN, MINGYUAN)}
    for tag, companies in ((small, (QINGHE, YUNFAN, MINGYUAN)), (special, (YUNFAN, MINGYUAN))):
        data = [("_csrf", admin.csrf), ("tag", tag), *(("company", ids[c]) for c in companies)]
        async with admin.http.post(admin.url("/clients/tag"), data=data) as r:
            assert r.status == 200

    _, body, _ = await admin.get(f"/clients?tag={small}&tag={special}")
    assert "把当前筛选保存为" in body
    data = [("_csrf", admin.csrf), ("name", "<b>小规模+专票</b>"), ("tag", small), ("tag", special)]
    async with admin.http.post(
        admin.url("/clients/filters"), data=data, allow_redirects=False
    ) as r:
        assert (r.status, r.headers["Location"]) == (
            303,
            f"/admin/clients?tag={small}&tag={special}",
        )
    _, body, _ = await admin.get("/clients")
    assert "<b>小规模+专票</b>" not in body and "&lt;b&gt;小规模+专票&lt;/b&gt;" in body
    url = saved(body)["<b>小规模+专票</b>"]
    async with admin.http.get(f"{panel.base}{url}") as r:
        assert listed(await r.text()) == {YUNFAN, MINGYUAN}

    # The same name again replaces it (now with a name search).
    data = [("_csrf", admin.csrf), ("name", "<b>小规模+专票</b>"), ("tag", small), ("q", "云帆")]
    async with admin.http.post(admin.url("/clients/filters"), data=data) as r:
        assert r.status == 200
    _, body, _ = await admin.get("/clients")
    assert len(saved(body)) == 1
    async with admin.http.get(f"{panel.base}{saved(body)['<b>小规模+专票</b>']}") as r:
        assert listed(await r.text()) == {YUNFAN}

    # An accountant uses it (their own clients only) but may not save or delete.
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    _, body, _ = await wang.get("/clients")
    assert list(saved(body)) == ["<b>小规模+专票</b>"] and "删除常用筛选" not in body
    status, _, _ = await wang.post(
        "/clients/filters", {"_csrf": wang.csrf, "name": "我的", "tag": small}
    )
    assert status == 403
    status, _, _ = await wang.post(
        "/clients/filters/delete", {"_csrf": wang.csrf, "name": "<b>小规模+专票</b>"}
    )
    assert status == 403

    status, _, headers = await admin.post(
        "/clients/filters/delete", {"_csrf": admin.csrf, "name": "<b>小规模+专票</b>"}
    )
    assert (status, headers["Location"]) == (303, "/admin/clients")
    _, body, _ = await admin.get("/clients")
    assert saved(body) == {}
    _, body, _ = await admin.get("/audit")
    assert "保存常用筛选" in body and "删除常用筛选" in body


async def test_bad_filters_change_nothing(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    small = await define(admin, "小规模")
    for form, status_wanted, words in (
        ({"name": "  ", "tag": small}, 422, "请给筛选起个名字"),
        ({"name": "全部"}, 422, "没有任何筛选条件"),
        ({"name": "x" * 21, "tag": small}, 422, "最多 20 个字"),
        ({"name": "未知", "tag": "99999"}, 404, "没有这个标签"),
        ({"name": "别人", "accountant": "99999"}, 404, "没有这位员工"),
    ):
        status, body, _ = await admin.post("/clients/filters", {"_csrf": admin.csrf, **form})
        assert status == status_wanted and words in body, form
    status, _, _ = await admin.post("/clients/filters", {"name": "无令牌", "tag": small})
    assert status == 403
    status, body, _ = await admin.post(
        "/clients/filters/delete", {"_csrf": admin.csrf, "name": "没有的"}
    )
    assert status == 404 and "没有找到这个常用筛选" in body
    _, body, _ = await admin.get("/clients")
    assert saved(body) == {}
