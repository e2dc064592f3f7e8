"""The lifecycle's conversations through the real router, with in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import dispatch_timers
from domain.dispatch_policy import DispatchPolicy
from domain.requests import Status
from tests.unit.lifecycle.fakes import NOW, Office, office


@pytest.fixture
async def o() -> Office:
    return await office()


async def raised(o: Office, first: str = "我想办个营业执照") -> str:
    await o.say("o_chen", first)
    await o.say("o_chen", "新公司注册")
    await o.say("o_chen", "普通", "answer:normal")
    reply = await o.say("o_chen", "确认", "answer:yes")
    assert "单号：R" in reply
    return reply


async def test_first_message_fills_type_and_urgency_and_only_description_is_asked(
    o: Office,
) -> None:
    reply = await o.say("o_chen", "帮我加急办个营业执照")
    assert "营业执照" in reply and "具体要办什么" in reply
    reply = await o.say("o_chen", "新公司注册，名称已核准")
    assert "请确认" in reply and "紧急程度：加急" in reply
    assert o.convs["o_chen"].slots["urgency"] == "urgent"


async def test_numbered_list_and_garbage_answers(o: Office) -> None:
    # Start the form by tap (a menu key naming the intent), so no type is known yet.
    reply = await o.say("o_chen", "", "raise_request")
    assert "1. 营业执照" in reply
    assert "没有这项业务" in await o.say("o_chen", "99")
    assert "工商变更" in await o.say("o_chen", "2")
    assert "没太看明白" in await o.say("o_chen", "？？")
    assert "加急" in await o.say("o_chen", "变更法人")
    assert "普通" in await o.say("o_chen", "随便")
    await o.say("o_chen", "不急")
    reply = await o.say("o_chen", "修改", "answer:edit")
    assert "改哪一项" in reply
    assert "需求说明" in await o.say("o_chen", "需求说明", "answer:field:description")
    assert "需求说明：变更地址" in await o.say("o_chen", "变更地址")
    assert "紧急程度：加急" in await o.say("o_chen", "改成加急")
    reply = await o.say("o_chen", "确认", "answer:yes")
    assert "R1001" in reply
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.description == "变更地址" and req.type == "工商变更"


async def test_photos_during_the_form_are_attached(o: Office) -> None:
    await o.say("o_chen", "我想办个营业执照")
    reply = await o.say("o_chen", msg_type="image", media_id="m1")
    assert "照片收到了（共1张）" in reply and "具体要办什么" in reply
    await o.say("o_chen", msg_type="image", media_id="m2")
    await o.say("o_chen", "新公司注册")
    reply = await o.say("o_chen", "普通", "answer:normal")
    assert "照片：2张" in reply
    await o.say("o_chen", "确认", "answer:yes")
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.photos == ("m1", "m2")


async def test_new_request_offered_to_every_active_staff_with_one_tap(o: Office) -> None:
    await raised(o)
    for openid in ("o_admin", "o_wang", "o_li"):
        (offer,) = o.told(openid, "request_raised")
        assert [q.id for q in offer.quick_replies] == ["claim_task:R1001"]
        assert offer.template_fields["number"] == "R1001"


async def test_claim_tells_the_client_and_the_late_claimer_who_won(o: Office) -> None:
    await raised(o)
    assert "抢单成功" in await o.say("o_wang", "抢单", "claim_task:R1001")
    assert "王会计" in await o.say("o_li", "抢单 R1001")
    (told,) = o.told("o_chen", "task_claimed")
    assert "王会计" in told.text and "139" in told.text


async def test_bare_claim_takes_the_only_waiting_request(o: Office) -> None:
    assert "没有待接的单" in await o.say("o_wang", "抢单")
    await raised(o)
    assert "抢单成功" in await o.say("o_wang", "抢单")


async def test_staff_commands_from_a_client_and_strangers(o: Office) -> None:
    assert "员工功能" in await o.say("o_chen", "完成 R1001")
    assert "员工功能" in await o.say("o_chen", "我的任务")
    assert "绑定" in await o.say("o_nobody", "抢单 R1001")


async def test_client_writing_progress_command_just_sees_the_timeline(o: Office) -> None:
    await raised(o)
    reply = await o.say("o_chen", "进度 R1001")
    assert "R1001 营业执照" in reply and "待接单" in reply


async def test_progress_and_completion_reach_the_client(o: Office) -> None:
    await raised(o)
    await o.say("o_wang", "抢单 R1001")
    assert "已记录" in await o.say("o_wang", "进度 R1001：已提交工商局")
    (progress,) = o.told("o_chen", "progress_added")
    assert "已提交工商局" in progress.text
    assert "已办结" in await o.say("o_wang", "完成 R1001 执照已寄出")
    # One message: the news and the rating question with its taps.
    (done,) = o.told("o_chen", "request_completed")
    assert "执照已寄出" in done.text and "打个分" in done.text
    assert done.quick_replies[0].id == "rate_accountant:R1001:5"
    assert o.told("o_chen", "rate_request") == []


async def test_rating_in_one_message_with_aspects(o: Office) -> None:
    await raised(o)
    await o.say("o_wang", "抢单 R1001")
    await o.say("o_wang", "完成 R1001")
    # A low score without its reason: asked once what went wrong, then recorded.
    reply = await o.say("o_chen", "态度5分，速度2分")
    assert "抱歉" in reply and "还有什么" in reply
    reply = await o.say("o_chen", "跳过")
    assert "服务态度5分、办理速度2分" in reply and "C1001" in reply
    assert "；" not in reply  # no comment made up of the aspect words
    (case,) = o.told("o_admin", "complaint_opened")
    assert "R1001" in case.text


async def test_rating_twice_after_seven_days_is_refused(o: Office) -> None:
    await raised(o)
    await o.say("o_wang", "抢单 R1001")
    await o.say("o_wang", "完成 R1001")
    await o.say("o_chen", "好评", "rate_accountant:R1001:5")
    await o.say("o_chen", "5", "answer:5")
    await o.say("o_chen", "跳过")
    later = NOW + timedelta(days=8)
    assert "7天" in await o.say("o_chen", "差评", "rate_accountant:R1001:1", now=later)
    assert (await o.uow.ratings.get(1)).attitude == 5  # type: ignore[union-attr]


async def test_someone_elses_request_cannot_be_rated_or_seen(o: Office) -> None:
    await raised(o)
    assert "没有找到" in await o.say("o_liu", "R1001到哪一步了")
    assert "没有找到" in await o.say("o_liu", "好评", "rate_accountant:R1001:5")
    assert "没有找到" in await o.say("o_liu", "撤销 R1001")


async def test_assign_by_tap_and_my_stats(o: Office) -> None:
    await raised(o)
    li = await o.uow.identities.staff_by_name(o.firm.id, "李会计")
    assert li is not None
    reply = await o.say("o_admin", "分给李会计", f"assign_task:R1001:{li.id}")
    assert "分配给李会计" in reply
    assert "R1001" in await o.say("o_li", "我的任务")
    await o.say("o_li", "完成 R1001")
    assert "接单 1 单，办结 1 单" in await o.say("o_li", "我的统计")


async def test_scan_repushes_once_then_escalates_then_stops(o: Office) -> None:
    await raised(o)
    policy = DispatchPolicy()
    at = NOW + timedelta(minutes=31)
    assert (await dispatch_timers.scan(o.uow, at, policy)).repushed == 1
    assert (await dispatch_timers.scan(o.uow, at, policy)).acted == 0
    at += timedelta(minutes=31)
    assert (await dispatch_timers.scan(o.uow, at, policy)).escalated == 1
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.ESCALATED
    assert (await dispatch_timers.scan(o.uow, at + timedelta(hours=3), policy)).acted == 0
    assert "抢单成功" in await o.say("o_li", "抢单 R1001")


async def test_client_cancel_of_escalated_request_tells_admins(o: Office) -> None:
    await raised(o)
    policy = DispatchPolicy()
    await dispatch_timers.scan(o.uow, NOW + timedelta(minutes=31), policy)
    await dispatch_timers.scan(o.uow, NOW + timedelta(minutes=62), policy)
    assert "已撤销" in await o.say("o_chen", "撤销 R1001")
    assert o.told("o_admin", "request_cancelled")


async def test_a_short_command_is_not_taken_as_the_description(o: Office) -> None:
    await o.say("o_chen", "我想办个营业执照")
    assert "取消" in await o.say("o_chen", "查进度")
    assert "description" not in o.convs["o_chen"].slots
    assert "加急" in await o.say("o_chen", "新公司注册，需要查进度表格")


async def test_a_progress_note_may_run_over_several_lines(o: Office) -> None:
    await raised(o)
    await o.say("o_wang", "抢单 R1001")
    assert "已记录" in await o.say("o_wang", "进度 R1001\n材料已递交\n预计周五出照")
    (progress,) = o.told("o_chen", "progress_added")
    assert "预计周五出照" in progress.text


async def test_progress_question_by_role(o: Office) -> None:
    await raised(o)
    await o.say("o_wang", "抢单 R1001")
    assert "1个在办的单" in await o.say("o_wang", "查进度")
    assert "R1001 营业执照" in await o.say("o_li", "R1001到哪一步了")
    assert "R1001 营业执照" in await o.say("o_chen", "查进度")  # the only one, in full
    assert "绑定" in await o.say("o_nobody", "查进度")
