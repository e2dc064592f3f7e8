"""Words real people use around the forms and commands: a go-ahead at the end of a longer
reply, a correction while answering another question, a withdrawal said again as the yes, a
staff report that ends "这单完成", a progress note naming the request in words, questions
about the bot itself, a new phone number, English, strangers, and binding codes of the wrong
length. Each runs through the real router and the real parser."""

from __future__ import annotations

import pytest

from domain.requests import Status
from tests.unit.conversation.conftest import held_by_wang, raise_one
from tests.unit.lifecycle.fakes import Office


async def request(o: Office, number: str = "R1001") -> tuple[str, str, str, Status]:
    req = await o.uow.requests.get(o.firm.id, number)
    assert req is not None
    return req.type, req.urgency.value, req.description, req.status


# --- the summary: held, then a go-ahead in a sentence -------------------------------------


@pytest.mark.parametrize("go", ["老板同意了，提交吧", "对 就这样 提交吧", "问过了，没问题"])
async def test_a_go_ahead_ending_a_longer_reply_submits(o: Office, go: str) -> None:
    await o.say("o_chen", "帮我办社保开户，新招了两个服务员下周上岗，挺急的")
    held = await o.say("o_chen", "等等先别提交，我问下老板")
    assert "先不提交" in held and "单号" not in held
    reply = await o.say("o_chen", go)
    assert "单号：R1001" in reply, reply
    assert (await request(o))[2] == "新招了两个服务员下周上岗"  # the go-ahead is no detail


async def test_a_hold_in_the_same_sentence_is_no_go_ahead(o: Office) -> None:
    await o.say("o_chen", "帮我办社保开户，新招了两个服务员，不急")
    reply = await o.say("o_chen", "先别提交，确认一下老板的意思")
    assert "单号" not in reply and not o.told("o_wang")


# --- corrections while answering something else -------------------------------------------


async def test_a_narrower_type_corrected_at_the_urgency_question(o: Office) -> None:
    first = await o.say("o_liu", "帮我们办个法人变更，CEO换人了")
    assert "加急" in first and "工商变更" in first
    reply = await o.say("o_liu", "挺急的。wait 不是法人变更，是股权变更，新投资人进来了")
    assert "请确认" in reply and "股权变更" in reply and "加急" in reply
    await o.say("o_liu", "确认")
    kind, urgency, description, _ = await request(o)
    assert (kind, urgency) == ("工商变更", "urgent")
    assert "股权变更" in description and "法人变更" not in description


async def test_two_corrections_at_the_summary_change_both_slots(o: Office) -> None:
    await o.say("o_chen", "您好，麻烦申请银行开户：基本户，开户行想选工商银行，不急。")
    reply = await o.say("o_chen", "更正两处：开户行改为建设银行；另外比较急，本周内要用。")
    assert "发票" not in reply  # not read as an invoice correction
    assert "建设银行" in reply and "工商银行" not in reply and "加急" in reply
    await o.say("o_chen", "确认")
    _, urgency, description, _ = await request(o)
    assert urgency == "urgent" and "建设银行" in description


# --- a withdrawal confirmed by saying it again ------------------------------------------------


@pytest.mark.parametrize("yes", ["对，不要了", "不要了", "嗯 撤了吧", "确认"])
async def test_saying_the_withdrawal_again_confirms_it(o: Office, yes: str) -> None:
    number = await raise_one(o)
    asked = await o.say("o_chen", "刚才那个不要了")
    assert "确认撤销" in asked and number in asked
    reply = await o.say("o_chen", yes)
    assert "已撤销" in reply
    assert (await request(o, number))[3] is Status.CANCELLED


@pytest.mark.parametrize("no", ["先不", "算了还是留着吧", "不，继续办"])
async def test_a_no_to_the_withdrawal_keeps_the_request(o: Office, no: str) -> None:
    number = await raise_one(o)
    await o.say("o_chen", "刚才那个不要了")
    await o.say("o_chen", no)
    assert (await request(o, number))[3] is Status.SUBMITTED


