"""The real app over loopback HTTP, driven with signed (and encrypted) XML like WeChat's."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.sandbox.courier import Courier, text_xml
from bot.wechat.protocol import signature
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from storage.tables.messaging import InboundRow, OutboxRow
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat
from tests.support.notices import rendered

STRANGER = "o_stranger_1"


async def count(chat: Any, model: Any) -> int:
    async with chat.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


@pytest.fixture
async def chat(sqlite_url: str, tmp_path: Path) -> Any:
    async with running_chat(make_settings(sqlite_url, tmp_path), nlu=KeywordNLU()) as c:
        yield c


async def test_plain_get_verification_echoes_echostr(chat: Any) -> None:
    ts, nonce = "1714037059", "486452656"
    q = {
        "signature": signature(chat.settings.wechat_token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "hello123",
    }
    async with chat.session.get(chat.url, params=q) as resp:
        assert resp.status == 200
        assert await resp.text() == "hello123"
    q["signature"] = "0" * 40
    async with chat.session.get(chat.url, params=q) as resp:
        assert resp.status == 403
        assert "hello123" not in await resp.text()


async def test_stranger_hears_how_to_bind_in_both_modes(sqlite_url: str, tmp_path: Path) -> None:
    for encrypt in (True, False):
        async with running_chat(
            make_settings(sqlite_url, tmp_path), encrypt=encrypt, nlu=KeywordNLU()
        ) as chat:
            reply = await chat.say(STRANGER, "你好")
            assert reply is not None and "绑定" in reply


async def test_encrypted_request_gets_encrypted_reply(chat: Any) -> None:
    req = chat.courier.sign(text_xml(chat.courier.account, STRANGER, "你好"))
    async with chat.session.post(f"{chat.url}?{urlencode(req.query)}", data=req.body) as resp:
        body = await resp.text()
    assert "<Encrypt>" in body and "你好" not in body and "绑定" not in body
    assert "绑定" in chat.courier.open_reply(body)["Content"]


async def test_bad_signature_is_403_and_stores_nothing(chat: Any) -> None:
    req = chat.courier.sign(text_xml(chat.courier.account, STRANGER, "你好"))
    req.query["signature"] = "f" * 40
    async with chat.session.post(f"{chat.url}?{urlencode(req.query)}", data=req.body) as resp:
        assert resp.status == 403
    req = chat.courier.sign(text_xml(chat.courier.account, STRANGER, "你好"))
    req.query["msg_signature"] = "e" * 40
    async with chat.session.post(f"{chat.url}?{urlencode(req.query)}", data=req.body) as resp:
        assert resp.status == 403
    assert await count(chat, InboundRow) == 0


async def test_stale_timestamp_is_rejected(chat: Any) -> None:
    import time

    xml = text_xml(chat.courier.account, STRANGER, "你好")
    for skew in (-301, 301):
        req = chat.courier.sign(xml, timestamp=int(time.time()) + skew)
        async with chat.session.post(f"{chat.url}?{urlencode(req.query)}", data=req.body) as r:
            assert r.status == 403
    assert await count(chat, InboundRow) == 0


async def test_retry_of_answered_message_gets_the_same_reply_once_handled(chat: Any) -> None:
    first = await chat.say(STRANGER, "绑定", msg_id=777)
    again = await chat.say(STRANGER, "绑定", msg_id=777)
    assert first == again and first is not None and "绑定码" in first
    assert await count(chat, InboundRow) == 1


async def test_three_concurrent_deliveries_are_handled_once(db_url: str, tmp_path: Path) -> None:
    nlu = KeywordNLU()
    async with running_chat(make_settings(db_url, tmp_path), nlu=nlu) as chat:
        xml = text_xml(chat.courier.account, STRANGER, "你好", msg_id=4242)
        results = await asyncio.gather(*(chat.post_xml(xml) for _ in range(3)))
        contents = [r[1]["Content"] for r in results if r[1]]
        assert len(contents) == 3 and len(set(contents)) == 1
        assert nlu.calls == ["你好"]
        assert await count(chat, InboundRow) == 1
        assert chat.pipeline.stats.handled == 1


async def test_text_with_cdata_terminator_cannot_break_the_reply(chat: Any) -> None:
    hostile = "]]></Content><MsgType>news</MsgType><Content><![CDATA[x"

    class Echo:
        router = Router("echo")

        @staticmethod
        @router.intent("nlu_fallback")
        async def echo(turn: Turn) -> list[Reply]:
            return [Text("你说：" + turn.message.text)]

    async with running_chat(chat.settings, nlu=KeywordNLU(), routers=[Echo.router]) as c:
        _, reply, _ = await c.post_xml(text_xml(c.courier.account, "o_echo", hostile))
        assert reply is not None
        assert reply["MsgType"] == "text"
        assert reply["Content"] == "你说：" + hostile


async def test_body_over_64kb_is_answered_too_long_and_not_handled(chat: Any) -> None:
    xml = text_xml(chat.courier.account, STRANGER, "字" * 30_000)
    status, reply, _body = await chat.post_xml(xml)
    assert status == 200 and reply is not None and "消息太长" in reply["Content"]
    assert await count(chat, InboundRow) == 0


async def test_body_far_over_the_limit_is_refused_before_parsing(chat: Any) -> None:
    xml = text_xml(chat.courier.account, STRANGER, "字" * 120_000)
    status, reply, body = await chat.post_xml(xml)
    assert status == 200 and body == "success" and reply is None
    assert await count(chat, InboundRow) == 0


async def test_previous_aes_key_still_decrypts_after_rotation(
    sqlite_url: str, tmp_path: Path
) -> None:
    old = make_settings(sqlite_url, tmp_path)
    new_key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    rotated = old.with_(wechat_aes_key=new_key, wechat_aes_key_previous=old.wechat_aes_key)
    async with running_chat(rotated, nlu=KeywordNLU()) as chat:
        legacy = Courier(old.wechat_token, old.wechat_appid, old.wechat_aes_key)
        req = legacy.sign(text_xml(legacy.account, STRANGER, "你好"))
        async with chat.session.post(f"{chat.url}?{urlencode(req.query)}", data=req.body) as r:
            status, body = r.status, await r.text()
        assert status == 200 and "<Encrypt>" in body
        # The reply is encrypted with the new key.
        fresh = Courier(rotated.wechat_token, rotated.wechat_appid, new_key)
        assert "绑定" in fresh.open_reply(body)["Content"]
        assert await count(chat, InboundRow) == 1


async def test_answer_slower_than_budget_goes_to_the_outbox(
    sqlite_url: str, tmp_path: Path
) -> None:
    router = Router("slow")
    release = asyncio.Event()

    @router.intent("greet")
    async def slow(turn: Turn) -> list[Reply]:
        await release.wait()
        return [Text("久等了，这是您的答复")]

    settings = make_settings(sqlite_url, tmp_path, reply_budget_s=0.3)
    async with running_chat(settings, nlu=KeywordNLU(), routers=[router]) as chat:
        loop = asyncio.get_running_loop()
        started = loop.time()
        reply = await chat.say("o_slow", "你好", msg_id=9001)
        assert reply is None  # WeChat got `success`
        assert loop.time() - started < 3.0  # the handler never returns until released
        release.set()
        await chat.pipeline.drain()
        async with chat.sessions() as s:
            rows = (await s.scalars(select(OutboxRow))).all()
            inbound = (await s.scalars(select(InboundRow))).one()
        assert [(r.recipient, r.kind, rendered(r)["text"]) for r in rows] == [
            ("o_slow", "late_reply", "久等了，这是您的答复")
        ]
        assert inbound.status == "late"
        # WeChat's retry after the late answer gets `success`, and nothing runs twice.
        assert await chat.say("o_slow", "你好", msg_id=9001) is None
        assert await count(chat, OutboxRow) == 1


async def test_crashing_handler_apologises_once_and_keeps_the_message(chat: Any) -> None:
    router = Router("boom")

    @router.intent("greet")
    async def boom(turn: Turn) -> list[Reply]:
        raise RuntimeError("kaboom")

    async with running_chat(chat.settings, nlu=KeywordNLU(), routers=[router]) as c:
        reply = await c.say("o_boom", "你好", msg_id=5)
        assert reply is not None and "小差" in reply and "kaboom" not in reply
        assert await c.say("o_boom", "你好", msg_id=5) == reply
        assert c.pipeline.stats.errors == 1


async def test_two_workers_given_the_same_message_record_it_once(
    db_url: str, tmp_path: Path
) -> None:
    """Two processes behind a load balancer: the dedup key in the database decides."""
    settings = make_settings(db_url, tmp_path)
    nlu_a, nlu_b = KeywordNLU(), KeywordNLU()
    async with (
        running_chat(settings, nlu=nlu_a) as a,
        running_chat(settings, nlu=nlu_b) as b,
    ):
        xml = text_xml(a.courier.account, STRANGER, "你好", msg_id=31337)
        (_, ra, _), (_, rb, _) = await asyncio.gather(a.post_xml(xml), b.post_xml(xml))
        assert await count(a, InboundRow) == 1
        assert a.pipeline.stats.handled + b.pipeline.stats.handled == 1
        answered = [r for r in (ra, rb) if r is not None]
        assert answered and all("绑定" in r["Content"] for r in answered)
        # A later retry to either worker gets the stored reply.
        for c in (a, b):
            _, again, _ = await c.post_xml(xml)
            assert again is not None and again["Content"] == answered[0]["Content"]


@pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"), reason="TEST_POSTGRES_URL not set")
async def test_a_conversation_can_move_between_workers_on_postgres(tmp_path: Path) -> None:
    """Several workers need PostgreSQL; a user's next message may reach another worker, which
    must carry on the same conversation."""
    from tests.support.harness import postgres_database

    async with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url:
        from tests.support.harness import create_schema

        await create_schema(url)
        settings = make_settings(url, tmp_path)
        async with (
            running_chat(settings, nlu=KeywordNLU()) as a,
            running_chat(settings, nlu=KeywordNLU()) as b,
        ):
            assert "6位绑定码" in (await a.say("o_roamer", "绑定") or "")
            assert "6位数字" in (await b.say("o_roamer", "12ab") or "")  # B knows the flow
            assert "已取消" in (await a.say("o_roamer", "取消") or "")  # and A sees B's turn


async def test_a_body_arriving_in_pieces_is_read_whole(chat: Any) -> None:
    """A slow network splits the body across packets: it must still be read to the end."""
    xml = text_xml(chat.courier.account, STRANGER, "你好，我想问下注册公司的事情" * 20)
    signed = chat.courier.sign(xml, openid=STRANGER)
    data = signed.body.encode()

    async def trickle() -> Any:
        for i in range(0, len(data), 97):
            yield data[i : i + 97]
            await asyncio.sleep(0.005)

    url = f"{chat.url}?{urlencode(signed.query)}"
    async with chat.session.post(url, data=trickle()) as resp:
        body = await resp.text()
    assert resp.status == 200 and chat.courier.open_reply(body) is not None
    assert await count(chat, InboundRow) == 1
