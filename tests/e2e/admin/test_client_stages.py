"""A client's lifecycle stage on its page, computed from what it did and explained: a young
contract makes it 新开发, a complaint or an overdue bill 流失预警 (with the reason), nothing of
the sort 稳定合作. Admins edit the thresholds (the stage follows them at once, the audit log
keeps before and after); bad values, an accountant, a missing CSRF token change nothing."""

from __future__ import annotations

from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Browser, Panel
from tests.support.panel_seed import company_id, complain

QINGHE, YUNFAN, MINGYUAN = (
    "杭州青禾餐饮管理有限公司",
    "杭州云帆科技有限公司",
    "杭州明远贸易有限公司",
)
RULES = {
    "new_months": "3", "overdue_days": "30", "activity_days": "90",
    "activity_drop_percent": "50", "activity_min_before": "3", "rating_days": "180",
    "low_rating": "3", "complaint_days": "90", "contract_days": "30",
}  # fmt: skip


def stage(body: str) -> str:
    start = body.index('class="stage stage-')
    return body[start : body.index("</dd>", start)]


async def save(admin: Browser, **changed: str) -> None:
    status, _, headers = await admin.post(
        "/clients/stages", {"_csrf": admin.csrf, **RULES, **changed}
    )
    assert (status, headers["Location"]) == (303, "/admin/clients/stages?saved=1")


async def test_the_stage_follows_what_the_client_did(panel: Panel) -> None:
    """The demo's clients: a monthly contract since the 1st two months ago, last month's bill
    unpaid (15 to 46 days overdue)."""
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    ids = {n: await company_id(panel, n) for n in (QINGHE, YUNFAN, MINGYUAN)}
    _, body, _ = await admin.get(f"/clients/{ids[QINGHE]}")  # the default rules
    assert "客户阶段" in body and "调整规则" in body
    await complain(panel, YUNFAN, "上次报税晚了")

    await save(admin, overdue_days="365")
    _, body, _ = await admin.get(f"/clients/{ids[QINGHE]}")
    assert "新开发" in stage(body) and "3 个月内为新客户" in stage(body)
    _, body, _ = await admin.get(f"/clients/{ids[YUNFAN]}")
    assert "流失预警" in stage(body) and "未结案 1 件" in stage(body)

    await save(admin, overdue_days="365", new_months="1")
    _, body, _ = await admin.get(f"/clients/{ids[MINGYUAN]}")
    assert "稳定合作" in stage(body)

    await save(admin, overdue_days="1", new_months="1")
    _, body, _ = await admin.get(f"/clients/{ids[MINGYUAN]}")
    assert "流失预警" in stage(body) and "1 张账单逾期超过 1 天未付" in stage(body)
    _, body, _ = await admin.get("/clients/stages?saved=1")
    assert "已保存" in body
    assert 'name="overdue_days" type="number" min="1" max="365" required value="1"' in body
    _, body, _ = await admin.get("/audit")
    assert "修改客户阶段规则" in body and "overdue_days: 1" in body

    # An accountant sees the stage of their own client, and may not change the rules.
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, body, _ = await wang.get(f"/clients/{ids[QINGHE]}")
    assert status == 200 and "流失预警" in stage(body) and "调整规则" not in body
    status, _, _ = await wang.get("/clients/stages")
    assert status == 403
    status, _, _ = await wang.post("/clients/stages", {"_csrf": wang.csrf, **RULES})
    assert status == 403


async def test_bad_thresholds_change_nothing(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    for bad in ("0", "366", "abc", "", "-5", "1e3", "²", "3.5"):
        status, body, _ = await admin.post(
            "/clients/stages", {"_csrf": admin.csrf, **RULES, "overdue_days": bad}
        )
        assert status == 422, bad
        assert "欠费天数" in body and "1 到 365 之间的整数" in body
    status, _, _ = await admin.post("/clients/stages", {**RULES, "overdue_days": "45"})
    assert status == 403  # no CSRF token
    _, body, _ = await admin.get("/clients/stages")
    assert 'name="overdue_days" type="number" min="1" max="365" required value="30"' in body
    _, body, _ = await admin.get("/audit")
    assert "overdue_days" not in body  # no entry (the action is only offered as a filter)
