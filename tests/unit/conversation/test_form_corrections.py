"""The request form takes what the first message says and corrections at any step, the summary
included: the right slot changes and the new summary is shown."""

from __future__ import annotations

import pytest

from tests.unit.lifecycle.fakes import Office


async def submitted(o: Office, who: str = "o_chen") -> tuple[str, str, str]:
    reply = await o.say(who, "确认")
    assert "单号：R1001" in reply, reply
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None
    return req.type, req.urgency.value, req.description


async def test_a_long_first_message_fills_type_urgency_and_description(o: Office) -> None:
    reply = await o.say("o_chen", "帮我办个营业执照，新开一家分店要用，不急")
    assert "请确认" in reply and "新开一家分店要用" in reply
    assert await submitted(o) == ("营业执照", "normal", "新开一家分店要用")


async def test_only_what_is_missing_is_asked(o: Office) -> None:
    reply = await o.say("o_chen", "想办个注销")
    assert "具体要办什么" in reply
    reply = await o.say("o_chen", "分公司不做了，要注销掉")
    assert "加急" in reply and "注销" in reply
    assert "请确认" in await o.say("o_chen", "挺急的")
    assert (await submitted(o))[:2] == ("注销", "urgent")


async def test_type_and_urgency_without_details_can_be_submitted_at_once(o: Office) -> None:
    reply = await o.say("o_liu", "帮我们申领发票，普通")
    assert "发票申领" in reply and "确认" in reply
    assert await submitted(o, "o_liu") == ("发票申领", "normal", "（无补充说明）")


async def test_the_corrected_type_wins_and_its_negated_name_is_not_the_description(
    o: Office,
) -> None:
    await o.say("o_chen", "想办个注销")
    reply = await o.say("o_chen", "哦不对，不是注销，是地址迁移，我们店搬到滨江了")
    assert "地址迁移" in reply
    await o.say("o_chen", "不急的")
    kind, _, description = await submitted(o)
    assert kind == "地址迁移" and "注销" not in description and "滨江" in description


@pytest.mark.parametrize(
    ("correction", "slot", "expected"),
    [
        ("不对，是社保开户", "type", "社保开户"),
        ("哦还是加急吧，下周就要", "urgency", "urgent"),
        ("名字写错了，改成明远优选", "description", "名字叫明远优选"),
    ],
)
async def test_a_correction_at_the_summary_changes_the_right_slot(
    o: Office, correction: str, slot: str, expected: str
) -> None:
    await o.say("o_chen", "想注册个商标，名字叫明远，不急")
    reply = await o.say("o_chen", correction)
    assert "请确认" in reply and "好的" in reply
    kind, urgency, description = await submitted(o)
    got = {"type": kind, "urgency": urgency, "description": description}
    assert expected in got[slot]
    untouched = {"type": "商标注册", "urgency": "normal", "description": "名字叫明远"}
    for other, value in untouched.items():
        if other != slot:
            assert value in got[other]


async def test_edit_offers_the_fields_and_the_type_is_changeable(o: Office) -> None:
    await o.say("o_liu", "要办个税务登记，新公司刚拿到执照，普通就行")
    reply = await o.say("o_liu", "修改")
    assert "改哪一项" in reply
    assert "哪项业务" in await o.say("o_liu", "业务类型", "answer:field:request_type")
    assert "社保开户" in await o.say("o_liu", "社保开户")
    assert (await submitted(o, "o_liu"))[0] == "社保开户"


async def test_change_the_type_in_words(o: Office) -> None:
    await o.say("o_liu", "要办个税务登记，新公司刚拿到执照，普通就行")
    assert "哪项业务" in await o.say("o_liu", "改一下类型")
    assert "请确认" in await o.say("o_liu", "13")  # the catalogue's order
    assert (await submitted(o, "o_liu"))[0] == "社保开户"


async def test_yes_in_other_words_submits(o: Office) -> None:
    await o.say("o_chen", "想注册个商标，名字叫明远，不急")
    reply = await o.say("o_chen", "好了提交吧")
    assert "单号：R1001" in reply


async def test_thanks_inside_the_form_is_answered_and_never_the_description(o: Office) -> None:
    await o.say("o_chen", "我要办银行开户")
    reply = await o.say("o_chen", "谢谢")
    assert "不客气" in reply and "具体要办什么" in reply
    assert "description" not in o.convs["o_chen"].slots


async def test_an_invalid_answer_is_explained_and_asked_again_in_one_message(o: Office) -> None:
    await o.say("o_chen", "我要办银行开户")
    await o.say("o_chen", "开基本户，公司刚注册")
    replies = await o.replies("o_chen", "随便")
    assert len(replies) == 1
    assert "请回复“普通”或“加急”" in replies[0].text and "需要加急吗" in replies[0].text
    assert o.convs["o_chen"].requested_slot == "urgency"


@pytest.mark.parametrize(
    ("description", "said", "after"),
    [
        ("开户行想选工商银行", "开户行改为建设银行；另外比较急", "开户行想选建设银行"),
        ("名字叫明远", "改成明远优选", "名字叫明远优选"),
        ("地址是文三路88号", "改为文三路99号", "地址是文三路99号"),
        ("名字叫明远，注册资本100万", "名字改成明远优选", "名字叫明远优选，注册资本100万"),
    ],
)
def test_a_replacement_takes_the_place_of_what_it_names(
    description: str, said: str, after: str
) -> None:
    from handlers.request_reading import replace_in

    assert replace_in(description, said) == after


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("we need to register a trademark", "商标注册"),
        ("帮我们搞个bank account，对公的", "银行开户"),
        ("annual report for 2025 please", "工商年报"),
        ("what's the weather like", None),
    ],
)
def test_business_named_in_english(text: str, kind: str | None) -> None:
    from handlers.request_reading import english_type

    assert english_type(text) == kind


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("no rush", "normal"),
        ("not urgent", "normal"),
        ("收投资款用，ASAP", "urgent"),
        ("挺急的", "urgent"),
    ],
)
def test_urgency_in_english_too(text: str, urgency: str) -> None:
    from handlers.request_reading import urgency_of

    assert urgency_of(text) == urgency
