"""What one person typed reaches the others inert (no markup, no acting links), while the bot's
own quick replies still render as links at the edge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.wechat.protocol import parse_xml, render_reply
from domain import dispatch_timers
from domain.conversation import Conversation
from domain.dispatch_policy import DispatchPolicy
from handlers.app import build_root
from handlers.message import Inbound
from handlers.replies import Reply
from handlers.turn import Ports, Turn
from tests.support.stories import LifecycleNLU
from tests.unit.lifecycle.fakes import NOW, Office, office

HOSTILE = (
    '<a href="weixin://bizmsgmenu?msgmenucontent=确认&msgmenuid=cancel_request:R1001">点我</a>'
)


def assert_inert(text: str) -> None:
    assert "<a" not in text and "<" not in text and ">" not in text, text
    assert "weixin://" not in text.lower(), text


@pytest.fixture
async def o() -> Office:
    return await office()


async def raise_hostile(o: Office) -> str:
    await o.say("o_chen", "我想办个营业执照")
    await o.say("o_chen", f"新公司注册{HOSTILE}")
    confirm = await o.say("o_chen", "普通", "answer:normal")
    assert "请确认" in confirm and "新公司注册" in confirm
    assert_inert(confirm)  # the summary echoed back
    assert "单号：R1001" in await o.say("o_chen", "确认", "answer:yes")
    return "R1001"


async def test_a_client_description_reaches_staff_inert_with_the_bots_own_button(
    o: Office,
) -> None:
    await raise_hostile(o)
    for staff in ("o_wang", "o_li", "o_admin"):
        (push,) = o.told(staff, "request_raised")
        assert "新公司注册" in push.text and "点我" in push.text
        assert_inert(push.text)
        for value in push.template_fields.values():
            assert_inert(value)
        assert [q.id for q in push.quick_replies] == ["claim_task:R1001"]
    # The staff member's timeline, the pool list and the claim confirmation: inert too.
    assert_inert(await o.say("o_wang", "查看 R1001"))
    claimed = await o.say("o_wang", "抢单 R1001")
    assert "抢单成功" in claimed and "新公司注册" in claimed
    assert_inert(claimed)


async def test_escalation_and_assignment_carry_the_description_inert(o: Office) -> None:
    await raise_hostile(o)
    policy = DispatchPolicy()
    for minutes in (31, 62):
        await dispatch_timers.scan(o.uow, NOW + timedelta(minutes=minutes), policy)
    (escalated,) = o.told("o_admin", "escalated")
    assert "新公司注册" in escalated.text
    assert_inert(escalated.text)
    await o.say("o_admin", "分配 R1001 给 李会计")
    (assigned,) = o.told("o_li", "task_assigned")
    assert "新公司注册" in assigned.text
    assert_inert(assigned.text)


async def test_a_progress_note_reaches_the_client_inert(o: Office) -> None:
    await raise_hostile(o)
    await o.say("o_wang", "抢单 R1001")
    await o.say("o_wang", f"进度 R1001 已提交{HOSTILE}")
    (progress,) = o.told("o_chen", "progress_added")
    assert "已提交" in progress.text
    assert_inert(progress.text)
    for value in progress.template_fields.values():
        assert_inert(value)
    assert [q.id for q in progress.quick_replies] == ["check_progress:R1001"]
    timeline = await o.say("o_chen", "R1001到哪一步了")
    assert "已提交" in timeline
    assert_inert(timeline)
    assert_inert(await o.say("o_chen", "查进度"))  # the list's 最新 line
    assert_inert(await o.say("o_wang", "我的任务"))
    await o.say("o_wang", f"完成 R1001 执照已寄出{HOSTILE}")
    (done,) = o.told("o_chen", "request_completed")
    assert "执照已寄出" in done.text
    assert_inert(done.text)


async def test_a_complaint_reaches_the_admins_inert_and_the_resolution_the_client(
    o: Office,
) -> None:
    await o.say("o_chen", f"我要投诉，会计一直不回消息{HOSTILE}")
    await o.say("o_chen", "跳过", "answer:跳过")
    (case,) = o.told("o_admin", "complaint_opened")
    assert "一直不回消息" in case.text and "点我" in case.text
    assert_inert(case.text)
    for value in case.template_fields.values():
        assert_inert(value)
    await o.say("o_admin", f"结案 C1001 已回访{HOSTILE}")
    (resolved,) = o.told("o_chen", "complaint_resolved")
    assert "已回访" in resolved.text
    assert_inert(resolved.text)


async def test_a_rating_comment_reaches_the_admins_and_the_timeline_inert(o: Office) -> None:
    await raise_hostile(o)
    await o.say("o_wang", "抢单 R1001")
    await o.say("o_wang", "完成 R1001")
    # The scores and the reason in one message are recorded at once.
    thanks = await o.say("o_chen", f"态度1分，速度1分，太慢了{HOSTILE}")
    assert "太慢了" in thanks
    assert_inert(thanks)
    (case,) = o.told("o_admin", "complaint_opened")
    assert "太慢了" in case.text
    assert_inert(case.text)
    timeline = await o.say("o_wang", "查看 R1001")
    assert "太慢了" in timeline
    assert_inert(timeline)


async def replies_of(o: Office, openid: str, text: str, menu_id: str = "") -> list[Reply]:
    """One turn like `Office.say`, but the reply values themselves (quick replies included)."""
    conv = o.convs.setdefault(openid, Conversation(o.firm.appid, openid))
    msg = Inbound(openid, "text", NOW, text=text, menu_id=menu_id)
    turn = Turn(msg, await o.who(openid), conv, o.uow, Ports(nlu=LifecycleNLU()), NOW)
    return await build_root().handle(turn)


async def test_the_bots_own_quick_replies_still_render_as_links(o: Office) -> None:
    await o.say("o_chen", "我想办个营业执照")
    await o.say("o_chen", f"新公司注册{HOSTILE}")
    [confirm] = await replies_of(o, "o_chen", "普通", "answer:normal")
    # Rendered as the edge does: the user's link is inert, the bot's three answers are links.
    content = parse_xml(render_reply(confirm, "o_chen", "gh_x", 1).encode())["Content"]
    assert "请确认" in content and "新公司注册" in content
    links = re.findall(r'<a href="([^"]*)"', content)
    assert [link.rpartition("msgmenuid=")[2] for link in links] == [
        "answer:yes",
        "answer:edit",
        "cancel",
    ]
    assert all(link.startswith("weixin://bizmsgmenu?") for link in links)
    assert '新公司注册＜a href="weixin：//bizmsgmenu' in content  # the client's: plain text
