"""The /m/ visitor's session: a signed cookie holding who WeChat's web authorisation said the
visitor is (appid, openid) and when. Nothing else is in it and nothing in it is secret; the
signature (HMAC-SHA256, compared in constant time) is what makes it believable, and its age
what ends it. An expired or tampered cookie simply sends the visitor through the silent
`snsapi_base` authorisation again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

COOKIE = "yk_m"
# The state of a web authorisation under way (the `state` WeChat hands back), for ten minutes.
STATE_COOKIE = "yk_m_state"
STATE_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=2)
MAX_COOKIE = 1024


def derive_key(*secrets: str) -> bytes:
    """The signing key, derived from the account's secrets so that no new one is needed; a
    changed AppSecret or EncodingAESKey ends every session (the next visit re-authorises)."""
    material = "\x00".join(secrets).encode()
    return hmac.new(material, b"yunkuaiji /m/ session v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class WebSession:
    appid: str
    openid: str
    issued_at: datetime


class SessionCodec:
    def __init__(self, key: bytes, ttl: timedelta = SESSION_TTL) -> None:
        self._key = key
        self.ttl = ttl

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, appid: str, openid: str, now: datetime) -> str:
        body = json.dumps(
            {"a": appid, "o": openid, "t": int(now.timestamp())}, separators=(",", ":")
        )
        payload = _b64(body.encode())
        return f"{payload}.{self._sign(payload)}"

    def read(self, value: str | None, appid: str, now: datetime) -> WebSession | None:
        """The session in a cookie, or None when there is none, it is not ours (signature,
        another account) or it is too old (or from the future)."""
        if not value or len(value) > MAX_COOKIE or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            issued = datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo)
            session = WebSession(str(data["a"]), str(data["o"]), issued)
        except (ValueError, KeyError, TypeError):
            return None
        if session.appid != appid or not session.openid:
            return None
        if not (now - self.ttl <= issued <= now + timedelta(minutes=1)):
            return None
        return session

    def state(self, nonce: str, next_path: str) -> str:
        """The state cookie: the nonce handed to WeChat and where to go afterwards, signed."""
        payload = _b64(json.dumps({"n": nonce, "p": next_path}).encode())
        return f"{payload}.{self._sign('state:' + payload)}"

    def read_state(self, value: str | None) -> tuple[str, str] | None:
        if not value or len(value) > MAX_COOKIE or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign("state:" + payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            return str(data["n"]), str(data["p"])
        except (ValueError, KeyError, TypeError):
            return None
