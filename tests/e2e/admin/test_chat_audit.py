"""Changes made in the chat land in the same audit log as the panel's, written by the use
cases themselves: an admin's "分配 R1001 给 王会计" typed in the chat (through the sandbox's
signed WeChat XML) shows on the panel's 操作记录 page with who, what, when, before and after,
beside an assignment made in the panel; a refused assignment logs nothing."""

from __future__ import annotations

import html
import re

from domain.requests import Status
from tests.support.panel import ADMIN, ADMIN_PASSWORD, LI, WANG, Panel
from tests.support.panel_seed import staff_id

YUNFAN = "杭州云帆科技有限公司"
ADMIN_OPENID = "o_demo_admin"


def entries(body: str) -> list[str]:
    """The audit page's rows as plain text."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>|\s+", " ", r)).strip() for r in rows[1:]]


async def test_an_assignment_typed_in_chat_is_in_the_panels_audit_log(panel: Panel) -> None:
    req = await panel.seed(YUNFAN, status=Status.CLAIMED, handler=LI)
    answer = await panel.chat.say(ADMIN_OPENID, f"分配 {req.number} 给 {WANG}")
    assert answer is not None and "分配给王会计" in answer
    # A refused one (nobody of that name) changes nothing and logs nothing.
    refused = await panel.chat.say(ADMIN_OPENID, f"分配 {req.number} 给 张三")
    assert refused is not None and "分配给" not in refused

    admin = await panel.logged_in(ADMIN, ADMIN_PASSWORD)
    # And one made in the panel, for the same log.
    other = await panel.seed(YUNFAN)
    form = {"_csrf": admin.csrf, "staff": str(await staff_id(panel, LI))}
    assert (await admin.post(f"/requests/{other.number}/assign", form))[0] == 303

    status, body, _ = await admin.get("/audit?action=assign")
    assert status == 200
    rows = entries(body)
    chat_row = next(r for r in rows if req.number in r)
    panel_row = next(r for r in rows if other.number in r)
    assert ADMIN in chat_row and "分配业务" in chat_row
    assert LI in chat_row and WANG in chat_row  # before and after
    assert ADMIN in panel_row and LI in panel_row
    assert len([r for r in rows if req.number in r]) == 1  # the refused one left no entry