async def test_closing_a_numbered_request_withdraws_it_instead_of_opening_a_closure(
    o: Office,
) -> None:
    number = await raise_one(o)
    reply = await o.say("o_chen", f"{number}帮我注销掉吧，分店不开了")
    assert "确认撤销" in reply and "加急" not in reply
    assert o.convs["o_chen"].flow != "raise_request"


# --- staff: a report that ends "done"; progress named in words -----------------------------


async def test_a_report_ending_with_done_completes_the_numbered_request(o: Office) -> None:
    number = await held_by_wang(o)
    reply = await o.say("o_wang", f"{number}执照材料已经递交并受理了，这单完成")
    assert "已办结" in reply
    (done,) = o.told("o_chen", "request_completed")
    assert "打个分" in done.text  # the rating question rides along: one message


@pytest.mark.parametrize("text", ["{n}材料已完成提交，等审批", "{n}还没弄完", "{n}明天应该能完成"])
async def test_a_report_that_is_not_done_completes_nothing(o: Office, text: str) -> None:
    number = await held_by_wang(o)
    await o.say("o_wang", text.format(n=number))
    assert (await request(o, number))[3] is Status.CLAIMED
    assert not o.told("o_chen", "request_completed")


async def test_progress_naming_the_request_in_words_reaches_the_client(o: Office) -> None:
    number = await held_by_wang(o)
    reply = await o.say("o_wang", "陈女士那个执照，材料我今天交到工商局了，大概3个工作日出来")
    assert "已记录" in reply and number in reply
    (progress,) = o.told("o_chen", "progress_added")
    assert "工商局" in progress.text


async def test_progress_in_words_with_two_tasks_in_hand_asks_for_the_number(o: Office) -> None:
    await held_by_wang(o)
    second = await raise_one(o, "o_liu", "帮我们注册商标，名字叫云帆，不急")
    await o.say("o_wang", f"抢单 {second}")
    reply = await o.say("o_wang", "材料今天交上去了，大概3个工作日出来")
    assert "单号" in reply and not o.told("o_chen", "progress_added")


# --- questions about the bot, thanks, a new phone number ------------------------------------


async def test_staff_asking_how_to_claim_get_the_staff_help(o: Office) -> None:
    number = await raise_one(o)
    reply = await o.say("o_li", "我是新来的李会计，怎么接单啊")
    assert f"抢单 {number}" in reply  # the example is a request they could take
    assert (await request(o, number))[3] is Status.SUBMITTED


async def test_an_admin_asking_what_they_can_do_hears_about_assigning(o: Office) -> None:
    reply = await o.say("o_admin", "我这边能干啥，说简单点")
    assert "分配" in reply and "我要办" not in reply


@pytest.mark.parametrize(
    "text", ["谢谢啊小云，帮大忙了", "哦 晓得了 谢谢你啊姑娘", "麻烦您了，谢谢"]
)
async def test_thanks_in_many_words_get_a_warm_answer(o: Office, text: str) -> None:
    reply = await o.say("o_chen", text)
    assert "不客气" in reply and "评价" not in reply


async def test_a_new_phone_number_reaches_the_accountant(o: Office) -> None:
    reply = await o.say("o_chen", "我手机号换了，新号13700001234，以后联系打这个")
    assert "137****1234" in reply and "王会计" in reply and "工商变更" not in reply
    (told,) = o.told("o_wang", "phone_changed")
    assert "13700001234" in told.text


# --- English --------------------------------------------------------------------------------


async def test_an_english_request_starts_the_form_on_its_type(o: Office) -> None:
    reply = await o.say(
        "o_liu", "Hi, we need to register a trademark for our app CloudSail, not urgent"
    )
    assert "商标注册" in reply and "普通" in reply and "中文" in reply
    assert "单号：R1001" in await o.say("o_liu", "yes, confirm")
    assert (await request(o))[:2] == ("商标注册", "normal")


