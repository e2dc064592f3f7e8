"""A third round of real people's words (blind set C): a business named in everyday words
("开一个一般户", "领一些增值税普通发票"), a business named beside a greeting, a fee word or
photos on their way, closing the company said like withdrawing a request, urgency said in a
roundabout way ("不算太着急"), thanks after the go-ahead, a yes that points at the request,
a pick from the list by business, the firm's hours asked mid-form, and thanks in English or
for the accountant's month of work. Each runs through the real router and the real parser."""

from __future__ import annotations

import pytest

from domain.requests import Status
from handlers import cues
from handlers.request_reading import everyday_type, urgency_of
from tests.unit.conversation.conftest import held_by_wang, raise_one
from tests.unit.lifecycle.fakes import Office


async def request(o: Office, number: str = "R1001") -> tuple[str, str, str, Status]:
    req = await o.uow.requests.get(o.firm.id, number)
    assert req is not None
    return req.type, req.urgency.value, req.description, req.status


# --- everyday names for a business, and roundabout urgency ---------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("在杭州银行开一个一般户", "银行开户"),
        ("新分店要一个基本账户", "银行开户"),
        ("申请领一些增值税普通发票", "发票申领"),
        ("帮我们店领一批专用发票", "发票申领"),
        ("专票 快没了", "发票申领"),
    ],
)
def test_everyday_words_name_the_business(text: str, kind: str) -> None:
    assert everyday_type(text) == kind


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("不算太着急，月底前就好", "normal"),
        ("不加急", "normal"),
        ("不需要加急", "normal"),
        ("需要开一个一般户，很急", "urgent"),  # "一般户" is no "一般" (normal)
        ("没时间了很急", "urgent"),
    ],
)
def test_roundabout_urgency_is_read(text: str, urgency: str) -> None:
    assert urgency_of(text) == urgency


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "你好，我们需要在杭州银行开一个一般户，专门用来发工资。时间上不急，两周内办好就可以。",
            "银行开户",
        ),
        ("您好，麻烦帮我们店领一些普通发票，不急，下周内就可以，谢谢～", "发票申领"),
        ("代开发票 一万二 服务费 不急", "代开发票"),
        ("你好，我们云帆科技的年报，希望在12月15号之前报完。普通办理就好，不用加急。", "工商年报"),
    ],
)
async def test_a_first_message_naming_a_business_goes_to_its_summary(
    o: Office, text: str, kind: str
) -> None:
    first = await o.say("o_chen", text)
    assert "请确认您的业务" in first and f"业务类型：{kind}" in first, first
    assert "紧急程度：普通" in first
    reply = await o.say("o_chen", "确认")
    assert "单号：R1001" in reply, reply
    assert (await request(o))[:2] == (kind, "normal")


async def test_photos_announced_with_a_new_business_start_its_form(o: Office) -> None:
    reply = await o.say(
        "o_chen",
        "您好，我们店要变更法人，新法人是陈涛，不着急，下个月前办好就可以，我把他的身份证也拍给您～",
    )
    assert "业务类型：工商变更" in reply and "法人" in reply, reply


async def test_photos_announced_for_an_open_business_go_to_its_accountant(o: Office) -> None:
    await raise_one(o, text="帮我办法人变更，不急")
    reply = await o.say("o_chen", "法人变更要用的身份证我拍给您")
    assert "转给王会计" in reply, reply


@pytest.mark.parametrize(
    "text",
    [
        "我们明远要注消了 香港那块业务不做了 不着急哈 年底前弄完就行",
        "我们公司打算注销了业务不做了这个事不着急年底之前弄完就行你帮我安排一下",
    ],
)
async def test_closing_the_company_is_a_request_when_nothing_is_open(o: Office, text: str) -> None:
    first = await o.say("o_chen", text)
    assert "业务类型：注销" in first and "不用撤销" not in first, first
    assert "单号：R1001" in await o.say("o_chen", "对 确认")


async def test_withdrawing_an_open_business_by_name_still_asks_to_withdraw(o: Office) -> None:
    await raise_one(o, text="帮我办注销，不急")
    reply = await o.say("o_chen", "注销那个单子不要了")
    assert "撤销" in reply and "R1001" in reply, reply


# --- the summary and the questions the bot asks --------------------------------------------


@pytest.mark.parametrize("go", ["好的，确认提交，谢谢您", "确认的，谢谢", "对，提交吧，辛苦了"])
def test_thanks_after_the_go_ahead_is_still_a_yes(go: str) -> None:
    assert cues.is_yes(go)


async def test_thanks_after_the_go_ahead_submits_without_joining_the_description(
    o: Office,
) -> None:
    await o.say("o_chen", "阿姨说店里要新开一个银行基本户，新分店以后收款要用")
    await o.say("o_chen", "蛮急的，下周一就要用到了")
    reply = await o.say("o_chen", "好的，确认提交，谢谢您")
    assert "单号：R1001" in reply, reply
    kind, urgency, description, _ = await request(o)
    assert (kind, urgency) == ("银行开户", "urgent") and "确认" not in description


