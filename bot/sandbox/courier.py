"""Plays WeChat's server: builds the XML WeChat would push for a user's message or event,
signs it, encrypts it (安全模式) and posts it to `/wechat`, then decrypts the reply.

The chat simulator page, the end-to-end tests and the benchmark all use this, so they exercise
exactly the path real WeChat traffic takes.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.wechat.protocol import MessageCrypto, cdata_safe, new_nonce, parse_xml, signature

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


def next_msg_id() -> int:
    return next(_msg_ids)


def message_xml(account: str, openid: str, msg_type: str, created: int, **fields: Any) -> str:
    parts = [
        f"<ToUserName><![CDATA[{account}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{created}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{cdata_safe(str(value))}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(
    account: str,
    openid: str,
    text: str,
    msg_id: int | None = None,
    menu_id: str | None = None,
    created: int | None = None,
) -> str:
    return message_xml(
        account,
        openid,
        "text",
        created or int(time.time()),
        Content=text,
        MsgId=msg_id if msg_id is not None else next_msg_id(),
        bizmsgmenuid=menu_id,
    )


def image_xml(
    account: str,
    openid: str,
    media_id: str,
    pic_url: str = "",
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    return message_xml(
        account,
        openid,
        "image",
        created or int(time.time()),
        PicUrl=pic_url or f"http://mmbiz.qpic.cn/sandbox/{media_id}",
        MediaId=media_id,
        MsgId=msg_id if msg_id is not None else next_msg_id(),
    )


def voice_xml(
    account: str,
    openid: str,
    media_id: str,
    recognition: str | None = None,
    fmt: str = "amr",
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    """A voice message; `recognition` is WeChat's `Recognition` field (None: recognition is
    off for the account, and the field is absent)."""
    return message_xml(
        account,
        openid,
        "voice",
        created or int(time.time()),
        MediaId=media_id,
        Format=fmt,
        Recognition=recognition,
        MsgId=msg_id if msg_id is not None else next_msg_id(),
    )


def event_xml(
    account: str, openid: str, event: str, key: str = "", created: int | None = None
) -> str:
    return message_xml(
        account,
        openid,
        "event",
        created or int(time.time()),
        Event=event,
        EventKey=key or None,
    )


@dataclass
class SignedRequest:
    query: dict[str, str]
    body: str


@dataclass
class Courier:
    token: str
    appid: str
    aes_key: str
    encrypt: bool = True
    account: str = "gh_sandbox000001"
    _crypto: MessageCrypto = field(init=False)

    def __post_init__(self) -> None:
        self._crypto = MessageCrypto(self.token, self.appid, self.aes_key)

    def sign(self, plain_xml: str, timestamp: int | None = None, openid: str = "") -> SignedRequest:
        ts = str(timestamp or int(time.time()))
        nonce = new_nonce()
        query = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if not self.encrypt:
            return SignedRequest(query, plain_xml)
        enc = self._crypto.encrypt(plain_xml, nonce, ts)
        encrypted = parse_xml(enc.encode())["Encrypt"]
        query.update(encrypt_type="aes", msg_signature=signature(self.token, ts, nonce, encrypted))
        body = (
            f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        return SignedRequest(query, body)

    def open_reply(self, body: str) -> dict[str, str] | None:
        """The reply's fields (decrypted when encrypted); None for `success` or empty."""
        plain = self.open_reply_xml(body)
        return parse_xml(plain.encode()) if plain is not None else None

    def open_reply_xml(self, body: str) -> str | None:
        """The reply's plain XML (signature checked, decrypted when encrypted), for replies
        with nested parts such as news; None for `success` or empty."""
        if not body or body == "success":
            return None
        fields = parse_xml(body.encode())
        if "Encrypt" in fields:
            expected = signature(
                self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            )
            if expected != fields.get("MsgSignature"):
                raise ValueError("reply signature mismatch")
            return self._crypto.decrypt(fields["Encrypt"])
        return body

    async def post(
        self, session: aiohttp.ClientSession, url: str, plain_xml: str, openid: str = ""
    ) -> tuple[int, dict[str, str] | None, str]:
        req = self.sign(plain_xml, openid=openid)
        async with session.post(f"{url}?{urlencode(req.query)}", data=req.body.encode()) as resp:
            body = await resp.text()
            reply = self.open_reply(body) if resp.status == 200 else None
            return resp.status, reply, body
