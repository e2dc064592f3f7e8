"""Message modes: a leaked callback URL must not let anyone post a body of their own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.sandbox.courier import Courier, text_xml
from bot.wechat.protocol import new_nonce, signature
from storage.tables.messaging import InboundRow
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat

CLIENT = "o_mode_client"


async def rows(chat: Any) -> int:
    async with chat.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(InboundRow)))


def plain_query(token: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), new_nonce()
    return {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce}


async def post(chat: Any, query: dict[str, str], body: str) -> tuple[int, str]:
    async with chat.session.post(f"{chat.url}?{urlencode(query)}", data=body.encode()) as resp:
        return resp.status, await resp.text()


@pytest.fixture
async def safe_chat(sqlite_url: str, tmp_path: Path) -> Any:
    settings = make_settings(sqlite_url, tmp_path).with_(wechat_msg_mode="safe")
    async with running_chat(settings, nlu=KeywordNLU()) as chat:
        yield chat


@pytest.fixture
async def compat_chat(sqlite_url: str, tmp_path: Path) -> Any:
    settings = make_settings(sqlite_url, tmp_path).with_(wechat_msg_mode="compat")
    async with running_chat(settings, nlu=KeywordNLU(), encrypt=False) as chat:
        yield chat


async def test_safe_mode_refuses_a_plaintext_body_with_a_valid_signature(safe_chat: Any) -> None:
    xml = text_xml(safe_chat.courier.account, CLIENT, "你好")
    status, _ = await post(safe_chat, plain_query(safe_chat.settings.wechat_token), xml)
    assert status == 403
    assert await rows(safe_chat) == 0
    # WeChat's own encrypted delivery still works.
    assert await safe_chat.say(CLIENT, "你好")
    assert await rows(safe_chat) == 1


async def test_compat_mode_refuses_a_second_body_under_one_signature(compat_chat: Any) -> None:
    query = plain_query(compat_chat.settings.wechat_token)
    first = text_xml(compat_chat.courier.account, CLIENT, "你好", msg_id=101)
    status, reply = await post(compat_chat, query, first)
    assert status == 200 and "<xml>" in reply
    forged = text_xml(compat_chat.courier.account, "o_victim", "分配 R1001 给 王会计", msg_id=102)
    status, _ = await post(compat_chat, query, forged)
    assert status == 403
    # WeChat's retry of the same request is the same body: it gets the same stored reply.
    assert await post(compat_chat, query, first) == (200, reply)
    assert await rows(compat_chat) == 1


async def test_compat_mode_refuses_plaintext_that_carries_ciphertext(compat_chat: Any) -> None:
    xml = text_xml(compat_chat.courier.account, CLIENT, "你好").replace(
        "</xml>", "<Encrypt><![CDATA[abc]]></Encrypt></xml>"
    )
    status, _ = await post(compat_chat, plain_query(compat_chat.settings.wechat_token), xml)
    assert status == 403 and await rows(compat_chat) == 0


async def test_nonce_memory_is_shared_by_two_instances_on_one_database(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path).with_(wechat_msg_mode="plain")
    query = plain_query(settings.wechat_token)
    courier = Courier(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
    async with running_chat(settings, nlu=KeywordNLU(), encrypt=False) as one:
        first = text_xml(courier.account, CLIENT, "你好", msg_id=201)
        assert (await post(one, query, first))[0] == 200
        async with running_chat(settings, nlu=KeywordNLU(), encrypt=False) as two:
            forged = text_xml(courier.account, CLIENT, "取消", msg_id=202)
            assert (await post(two, query, forged))[0] == 403
