"""WeChat web authorisation (网页授权, OAuth 2.0) with the silent `snsapi_base` scope: the
only way a page opened inside WeChat learns who is looking at it.

1. The page sends the browser to `open.weixin.qq.com/connect/oauth2/authorize` with the
   AppID, a `redirect_uri` on the account's authorised domain and a `state`;
2. WeChat sends it back to `redirect_uri?code=CODE&state=STATE` (the code lives five minutes
   and works once);
3. the server trades the code at `api.weixin.qq.com/sns/oauth2/access_token` (AppID, AppSecret,
   code, `grant_type=authorization_code`) for the visitor's openid.

The web access token that comes with it is not the account's access token and is not kept:
`snsapi_base` is only ever used here to learn the openid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import aiohttp

from bot.wechat.errors import WeChatError, WeChatUnavailable

SCOPE_BASE = "snsapi_base"
# WeChat accepts a state of at most 128 characters of [a-zA-Z0-9].
MAX_STATE = 128


@dataclass(frozen=True)
class WebVisitor:
    openid: str
    scope: str


def authorize_url(oauth_base: str, appid: str, redirect_uri: str, state: str) -> str:
    """Where to send the browser. The parameters go in WeChat's documented order, and the
    `#wechat_redirect` fragment WeChat's browser needs to follow the redirect."""
    query = urlencode(
        {
            "appid": appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE_BASE,
            "state": state,
        },
        quote_via=quote,
        safe="",
    )
    return f"{oauth_base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"


async def visitor_for_code(
    http: aiohttp.ClientSession,
    api_base: str,
    appid: str,
    secret: str,
    code: str,
    *,
    timeout_s: float = 5.0,
) -> WebVisitor:
    """Trade a code for the visitor's openid; `WeChatError` with WeChat's errcode when refused
    (40029 invalid code, 40163 code used, 40125 bad secret), `WeChatUnavailable` when WeChat
    cannot be reached."""
    params = {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"}
    try:
        async with http.get(
            f"{api_base.rstrip('/')}/sns/oauth2/access_token",
            params=params,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as resp:
            if resp.status >= 500:
                raise WeChatUnavailable(f"HTTP {resp.status}")
            text = await resp.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise WeChatUnavailable(type(exc).__name__) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise WeChatUnavailable("answer is not JSON") from exc
    if not isinstance(data, dict):
        raise WeChatUnavailable("answer is not a JSON object")
    if data.get("errcode"):
        raise WeChatError(int(data["errcode"]), str(data.get("errmsg", "")), retryable=False)
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid:
        raise WeChatUnavailable("answer has no openid")
    return WebVisitor(openid=openid, scope=str(data.get("scope", "")))
