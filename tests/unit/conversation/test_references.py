"""Requests named in plain words resolve to the client's own requests, or a question with
taps; another company's number reveals nothing."""

from __future__ import annotations

import pytest

from domain.requests import Status
from tests.unit.conversation.conftest import raise_one
from tests.unit.lifecycle.fakes import Office


@pytest.mark.parametrize("ask", ["R1001呢？", "1001", "r1001到那了", "R1001咋样了"])
async def test_a_number_with_a_particle_or_alone_shows_that_request(o: Office, ask: str) -> None:
    await raise_one(o)
    reply = await o.say("o_chen", ask)
    assert "R1001 营业执照" in reply and "待接单" in reply


async def test_another_companys_number_reveals_nothing(o: Office) -> None:
    await raise_one(o)
    reply = await o.say("o_liu", "R1001到哪了")
    assert "没有找到" in reply and "青禾" not in reply


async def test_my_requests_in_a_clients_words(o: Office) -> None:
    assert "没有在办" in await o.say("o_chen", "我的单子呢")
    await raise_one(o)
    reply = await o.say("o_chen", "我的单子呢")
    assert "R1001" in reply and "员工功能" not in reply


async def test_that_licence_finds_the_licence_request(o: Office) -> None:
    await raise_one(o)
    await raise_one(o, text="再帮我办个社保开户，新员工要交社保，不急")
    reply = await o.say("o_chen", "那个执照办的咋样了")
    assert "R1001 营业执照" in reply and "R1002" not in reply


async def test_cancelling_in_words_finds_the_request_and_asks_first(o: Office) -> None:
    await raise_one(o, text="我们有个分公司要注销，不急")
    await raise_one(o, text="还有帮我代开一张发票，2万的服务费，不急")
    reply = await o.say("o_chen", "注销那个单子不要了")
    assert "确认撤销 R1001" in reply
    assert "已撤销" in await o.say("o_chen", "对")
    r1 = await o.uow.requests.get(o.firm.id, "R1001")
    r2 = await o.uow.requests.get(o.firm.id, "R1002")
    assert r1 is not None and r1.status is Status.CANCELLED
    assert r2 is not None and r2.status is Status.SUBMITTED
    told = o.told("o_wang", "request_cancelled")
    assert len(told) == 1 and "R1001" in told[0].text


async def test_a_claimed_request_is_not_cancelled_and_says_who_to_call(o: Office) -> None:
    await raise_one(o)
    await o.say("o_wang", "抢单 R1001")
    reply = await o.say("o_chen", "R1001我不要了，取消吧")
    assert "王会计" in reply and "不能" in reply
    req = await o.uow.requests.get(o.firm.id, "R1001")
    assert req is not None and req.status is Status.CLAIMED


async def test_an_admin_assigns_in_everyday_words(o: Office) -> None:
    await raise_one(o)
    reply = await o.say("o_admin", "R1001 交给李会计吧")
    assert "李会计" in reply
    assert o.told("o_li", "task_assigned")
