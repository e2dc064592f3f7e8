"""Photos reach people: the ones attached to a request go to whoever claims or is assigned
it, and papers a client announces go to their accountant."""

from __future__ import annotations

from tests.unit.lifecycle.fakes import Office


async def raise_with_photos(o: Office) -> None:
    await o.say("o_liu", "要开个银行基本户，不急")
    await o.say("o_liu", msg_type="image", media_id="m_licence")
    await o.say("o_liu", msg_type="image", media_id="m_id")
    assert "单号：R1001" in await o.say("o_liu", "确认")


def photos_to(o: Office, openid: str) -> list[str]:
    return [
        str(n.payload["media_id"]) for n in o.told(openid, "request_photo") if n.payload is not None
    ]


async def test_photos_of_a_request_are_forwarded_to_whoever_claims_it(o: Office) -> None:
    await raise_with_photos(o)
    reply = await o.say("o_li", "抢单 R1001")
    assert "2张照片" in reply
    assert photos_to(o, "o_li") == ["m_licence", "m_id"]
    assert photos_to(o, "o_wang") == []


async def test_photos_of_a_request_are_forwarded_to_the_assignee(o: Office) -> None:
    await raise_with_photos(o)
    await o.say("o_admin", "分配 R1001 给 王会计")
    assert photos_to(o, "o_wang") == ["m_licence", "m_id"]
    (assigned,) = o.told("o_wang", "task_assigned")
    assert "2张照片" in assigned.text


async def test_announced_papers_reach_the_dedicated_accountant(o: Office) -> None:
    reply = await o.say("o_chen", "身份证正反面发你们，法人变更要用的")
    assert "王会计" in reply
    reply = await o.say("o_chen", msg_type="image", media_id="m_front")
    assert "已转给王会计" in reply
    (note,) = o.told("o_wang", "document_forwarded")
    assert "身份证" in note.text
    assert [n.payload["media_id"] for n in o.told("o_wang", "document_photo") if n.payload] == [
        "m_front"
    ]


async def test_papers_announced_in_english_reach_the_dedicated_accountant(o: Office) -> None:
    reply = await o.say("o_liu", "here's our 营业执照 scan, pls pass it to 王会计")
    assert "王会计" in reply
    assert "已转给王会计" in await o.say("o_liu", msg_type="image", media_id="m_scan")
    assert [n.payload["media_id"] for n in o.told("o_wang", "document_photo") if n.payload] == [
        "m_scan"
    ]
