"""Complaints in the panel: a client's complaint is listed for the admins; resolving it with a
note tells the client in WeChat (once); an empty note or a second resolution is refused with
nothing sent; the audit log has it."""

from __future__ import annotations

from tests.support.panel import ADMIN, ADMIN_PASSWORD, STAFF_PASSWORD, WANG, Panel
from tests.support.panel_seed import complain

QINGHE = "杭州青禾餐饮管理有限公司"


async def client_texts(panel: Panel) -> list[str]:
    return [str(m.get("text") or "") for m in await panel.chat.outbox_json("o_demo_chen")]


async def test_resolve_a_complaint_and_the_client_is_told(panel: Panel) -> None:
    c = await complain(panel, QINGHE, "上个月的账做错了，<b>很着急</b>")
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    _, body, _ = await admin.get("/complaints")
    assert c.number in body and "&lt;b&gt;很着急&lt;/b&gt;" in body and "待处理" in body

    status, body, _ = await admin.post(
        f"/complaints/{c.number}/resolve", {"_csrf": admin.csrf, "note": "  "}
    )
    assert status == 422 and "请填写处理说明" in body
    status, body, _ = await admin.post(
        f"/complaints/{c.number}/resolve",
        {"_csrf": admin.csrf, "note": "已重新核对并更正，给您添麻烦了"},
    )
    assert status == 200 and "已结案" in body

    async def told() -> bool:
        return any("已重新核对并更正" in t for t in await client_texts(panel))

    await panel.chat.wait_for(told, within=10)
    status, body, _ = await admin.post(
        f"/complaints/{c.number}/resolve", {"_csrf": admin.csrf, "note": "再说一次"}
    )
    assert status == 409 and "已经处理过了" in body
    _, body, _ = await admin.get("/complaints")
    assert c.number not in body  # the open list no longer has it
    _, body, _ = await admin.get("/complaints?status=resolved")
    assert c.number in body
    _, body, _ = await admin.get("/audit?action=complaint_resolved")
    assert c.number in body and "已重新核对并更正" in body
    assert not any("再说一次" in t for t in await client_texts(panel))


async def test_an_unknown_case_is_404(panel: Panel) -> None:
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.get("/complaints/C99999")
    assert status == 404 and "没有找到投诉" in body
    status, _, _ = await admin.post(
        "/complaints/C99999/resolve", {"_csrf": admin.csrf, "note": "x"}
    )
    assert status == 404


async def test_reopen_a_resolved_complaint_without_messaging_the_client(panel: Panel) -> None:
    c = await complain(panel, QINGHE, "发票开错了")
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    status, body, _ = await admin.post(
        f"/complaints/{c.number}/reopen", {"_csrf": admin.csrf, "reopen_note": "还没结案"}
    )
    assert status == 409 and "还没有结案" in body  # an open case is not reopened
    await admin.post(f"/complaints/{c.number}/resolve", {"_csrf": admin.csrf, "note": "已重开发票"})

    async def told() -> bool:
        return any("已重开发票" in t for t in await client_texts(panel))

    await panel.chat.wait_for(told, within=10)
    sent_before = len(await client_texts(panel))

    status, body, _ = await admin.post(
        f"/complaints/{c.number}/reopen", {"_csrf": admin.csrf, "reopen_note": " "}
    )
    assert status == 422 and "请填写重新打开的原因" in body
    status, body, _ = await admin.post(
        f"/complaints/{c.number}/reopen",
        {"_csrf": admin.csrf, "reopen_note": "客户来电说发票抬头仍不对<img src=x>"},
    )
    assert status == 200 and "已重新打开" in body and "待处理" in body
    assert "发票抬头仍不对&lt;img src=x&gt;" in body and "上次处理：已重开发票" in body
    _, body, _ = await admin.get("/complaints")  # back on the open list, marked
    assert c.number in body and "重新打开" in body
    _, body, _ = await admin.get("/audit?action=complaint_reopened")
    assert c.number in body and "发票抬头仍不对" in body and "resolved" in body
    status, _, _ = await admin.post(
        f"/complaints/{c.number}/reopen", {"_csrf": admin.csrf, "reopen_note": "再开一次"}
    )
    assert status == 409  # already open again

    # Resolving it again tells the client the new outcome (once); the reopening told nothing.
    await panel.chat.sender.drain_once()  # anything the reopening queued would go now
    assert len(await client_texts(panel)) == sent_before
    status, _, _ = await admin.post(
        f"/complaints/{c.number}/resolve", {"_csrf": admin.csrf, "note": "抬头已更正"}
    )
    assert status == 200

    async def told_again() -> bool:
        return any("抬头已更正" in t for t in await client_texts(panel))

    await panel.chat.wait_for(told_again, within=10)
    assert not any("发票抬头仍不对" in t for t in await client_texts(panel))


async def test_an_accountant_cannot_reopen(panel: Panel) -> None:
    c = await complain(panel, QINGHE, "态度不好")
    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    await admin.post(f"/complaints/{c.number}/resolve", {"_csrf": admin.csrf, "note": "已沟通"})
    wang = await panel.logged_in(WANG, STAFF_PASSWORD)
    status, _, _ = await wang.post(
        f"/complaints/{c.number}/reopen", {"_csrf": wang.csrf, "reopen_note": "x"}
    )
    assert status == 403
    _, body, _ = await admin.get(f"/complaints/{c.number}")
    assert "已结案" in body