async def test_a_yes_pointing_at_the_request_completes_it(o: Office) -> None:
    number = await held_by_wang(o)
    asked = await o.say("o_wang", "完成")
    assert "确认办结" in asked, asked
    await o.say("o_wang", f"就{number}这个 对")
    req = await o.uow.requests.get(o.firm.id, number)
    assert req is not None and req.status is Status.COMPLETED


async def test_a_yes_naming_another_request_completes_nothing(o: Office) -> None:
    number = await held_by_wang(o)
    await o.say("o_wang", "完成")
    await o.say("o_wang", "就R1999这个 对")
    req = await o.uow.requests.get(o.firm.id, number)
    assert req is not None and req.status is Status.CLAIMED


async def test_the_list_of_requests_is_answered_by_business(o: Office) -> None:
    await raise_one(o, who="o_liu", text="帮我们报一下年报，不急")
    await raise_one(o, who="o_liu", text="另外还想注册一个商标“云帆”，第42类，不急")
    listed = await o.say("o_liu", "进度怎么样了？")
    assert "R1001" in listed and "R1002" in listed, listed
    reply = await o.say("o_liu", "商标那个")
    assert "R1002" in reply and "商标" in reply and "R1001" not in reply, reply


# --- questions and thanks around the work ---------------------------------------------------


async def test_the_hours_asked_mid_form_are_answered_and_kept_out_of_the_request(
    o: Office,
) -> None:
    await o.say("o_liu", "我想注册一个商标")
    asked = await o.say("o_liu", "对了，顺便问下，你们周末有人上班吗？")
    assert "周一至周五" in asked and "商标" in asked, asked
    await o.say("o_liu", "不急。商标名叫“帆影”，申请第35类。")
    assert "单号：R1001" in await o.say("o_liu", "确认")
    assert "周末" not in (await request(o))[2]


async def test_the_hours_are_answered_outside_a_form(o: Office) -> None:
    reply = await o.say("o_chen", "你们几点下班啊")
    assert "周一至周五" in reply and "09:00-18:00" in reply, reply


@pytest.mark.parametrize(
    "text", ["王会计辛苦啦 这个月麻烦她了哈", "Thank you so much for your help this week!"]
)
async def test_thanks_for_the_work_is_thanked_back(o: Office, text: str) -> None:
    reply = await o.say("o_chen", text)
    assert "不客气" in reply or "谢谢" in reply or "转达" in reply, reply
    assert "投诉" not in reply and "评价" not in reply


@pytest.mark.parametrize("offer", ["好的 那我把手机号给你们吧", "我留个电话给你们"])
async def test_a_stranger_offering_a_number_is_asked_for_it_and_becomes_a_lead(
    o: Office, offer: str
) -> None:
    await o.say("o_stranger", "你好我想问一下你们那边公司注销能办吗大概要多久要多少钱")
    asked = await o.say("o_stranger", offer)
    assert "手机号码" in asked, asked
    assert "回电" in await o.say("o_stranger", "13912345678")


async def test_the_clients_narrower_words_for_the_type_stay_on_the_summary_and_receipt(
    o: Office,
) -> None:
    await o.say("o_chen", "我们店的注册地址要从上城区搬到滨江区，不着急，下个月前弄好就可以")
    retyped = await o.say("o_chen", "不好意思，这次其实是要换法人，不是改地址，麻烦您改一下～")
    assert "业务类型：工商变更（换法人）" in retyped, retyped
    done = await o.say("o_chen", "对的，这样就可以了，确认")
    assert "单号：R1001 工商变更（换法人）" in done, done


async def test_a_type_picked_again_from_the_list_drops_the_earlier_words(o: Office) -> None:
    await o.say("o_chen", "帮我办法人变更，不急，新法人是陈涛")
    await o.say("o_chen", "修改")
    await o.say("o_chen", "", menu_id="answer:field:request_type")
    summary = await o.say("o_chen", "8")  # the catalogue's order
    assert "业务类型：一般纳税人认定\n" in summary, summary


async def test_an_admin_naming_a_request_and_a_colleague_assigns_it(o: Office) -> None:
    await o.say("o_liu", "地址变更 搬到拱墅区了 不急 新租的合同我拍给你")
    await o.say("o_liu", msg_type="image", media_id="m_lease")
    assert "单号：R1001" in await o.say("o_liu", "确认")
    reply = await o.say("o_admin", "R1001 李会计")
    assert "分配给李会计" in reply, reply
    assert [n.payload["media_id"] for n in o.told("o_li", "request_photo") if n.payload] == [
        "m_lease"
    ]


@pytest.mark.parametrize("who", ["o_admin", "o_wang"])
async def test_a_number_and_other_words_assign_nothing(o: Office, who: str) -> None:
    await raise_one(o)
    await o.say(who, "R1001 完成")  # not a colleague's name: read as usual
    await o.say("o_wang", "R1001 李会计")  # not an admin
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.handler_name != "李会计"
