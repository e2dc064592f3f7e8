"""WeChat's error codes, sorted by what the caller should do about them."""

from __future__ import annotations

# The token is bad or expired: fetch a new one and retry the call once.
TOKEN_CODES = frozenset({40001, 40014, 42001})
# WeChat is busy or rate-limiting this API: back off and retry.
BUSY_CODES = frozenset({-1, 45011})
# The daily quota is spent: no point retrying now, but the outbox may try again later.
LATER_CODES = frozenset({45009})
# Any other code is final: retrying will not help; the outbox records it and may choose
# another channel (see WINDOW_CODES).
# A 客服 refusal that a template message may still get around.
WINDOW_CODES = frozenset({45015, 45047})

DESCRIPTIONS = {
    -1: "system busy",
    40001: "invalid credential (access_token)",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40014: "invalid access_token",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    42001: "access_token expired",
    43004: "require subscribe",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    45015: "response out of time limit (48-hour window closed)",
    45047: "out of response count limit",
}


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode (or could not be reached: see subclass)."""

    def __init__(self, errcode: int | None, errmsg: str, *, retryable: bool | None = None) -> None:
        super().__init__(f"[{errcode}] {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        if retryable is None:
            retryable = errcode in BUSY_CODES or errcode in TOKEN_CODES or errcode in LATER_CODES
        self.retryable = retryable


class WeChatUnavailable(WeChatError):
    """No usable answer: timeout, connection error, HTTP 5xx, a body that is not JSON."""

    def __init__(self, reason: str) -> None:
        super().__init__(None, reason, retryable=True)
