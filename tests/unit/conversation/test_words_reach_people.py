"""Words a client says for someone reach them as notices: thanks for the accountant they
named, a call-back asked in a sentence, and what they add to a complaint just opened."""

from __future__ import annotations

from tests.unit.lifecycle.fakes import Office


async def test_thanks_naming_the_accountant_reach_them(o: Office) -> None:
    reply = await o.say("o_chen", "谢谢王会计，辛苦啦")
    assert "转达给王会计" in reply
    (thanks,) = o.told("o_wang", "thanks_relayed")
    assert thanks.text == "青禾餐饮的客户0说：谢谢王会计，辛苦啦"


async def test_a_call_back_asked_in_words_carries_them(o: Office) -> None:
    reply = await o.say("o_chen", "让王会计有空给我回个电话")
    assert "已通知王会计" in reply
    (call,) = o.told("o_wang", "callback_requested")
    assert call.text == "青禾餐饮的客户0请您回电：135。\n客户说：让王会计有空给我回个电话"


async def test_what_a_client_adds_to_a_complaint_reaches_the_admins(o: Office) -> None:
    reply = await o.say("o_chen", "投诉王会计，三天都不回我消息，太不专业了")
    assert "投诉单号：C1001" in reply
    reply = await o.say("o_chen", "尽快给个说法")
    assert "已转给主管" in reply
    (more,) = o.told("o_admin", "complaint_followup")
    assert more.text == "【投诉 C1001 客户补充】青禾餐饮 客户0：尽快给个说法"
