"""Negated and hedged commands never act: for every intent that changes a request's state (or
tells a client something final), a corpus of the ways people say "not yet", read by the real
parser through the real router. Each line leaves the request as it was and tells the client
nothing."""

from __future__ import annotations

import pytest

from domain.requests import Status
from handlers import cues
from tests.unit.conversation.conftest import held_by_wang, raise_one
from tests.unit.lifecycle.fakes import Office

NOT_DONE = [
    "这个还没弄完呢",
    "R1001先别结，客户身份证还没给我",
    "R1001明天应该能完成，让客户别急哈",
    "R1001今天完成不了，新地址的租赁合同还没到",
    "R1001还没办完",
    "等下再结R1001",
    "R1001预计下周完成",
    "R1001快完成了",
    "完成 R1001 吗？",
    "R1001还差一个章，完成不了",
    "先不要办结R1001",
    "R1001可能明天能办结",
    "R1001搞定了吗",
    "这单还没结，别通知客户",
    "我手上这单快办完了",
]
NOT_CANCELLED = [
    "要不要把R1001取消呢…算了还是先留着吧",
    "R1001先别取消",
    "R1001不要取消",
    "R1001还是办吧，不取消了",
    "我在考虑要不要取消R1001",
    "执照那个单子先留着",
    "等下再撤R1001",
]
NOT_CLAIMED = ["R1001这单我不接", "先别抢R1001", "R1001我接不了", "R1001我没空接"]
NOT_ASSIGNED = ["R1001 先别交给李会计", "R1001 不要给李会计", "R1001 暂时不分给李会计"]
NOT_SUBMITTED = ["先别提交", "等下", "等一下，我再想想", "先不提交", "别提交，还没想好"]


async def _client_heard(o: Office) -> list[str]:
    return [n.kind for n in o.uow.outbox.notices if n.recipient == "o_chen"]


@pytest.mark.parametrize("text", NOT_DONE)
async def test_a_negated_or_hedged_completion_completes_nothing(o: Office, text: str) -> None:
    number = await held_by_wang(o)
    assert number == "R1001"
    before = await _client_heard(o)
    reply = await o.say("o_wang", text)
    req = await o.uow.requests.get(o.firm.id, number)
    assert req is not None and req.status is Status.CLAIMED, reply
    assert "已办结" not in reply
    assert await _client_heard(o) == before


@pytest.mark.parametrize("text", NOT_CANCELLED)
async def test_a_hedged_cancellation_cancels_nothing(o: Office, text: str) -> None:
    await raise_one(o)
    reply = await o.say("o_chen", text)
    # Even a following "yes" has nothing to confirm: no question was asked.
    reply += await o.say("o_chen", "是的")
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.SUBMITTED, reply
    assert not [n for n in o.uow.outbox.notices if n.kind == "request_cancelled"]


@pytest.mark.parametrize("text", ["R1001能不能取消？", "R1001还能撤销吗"])
async def test_a_question_about_cancelling_is_answered_not_performed(o: Office, text: str) -> None:
    await raise_one(o)
    reply = await o.say("o_chen", text)
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.SUBMITTED, reply
    assert "要撤销吗" in reply  # the answer, and the offer: only a yes to it withdraws
    assert not [n for n in o.uow.outbox.notices if n.kind == "request_cancelled"]


@pytest.mark.parametrize("text", NOT_CLAIMED)
async def test_a_refused_claim_claims_nothing(o: Office, text: str) -> None:
    await raise_one(o)
    reply = await o.say("o_wang", text)
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.SUBMITTED, reply


@pytest.mark.parametrize("text", NOT_ASSIGNED)
async def test_a_negated_hand_over_assigns_nothing(o: Office, text: str) -> None:
    await raise_one(o)
    reply = await o.say("o_admin", text)
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.SUBMITTED, reply
    assert req.handler_id is None


@pytest.mark.parametrize("text", NOT_SUBMITTED)
async def test_holding_back_at_the_summary_submits_nothing(o: Office, text: str) -> None:
    assert "请确认" in await o.say("o_chen", "帮我办营业执照，新店用的，不急")
    reply = await o.say("o_chen", text)
    assert "单号" not in reply
    assert await o.uow.requests.get(o.firm.id, "R1001") is None
    assert o.convs["o_chen"].flow == "raise_request"
    assert "先别" not in o.convs["o_chen"].slots.get("description", "")


@pytest.mark.parametrize(
    ("intent", "text"),
    [("complete_task", t) for t in NOT_DONE if "R1001" in t]
    + [("cancel_request", t) for t in NOT_CANCELLED]
    + [("claim_task", t) for t in NOT_CLAIMED]
    + [("assign_task", t) for t in NOT_ASSIGNED],
)
def test_every_corpus_line_is_a_negation_of_its_intent(intent: str, text: str) -> None:
    assert cues.negated_intent(intent, text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("complete_task", "完成 R1001"),
        ("complete_task", "R1001 搞定了，证书已经寄给客户"),
        ("complete_task", "这单结了"),
        ("cancel_request", "R1001不办了，取消掉吧"),
        ("cancel_request", "注销那个单子不要了"),
        ("claim_task", "这单我来"),
        ("assign_task", "R1001 交给李会计吧"),
    ],
)
def test_plain_commands_are_not_taken_for_negations(intent: str, text: str) -> None:
    assert not cues.negated_intent(intent, text)
