"""When the bot asks something, the next message is read against what it expects first: the
rating a completion invited, the urgency, which request, yes or no; then as a new message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.requests import Status
from tests.unit.conversation.conftest import held_by_wang, raise_one
from tests.unit.lifecycle.fakes import NOW, Office


async def completed(o: Office) -> str:
    number = await held_by_wang(o)
    assert "已办结" in await o.say("o_wang", f"完成 {number}")
    return number


async def rating_of(o: Office) -> tuple[int, int, str]:
    rating = await o.uow.ratings.get(1)
    assert rating is not None
    return rating.attitude, rating.speed, rating.comment


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("三颗星吧", 3),
        ("⭐⭐⭐⭐", 4),
        ("4", 4),
        ("5星", 5),
        ("给个好评", 5),
        ("两星，退回两次", 2),
    ],
)
async def test_a_score_in_any_form_is_the_rating(o: Office, answer: str, score: int) -> None:
    await completed(o)
    reply = await o.say("o_chen", answer)
    assert "哪个单" not in reply and "哪一单" not in reply
    assert (await rating_of(o))[:2] == (score, score)
    assert str(score) in reply


async def test_a_low_score_with_its_reason_is_recorded_with_an_apology_in_one_reply(
    o: Office,
) -> None:
    await completed(o)
    replies = await o.replies("o_chen", "差评，拖了半个月")
    assert len(replies) == 1
    assert "抱歉" in replies[0].text and "哪" not in replies[0].text
    assert await rating_of(o) == (1, 1, "拖了半个月")
    (case,) = o.told("o_admin", "complaint_opened")
    assert "拖了半个月" in case.text


async def test_a_bare_low_score_asks_what_went_wrong_then_records_it(o: Office) -> None:
    await completed(o)
    reply = await o.say("o_chen", "差评")
    assert "抱歉" in reply and "想对我们说" in reply
    assert await o.uow.ratings.get(1) is None
    assert "C1001" in await o.say("o_chen", "办得太慢了")
    assert await rating_of(o) == (1, 1, "办得太慢了")


async def test_a_score_out_of_range_is_explained_once_and_recorded_later(o: Office) -> None:
    await completed(o)
    replies = await o.replies("o_chen", "给10颗星！")
    assert len(replies) == 1 and "1到5" in replies[0].text
    assert await o.uow.ratings.get(1) is None
    assert "5" in await o.say("o_chen", "那就5星吧")
    assert (await rating_of(o))[:2] == (5, 5)


async def test_praise_in_words_is_kept_and_the_score_asked(o: Office) -> None:
    await completed(o)
    reply = await o.say("o_chen", "态度挺好的，就是有点慢")
    assert "谢谢" in reply and "态度挺好的" in reply and "打分" in reply
    await o.say("o_chen", "5", "answer:5")
    await o.say("o_chen", "3", "answer:3")
    assert await rating_of(o) == (5, 3, "态度挺好的，就是有点慢")


async def test_thanks_while_a_rating_is_expected_is_warm_and_offers_it(o: Office) -> None:
    await completed(o)
    reply = await o.say("o_chen", "谢谢王会计，辛苦啦🌹")
    assert "不客气" in reply and "员工功能" not in reply
    assert await o.uow.ratings.get(1) is None


async def test_the_rating_expectation_lapses(o: Office) -> None:
    await completed(o)
    later = NOW + timedelta(days=4)
    await o.say("o_chen", "三颗星吧", now=later)  # read as a new message, not this rating
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.COMPLETED


async def test_urgency_in_everyday_words(o: Office) -> None:
    await o.say("o_chen", "我要办银行开户")
    await o.say("o_chen", "开基本户，公司刚注册")
    assert "紧急程度：加急" in await o.say("o_chen", "挺急的")


async def test_which_request_is_asked_and_a_pick_in_any_form_answers(o: Office) -> None:
    await held_by_wang(o)
    await raise_one(o, "o_liu", "要办税务登记，新公司刚拿到执照，普通")
    assert "抢单成功" in await o.say("o_wang", "抢单 R1002")
    reply = await o.say("o_wang", "完成")
    assert "哪一单" in reply and "R1001" in reply and "R1002" in reply
    assert "R1002 已办结" in await o.say("o_wang", "第二个")
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.CLAIMED


async def test_the_only_task_is_confirmed_with_a_tap_before_it_completes(o: Office) -> None:
    await held_by_wang(o)
    replies = await o.replies("o_wang", "完成")
    assert "确认办结 R1001" in replies[0].text
    assert [q.id for q in replies[0].quick_replies] == ["complete_task:R1001", "answer:no"]
    assert "先不办结" in await o.say("o_wang", "不")
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.CLAIMED
    await o.say("o_wang", "完成了")
    assert "已办结" in await o.say("o_wang", "对")


async def test_a_yes_after_the_question_lapsed_does_nothing(o: Office) -> None:
    await held_by_wang(o)
    await o.say("o_wang", "完成")
    await o.say("o_wang", "对", now=NOW + timedelta(hours=2))
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.CLAIMED


async def test_a_stranger_asked_for_a_phone_number_becomes_a_lead(o: Office) -> None:
    reply = await o.say("o_stranger", "你好，代账一个月多少钱啊？小规模的")
    assert "电话" in reply or "手机号" in reply
    assert "回电" in await o.say("o_stranger", "13912345678，姓孙")
    (lead,) = o.told("o_admin", "lead")
    assert "13912345678" in lead.text


async def test_a_progress_note_in_the_staff_members_own_words_is_offered_back_first(
    o: Office,
) -> None:
    await held_by_wang(o)
    reply = await o.say("o_wang", "R1001 材料已交")
    assert "要把这句" in reply and "材料已交" in reply
    assert not o.told("o_chen", "progress_added")
    assert "已记录" in await o.say("o_wang", "是")
    (note,) = o.told("o_chen", "progress_added")
    assert "材料已交" in note.text


async def test_done_while_a_note_is_awaited_asks_to_complete_instead(o: Office) -> None:
    await held_by_wang(o)
    await o.say("o_wang", "R1001 进度 税务已经清税完成")
    assert "确认办结 R1001" in await o.say("o_wang", "完成了")
    assert not o.told("o_chen", "progress_added")


async def test_a_stranger_asking_for_help_is_told_where_the_code_comes_from_and_who_to_call(
    o: Office,
) -> None:
    reply = await o.say("o_stranger", "帮助")
    assert "绑定" in reply
    assert "向为您公司记账的会计获取" in reply  # where a binding code comes from
    assert "顾问会尽快给您回电" in reply  # and how to reach the firm without one
