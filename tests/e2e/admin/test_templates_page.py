"""Message templates in the panel: the live preview fills a draft with sample facts and names
its problems without saving; an invalid template is refused; a saved one becomes a version,
and the next message of that kind reaches the client in the firm's own words."""

from __future__ import annotations

from domain.requests import Status
from tests.support.panel import ADMIN, ADMIN_PASSWORD, Panel
from tests.support.panel_seed import staff_id

YUNFAN = "杭州云帆科技有限公司"
WORDING = "{company}的{type}已安排{handler}专人跟进，有事随时找我们～"


async def test_preview_validate_save_and_the_next_message_uses_it(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/templates")
    assert "已接单（给客户）" in body

    headers = {"HX-Request": "true", "X-CSRF-Token": admin.csrf}
    status, body, _ = await admin.post(
        "/templates/task_claimed/preview", {"text": WORDING}, headers=headers
    )
    assert status == 200 and "<html" not in body
    assert "杭州青禾餐饮管理有限公司的营业执照变更已安排王会计专人跟进" in body
    status, body, _ = await admin.post(
        "/templates/task_claimed/preview", {"text": "您好{boss}"}, headers=headers
    )
    assert "{boss} 不能用" in body

    status, body, _ = await admin.post(
        "/templates/task_claimed", {"_csrf": admin.csrf, "text": "您好{boss}"}
    )
    assert status == 422 and "模板有问题" in body
    _, body, _ = await admin.get("/templates/task_claimed")
    assert "还没有改过" in body

    status, body, _ = await admin.post(
        "/templates/task_claimed", {"_csrf": admin.csrf, "text": WORDING}
    )
    assert status == 200 and "已保存为第 1 版" in body

    # The next 已接单 message to a client is in these words.
    req = await panel.seed(YUNFAN, "工商变更", status=Status.ESCALATED, due_in=None)
    form = {"_csrf": admin.csrf, "staff": str(await staff_id(panel, "王会计"))}
    status, _, _ = await admin.post(f"/requests/{req.number}/assign", form)
    assert status == 303

    async def worded() -> bool:
        texts = [str(m.get("text") or "") for m in await panel.chat.outbox_json("o_demo_liu")]
        return any("杭州云帆科技有限公司的工商变更已安排王会计专人跟进" in t for t in texts)

    await panel.chat.wait_for(worded, within=10)
    _, body, _ = await admin.get("/audit?action=template_saved")
    assert "task_claimed v1" in body


async def test_unknown_kinds_are_404(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, _, _ = await admin.get("/templates/no_such_kind")
    assert status == 404
    status, _, _ = await admin.get("/templates/progress_photo")  # photos carry no words
    assert status == 404
