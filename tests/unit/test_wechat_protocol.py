"""WeChat's crypto and signature rules against the published test vectors, and the parser's
refusals."""

from __future__ import annotations

import base64
import json

import pytest
from wechatpy.crypto import PrpCrypto

from bot.wechat.protocol import (
    BadMessage,
    MessageCrypto,
    cdata_safe,
    check_message,
    dedup_key,
    parse_xml,
    render_reply,
    signature,
    signature_ok,
)
from handlers.replies import Text, options
from tests.conftest import FIXTURES

VECTORS = json.loads((FIXTURES / "wechat" / "crypto_vectors.json").read_text())


def test_plain_signature_vector() -> None:
    v = VECTORS["plain_signature"]
    assert signature(v["token"], v["timestamp"], v["nonce"]) == v["signature"]
    assert signature_ok((v["token"], v["timestamp"], v["nonce"]), v["signature"])
    assert not signature_ok((v["token"], v["timestamp"], v["nonce"]), v["signature"][:-1] + "0")


def test_aes_encrypt_with_fixed_random_matches_tencent_sample() -> None:
    v = VECTORS["aes_encrypt_fixed_random"]
    crypto = MessageCrypto("t", v["appid"], v["encoding_aes_key"])
    crypto._cryptos[0].random16 = lambda: v["random16"].encode()
    out = crypto.encrypt(v["plaintext"], "nonce", "1")
    assert v["ciphertext_b64"] in out
    assert crypto.decrypt(v["ciphertext_b64"]) == v["plaintext"]


@pytest.mark.parametrize(
    "text", ["<xml><Content><![CDATA[你好]]></Content></xml>", "", "x" * 1000, "发" * 333]
)
def test_our_aes_and_wechatpys_read_each_other(text: str) -> None:
    v = VECTORS["aes_encrypt_fixed_random"]
    ours = MessageCrypto("t", v["appid"], v["encoding_aes_key"])
    theirs = PrpCrypto(base64.b64decode(v["encoding_aes_key"] + "="))
    theirs_out = theirs.encrypt(text, v["appid"])
    assert ours.decrypt(theirs_out.decode()) == text
    ours_out = ours._cryptos[0].encrypt(text, v["appid"])
    assert theirs.decrypt(ours_out, v["appid"]) == text
    # Same random bytes, same ciphertext.
    theirs.get_random_string = lambda: "0123456789abcdef"  # type: ignore[method-assign]
    ours._cryptos[0].random16 = lambda: b"0123456789abcdef"
    assert ours._cryptos[0].encrypt(text, v["appid"]) == theirs.encrypt(text, v["appid"]).decode()


def test_url_verify_vector_decrypts_echostr() -> None:
    v = VECTORS["url_verify"]
    assert signature(v["token"], v["timestamp"], v["nonce"], v["echostr"]) == v["msg_signature"]
    crypto = MessageCrypto(v["token"], v["appid"], v["encoding_aes_key"])
    assert crypto.decrypt(v["echostr"]) == v["decrypted"]


@pytest.mark.parametrize("name", ["decrypt_python_sample", "decrypt_cpp_sample"])
def test_message_samples_verify_and_decrypt(name: str) -> None:
    v = VECTORS[name]
    outer = parse_xml(v["body"].encode())
    parts = (v["token"], v["timestamp"], v["nonce"], outer["Encrypt"])
    assert signature_ok(parts, v["msg_signature"])
    inner = parse_xml(
        MessageCrypto(v["token"], v["appid"], v["encoding_aes_key"])
        .decrypt(outer["Encrypt"])
        .encode()
    )
    for key, value in v["expect"].items():
        assert inner[key] == value


def test_wrong_appid_or_key_refuses_to_decrypt() -> None:
    v = VECTORS["decrypt_cpp_sample"]
    enc = parse_xml(v["body"].encode())["Encrypt"]
    with pytest.raises(BadMessage):
        MessageCrypto(v["token"], "wx0000000000000000", v["encoding_aes_key"]).decrypt(enc)
    with pytest.raises(BadMessage):
        MessageCrypto(v["token"], v["appid"], VECTORS["url_verify"]["encoding_aes_key"]).decrypt(
            enc
        )


def test_key_rotation_falls_back_to_previous_key() -> None:
    v = VECTORS["decrypt_cpp_sample"]
    enc = parse_xml(v["body"].encode())["Encrypt"]
    rotated = MessageCrypto(
        v["token"],
        v["appid"],
        VECTORS["url_verify"]["encoding_aes_key"],
        previous_aes_key=v["encoding_aes_key"],
    )
    assert "oyORnuP8q7ou2gfYjqLzSIWZf0rs" in rotated.decrypt(enc)


def test_malformed_aes_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        MessageCrypto("t", "wx1", "too-short")


def test_dedup_keys_for_messages_and_events() -> None:
    msg = {"FromUserName": "o1", "MsgType": "text", "MsgId": "42", "CreateTime": "1"}
    ev = {
        "FromUserName": "o1",
        "MsgType": "event",
        "CreateTime": "9",
        "Event": "CLICK",
        "EventKey": "help",
    }
    assert dedup_key(msg) == "m:o1:42"
    assert dedup_key(ev) == "e:o1:9:CLICK:help"
    assert dedup_key({**ev, "EventKey": "pay_fee"}) != dedup_key(ev)


def test_check_message_requires_the_protocol_fields() -> None:
    ok = {
        "ToUserName": "gh",
        "FromUserName": "o",
        "CreateTime": "1",
        "MsgType": "text",
        "MsgId": "5",
    }
    check_message(ok)
    for field in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        with pytest.raises(BadMessage):
            check_message({k: v for k, v in ok.items() if k != field})
    with pytest.raises(BadMessage):
        check_message({**ok, "MsgId": "abc"})
    with pytest.raises(BadMessage):
        check_message({**ok, "MsgType": "event"})


def test_reply_rendering_survives_cdata_terminators_and_control_characters() -> None:
    xml = render_reply(Text("a]]>b\x1dc"), "o", "gh", 1)
    assert parse_xml(xml.encode())["Content"] == "a]]>bc"
    assert cdata_safe("x]]>y") == "x]]]]><![CDATA[>y"  # split across two sections


def test_quick_replies_render_as_bizmsgmenu_links() -> None:
    xml = render_reply(
        Text("要办吗？", options(("answer:是", "是"), ("answer:否", "否"))), "o", "gh", 1
    )
    content = parse_xml(xml.encode())["Content"]
    assert 'href="weixin://bizmsgmenu?msgmenucontent=是&msgmenuid=answer:是"' in content


def test_random_bytes_are_handed_out_once_across_refills() -> None:
    from bot.wechat.protocol import _RandomPool

    pool = _RandomPool()
    chunks = [pool.take(16) for _ in range(1000)]  # four refills of 4 KiB
    assert all(len(c) == 16 for c in chunks)
    assert len(set(chunks)) == len(chunks)
    assert len(pool.take(5000)) == 5000  # a request larger than the buffer


def test_a_forked_child_does_not_reuse_its_parents_random_bytes() -> None:
    import os

    from bot.wechat.protocol import random_bytes

    random_bytes(1)  # the parent has a buffer now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next bytes, to the parent
        os.write(write, random_bytes(16))
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 16)
    assert child != random_bytes(16)
    assert len(child) == 16
