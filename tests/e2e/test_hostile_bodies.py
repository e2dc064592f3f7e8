"""Hostile and malformed bodies get `success` (or 403), change nothing, leak nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.wechat.protocol import new_nonce, signature
from domain.clock import FixedClock
from storage.tables.messaging import InboundRow
from tests.conftest import FIXTURES
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import make_settings, running_chat

HEAD = (
    "<ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_evil]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime>"
)
OK_TAIL = "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId>"

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f"<xml>{HEAD}<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f"<xml>{HEAD}<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)

PLAIN_CORPUS: dict[str, bytes] = {
    "empty": b"",
    "not_xml": b"hello, this is not xml",
    "binary": bytes(range(256)),
    "truncated": f"<xml>{HEAD}<MsgType>text".encode(),
    "xxe": XXE.encode(),
    "billion_laughs": LAUGHS.encode(),
    "missing_from": b"<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>",
    "duplicate_tags": f"<xml>{HEAD}<FromUserName>o_other</FromUserName>{OK_TAIL}</xml>".encode(),
    "wrong_root": f"<msg>{HEAD}{OK_TAIL}</msg>".encode(),
    "non_numeric_msgid": f"<xml>{HEAD}<MsgType>text</MsgType><Content>x</Content><MsgId>abc</MsgId></xml>".encode(),
    "event_without_event": f"<xml>{HEAD}<MsgType>event</MsgType></xml>".encode(),
    "bad_createtime": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>yesterday</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>",
    "huge": f"<xml>{HEAD}<MsgType>text</MsgType><Content>{'x' * 300_000}</Content><MsgId>1</MsgId></xml>".encode(),
    "deep_nesting": ("<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>").encode(),
}


@pytest.fixture
async def chat(sqlite_url: str, tmp_path: Path) -> Any:
    async with running_chat(
        make_settings(sqlite_url, tmp_path), nlu=KeywordNLU(), encrypt=False
    ) as c:
        yield c


async def inbound_rows(chat: Any) -> int:
    async with chat.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(InboundRow)))


async def post_raw(chat: Any, body: bytes, extra: dict[str, str] | None = None) -> tuple[int, str]:
    ts, nonce = str(int(time.time())), new_nonce()
    q = {
        "signature": signature(chat.settings.wechat_token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        **(extra or {}),
    }
    if extra and extra.get("encrypt_type") == "aes" and "msg_signature" not in extra:
        from bot.wechat.protocol import BadMessage, parse_xml

        try:
            enc = parse_xml(body).get("Encrypt", "")
        except BadMessage:
            enc = ""
        q["msg_signature"] = signature(chat.settings.wechat_token, ts, nonce, enc)
    async with chat.session.post(f"{chat.url}?{urlencode(q)}", data=body) as resp:
        return resp.status, await resp.text()


@pytest.mark.parametrize("name", sorted(PLAIN_CORPUS))
async def test_plain_hostile_body_gets_success_and_changes_nothing(
    chat: Any, name: str, caplog: Any
) -> None:
    status, text = await post_raw(chat, PLAIN_CORPUS[name])
    assert (status, text) == (200, "success")
    assert await inbound_rows(chat) == 0
    assert any("refused" in r.getMessage() for r in caplog.records)


def _fresh_head() -> str:
    return HEAD.replace("1700000000", str(int(time.time())))


async def test_an_over_long_message_is_answered_kindly_and_not_handled(chat: Any) -> None:
    body = f"<xml>{_fresh_head()}<MsgType>text</MsgType><Content>{'x' * 70_000}</Content><MsgId>7</MsgId></xml>"
    status, text = await post_raw(chat, body.encode())
    assert status == 200 and "消息太长" in text and "<ToUserName><![CDATA[o_evil]]>" in text
    assert await inbound_rows(chat) == 0


async def test_a_control_character_does_not_make_a_message_unreadable(chat: Any) -> None:
    body = f"<xml>{_fresh_head()}<MsgType>text</MsgType><Content>a\x1db 你好</Content><MsgId>8</MsgId></xml>"
    status, text = await post_raw(chat, body.encode())
    assert status == 200 and "<Content>" in text  # answered like any message
    assert await inbound_rows(chat) == 1


ENCRYPTED_CORPUS: dict[str, bytes] = {
    "garbage_base64": b"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[!!!not-base64!!!]]></Encrypt></xml>",
    "short_ciphertext": b"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[YWJj]]></Encrypt></xml>",
    "random_blocks": b"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA["
    + __import__("base64").b64encode(bytes(64))
    + b"]]></Encrypt></xml>",
    "no_encrypt_tag": f"<xml>{HEAD}{OK_TAIL}</xml>".encode(),
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(ENCRYPTED_CORPUS))
async def test_encrypted_hostile_body_gets_success_and_changes_nothing(
    chat: Any, name: str
) -> None:
    status, text = await post_raw(chat, ENCRYPTED_CORPUS[name], {"encrypt_type": "aes"})
    assert (status, text) == (200, "success")
    assert await inbound_rows(chat) == 0


async def test_encrypted_payload_that_is_not_xml_is_refused(chat: Any) -> None:
    crypto = chat.app[__import__("bot.keys", fromlist=["CRYPTO"]).CRYPTO]
    enc_xml = crypto.encrypt("definitely <not xml", "n", "1")
    enc = enc_xml.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>".encode()
    assert await post_raw(chat, body, {"encrypt_type": "aes"}) == (200, "success")
    assert await inbound_rows(chat) == 0


VECTORS = json.loads((FIXTURES / "wechat" / "crypto_vectors.json").read_text())


@pytest.mark.parametrize("name", ["decrypt_python_sample", "decrypt_cpp_sample"])
async def test_published_vectors_are_accepted_by_the_running_app(
    sqlite_url: str, tmp_path: Path, name: str
) -> None:
    from datetime import UTC, datetime

    v = VECTORS[name]
    settings = make_settings(sqlite_url, tmp_path).with_(
        wechat_token=v["token"],
        wechat_appid=v["appid"],
        wechat_aes_key=v["encoding_aes_key"],
        sandbox_real_appid=True,
    )
    clock = FixedClock(datetime.fromtimestamp(int(v["timestamp"]), UTC))
    async with running_chat(settings, nlu=KeywordNLU(), clock=clock) as chat:
        q = {
            "timestamp": v["timestamp"],
            "nonce": v["nonce"],
            "encrypt_type": "aes",
            "msg_signature": v["msg_signature"],
        }
        async with chat.session.post(f"{chat.url}?{urlencode(q)}", data=v["body"]) as resp:
            assert resp.status == 200
            reply = chat.courier.open_reply(await resp.text())
        assert reply is not None and reply["ToUserName"] == v["expect"]["FromUserName"]
        assert "绑定" in reply["Content"]  # a stranger is welcomed
        q["msg_signature"] = "0" * 40
        async with chat.session.post(f"{chat.url}?{urlencode(q)}", data=v["body"]) as resp:
            assert resp.status == 403


async def test_url_verify_vector_through_the_app(sqlite_url: str, tmp_path: Path) -> None:
    v = VECTORS["url_verify"]
    settings = make_settings(sqlite_url, tmp_path).with_(
        wechat_token=v["token"],
        wechat_appid=v["appid"],
        wechat_aes_key=v["encoding_aes_key"],
        sandbox_real_appid=True,
    )
    async with running_chat(settings, nlu=KeywordNLU()) as chat:
        q = {k: v[k] for k in ("timestamp", "nonce", "echostr", "msg_signature")}
        async with chat.session.get(chat.url, params=q) as resp:
            assert (resp.status, await resp.text()) == (200, v["decrypted"])
