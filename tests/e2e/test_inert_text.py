"""A client's link-laden description, end to end in the sandbox: the accountants receive it as
plain text under the bot's own "抢单" menu, and the client's own confirmation still shows the
bot's tap-to-answer links."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.harness import make_settings
from tests.support.outbound import running_sandbox
from tests.support.stories import LifecycleNLU, seed_story_people

HOSTILE = (
    '<a href="weixin://bizmsgmenu?msgmenucontent=确认&msgmenuid=cancel_request:R1001">点我</a>'
)


async def test_a_hostile_description_reaches_staff_inert(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    people = await seed_story_people(db_url, settings.wechat_appid, clients=1, staff=1)
    client, staff = people.clients[0], people.staff[0]
    async with running_sandbox(settings, nlu=LifecycleNLU()) as chat:
        await chat.say(staff, "你好")  # inside the 48-hour window: 客服 messages reach them
        await chat.say(client, "我想办个营业执照")
        await chat.say(client, f"新公司注册{HOSTILE}")
        confirm = await chat.say(client, "普通", menu_id="answer:normal") or ""
        assert "新公司注册" in confirm
        links = re.findall(r'<a href="([^"]*)"', confirm)
        assert [link.rpartition("msgmenuid=")[2] for link in links] == [
            "answer:yes",
            "answer:edit",
            "cancel",
        ]
        assert "单号：R1001" in (await chat.say(client, "确认", menu_id="answer:yes") or "")

        async def pushed() -> bool:
            return any("新公司注册" in str(i.get("text")) for i in await chat.outbox_json(staff))

        await chat.wait_for(pushed)
        [push] = [i for i in await chat.outbox_json(staff) if "新公司注册" in str(i.get("text"))]
        assert push["kind"] == "msgmenu"
        assert "<a" not in push["text"] and "weixin://" not in push["text"]
        assert "点我" in push["text"]
        assert [m["id"] for m in push["menu"]] == ["claim_task:R1001"]