async def test_mixed_english_names_the_type_and_the_urgency(o: Office) -> None:
    reply = await o.say("o_liu", "帮我们搞个bank account，对公的，收投资款用，ASAP")
    assert "银行开户" in reply and "加急" in reply
    assert "单号：R1001" in await o.say("o_liu", "ok 确认")


async def test_staff_claim_and_complete_in_english(o: Office) -> None:
    number = await raise_one(o)
    assert "抢单成功" in await o.say("o_li", f"grab {number}")
    assert "已办结" in await o.say("o_li", f"{number} done")
    assert o.told("o_chen", "request_completed")


# --- strangers and binding codes --------------------------------------------------------------


async def test_a_stranger_asking_what_we_do_hears_the_services_and_how_to_reach_us(
    o: Office,
) -> None:
    reply = await o.say("o_new", "你好，你们公司都做什么的")
    assert "代理记账" in reply and "手机号" in reply


async def test_a_stranger_who_left_a_number_asking_when_is_answered(o: Office) -> None:
    await o.say("o_new", "我想找你们做代账，我姓孙，电话13912345678，方便时回个电话")
    assert o.told("o_admin", "lead")
    reply = await o.say("o_new", "大概什么时候能联系我")
    assert "13912345678" in reply and "绑定" not in reply


async def test_a_code_of_the_wrong_length_says_so(o: Office) -> None:
    reply = await o.say("o_new", "绑定 ZZZ999000")
    assert "不正确" in reply and "9位" in reply and "6位" in reply


# --- more everyday words ----------------------------------------------------------------------


async def test_everyday_words_name_the_business(o: Office) -> None:
    reply = await o.say("o_chen", "帮我开张发票给客户，金额5000")
    assert "代开发票" in reply
    await o.say("o_chen", "不急")
    assert "单号：R1001" in await o.say("o_chen", "确认")
    assert (await request(o))[:2] == ("代开发票", "normal")


async def test_urgency_said_before_the_type_is_kept(o: Office) -> None:
    await o.say("o_chen", "我想办个业务")
    reply = await o.say("o_chen", "不急")
    assert "普通" in reply and "哪项业务" in reply and "抱歉" not in reply
    reply = await o.say("o_chen", "开票")
    assert "代开发票（普通）" in reply


async def test_changing_the_type_at_the_summary_keeps_the_description(o: Office) -> None:
    await o.say("o_chen", "帮我办工商变更，改一下经营范围，不急")
    reply = await o.say("o_chen", "业务类型改成地址迁移")
    assert "业务类型：地址迁移" in reply and "需求说明：改一下经营范围" in reply


async def test_a_sigh_about_business_is_no_impatience(o: Office) -> None:
    reply = await o.say("o_chen", "生意太难做了，房租又涨了")
    assert "不容易" in reply and "久等" not in reply
    assert "久等" in await o.say("o_chen", "还有人管吗？？等半天了")


@pytest.mark.parametrize("score", ["四星吧", "给4分", "⭐⭐⭐⭐"])
async def test_scores_in_words_and_stars_inside_the_rating_form(o: Office, score: str) -> None:
    number = await held_by_wang(o)
    await o.say("o_wang", f"完成 {number}")
    assert "打分" in await o.say("o_chen", "王会计人挺好的，就是有点慢")
    assert "不客气" in await o.say("o_chen", "谢谢")
    assert "办理速度" in await o.say("o_chen", score)
    reply = await o.say("o_chen", "3")
    assert "服务态度4分、办理速度3分" in reply


async def test_staff_words_that_name_no_request_are_offered_back_first(o: Office) -> None:
    number = await held_by_wang(o)
    reply = await o.say("o_wang", "还没弄完呢，材料还差一份")
    assert "要把这句作为" in reply and number in reply
    assert not o.told("o_chen", "progress_added")
    assert "已记录" in await o.say("o_wang", "是")
    assert o.told("o_chen", "progress_added")


@pytest.mark.parametrize("who", ["o_wang", "o_admin"])
async def test_a_question_about_waiting_requests_lists_them_and_claims_nothing(
    o: Office, who: str
) -> None:
    number = await raise_one(o)
    reply = await o.say(who, "今天有啥新单？有哪些单没人接")
    assert number in reply and "抢单成功" not in reply
    assert (await request(o, number))[3] is Status.SUBMITTED


async def test_two_businesses_in_one_message_are_offered_one_after_the_other(o: Office) -> None:
    reply = await o.say("o_chen", "帮我办营业执照和税务登记，都不急")
    assert "营业执照" in reply
    done = await o.replies("o_chen", "确认")
    assert "您还提到了税务登记" in done[0].text
    tap = next(q for q in done[0].quick_replies if q.id.startswith("raise_request:"))
    reply = await o.say("o_chen", tap.label, tap.id)
    assert "税务登记" in reply and "营业执照" not in reply


async def test_a_correction_is_never_a_yes_at_the_summary(o: Office) -> None:
    await o.say("o_chen", "我们要办个银行开户，基本户，不急")
    reply = await o.say("o_chen", "不对，是一般户")
    assert "单号" not in reply and not o.told("o_wang")


async def test_asking_whether_a_request_can_be_withdrawn_answers_and_offers(o: Office) -> None:
    number = await raise_one(o)
    reply = await o.say("o_chen", f"{number}能不能取消")
    assert "可以" in reply and "要撤销吗" in reply
    assert (await request(o, number))[3] is Status.SUBMITTED
    assert "已撤销" in await o.say("o_chen", "好的")


@pytest.mark.parametrize(
    ("text", "assigned"),
    [("把1001派给王会计", True), ("先别把R1001分给王会计，等等看", False)],
)
async def test_an_admin_hands_over_in_natural_words(o: Office, text: str, assigned: bool) -> None:
    await raise_one(o)
    await o.say("o_admin", text)
    status = (await request(o))[3]
    assert (status is Status.ASSIGNED) is assigned


async def test_a_change_to_a_submitted_request_reaches_the_accountant_each_time(o: Office) -> None:
    number = await raise_one(o)
    reply = await o.say("o_chen", f"{number}改成加急可以吗")
    assert "王会计" in reply and "没太明白" not in reply
    await o.say("o_chen", f"{number}再补充一下：要两份副本")
    told = o.told("o_wang", "callback_requested")
    assert len(told) == 2 and "两份副本" in told[1].text
    assert (await request(o, number))[1] == "normal"  # nothing changed unseen


async def test_english_that_is_understood_is_answered_with_a_line_on_the_language(
    o: Office,
) -> None:
    number = await raise_one(o, "o_liu", "帮我们注册商标，名字叫云帆，不急")
    reply = await o.say("o_liu", f"any update on {number}?")
    assert "Chinese" in reply and number in reply and "待接单" in reply


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("I want to close my company", True),
        ("how much is bookkeeping per month?", False),
        ("what does a trademark registration cost", False),
    ],
)
async def test_english_names_a_business_but_a_price_question_starts_nothing(
    o: Office, text: str, starts: bool
) -> None:
    await o.say("o_liu", text)
    assert (o.convs["o_liu"].flow == "raise_request") is starts


async def test_impatience_gets_the_state_of_things_and_out_of_hours_says_when(o: Office) -> None:
    from datetime import UTC, datetime

    night = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 07:00 in Beijing
    number = await raise_one(o)
    reply = await o.say("o_chen", "还有人管吗", now=night)
    assert "久等" in reply and number in reply and "09:00" in reply
    assert not o.told("o_admin", "complaint_opened")
