"""WeChat web authorisation (网页授权) as the sandbox plays it, from WeChat's public docs:

- `GET /sandbox/connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state`
  is what open.weixin.qq.com does inside WeChat's browser: for the user WeChat knows is
  looking, a `code` (five minutes, one use) is made and the browser sent to
  `redirect_uri?code=CODE&state=STATE`. A wrong appid, a `redirect_uri` off the account's
  authorised domain, a response_type other than `code` or an unknown scope get WeChat's
  error page, and no code. Outside WeChat's browser there is nobody to authorise:
  "请在微信客户端打开链接".
- `GET /sandbox/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` trades
  the code: `{access_token, expires_in, refresh_token, openid, scope}`, or 40013 (appid),
  40125 (secret), 40029 (unknown or expired code), 40163 (code been used), 40002 (grant_type).

Who is looking: the sandbox's phone (`GET /sandbox/phone?openid=&url=`, what the simulator's
phone frame opens) marks the browser as that WeChat user with a cookie, as WeChat's own browser
simply knows its user, then opens the `url`.
"""

from __future__ import annotations

import html
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

USER_COOKIE = "sandbox_wechat_user"
CODE_TTL_S = 300.0
MAX_CODES = 4096
SCOPES = ("snsapi_base", "snsapi_userinfo")


@dataclass
class _Code:
    openid: str
    scope: str
    made_at: float
    used: bool = False


def _json(data: dict[str, object]) -> web.Response:
    return web.json_response(data)


def _err(code: int, msg: str) -> web.Response:
    return _json({"errcode": code, "errmsg": f"{msg} rid: {secrets.token_hex(4)}"})


def _page(text: str, status: int = 200) -> web.Response:
    body = (
        '<!doctype html><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>微信</title><p style="margin:40px 16px;text-align:center">{html.escape(text)}</p>'
    )
    return web.Response(text=body, status=status, content_type="text/html")


class WebAuthEmulator:
    def __init__(self, appid: str, secret: str, domains: tuple[str, ...] = ()) -> None:
        self.appid = appid
        self.secret = secret
        # The account's 网页授权域名: hosts a redirect_uri may point at. Empty: the host the
        # authorise request itself came to (this very server), which is the sandbox's case.
        self.domains = domains
        self._codes: OrderedDict[str, _Code] = OrderedDict()
        self.authorised = 0

    def _domain_ok(self, request: web.Request, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        allowed = self.domains or (request.host,)
        return parts.netloc.lower() in {d.lower() for d in allowed}

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("appid") != self.appid:
            return _page("参数错误：appid 无效（10002）", 400)
        redirect_uri = q.get("redirect_uri", "")
        if not self._domain_ok(request, redirect_uri):
            return _page("redirect_uri 域名与后台配置不一致（10003）", 400)
        if q.get("response_type") != "code":
            return _page("参数错误：response_type 应为 code（10004）", 400)
        scope = q.get("scope", "")
        if scope not in SCOPES:
            return _page("scope 参数错误或没有 scope 权限（10005）", 400)
        openid = request.cookies.get(USER_COOKIE, "")
        if not openid:
            return _page("请在微信客户端打开链接")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(openid, scope, time.monotonic())
        while len(self._codes) > MAX_CODES:
            self._codes.popitem(last=False)
        self.authorised += 1
        parts = urlsplit(redirect_uri)
        extra = urlencode({"code": code, "state": q.get("state", "")})
        query = f"{parts.query}&{extra}" if parts.query else extra
        return web.Response(
            status=302, headers={"Location": urlunsplit(parts._replace(query=query, fragment=""))}
        )

    async def access_token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        if q.get("grant_type") != "authorization_code":
            return _err(40002, "invalid grant_type")
        found = self._codes.get(q.get("code", ""))
        if found is None or time.monotonic() - found.made_at > CODE_TTL_S:
            return _err(40029, "invalid code")
        if found.used:
            return _err(40163, "code been used")
        found.used = True
        return _json(
            {
                "access_token": secrets.token_urlsafe(64)[:86],
                "expires_in": 7200,
                "refresh_token": secrets.token_urlsafe(64)[:86],
                "openid": found.openid,
                "scope": found.scope,
            }
        )

    async def phone(self, request: web.Request) -> web.StreamResponse:
        """Open `url` (a path of this server) in the phone as WeChat user `openid`."""
        openid = request.query.get("openid", "").strip()
        url = request.query.get("url", "/m/")
        if not openid or len(openid) > 64:
            raise web.HTTPBadRequest(text="openid required")
        if not url.startswith("/") or url.startswith("//"):
            raise web.HTTPBadRequest(text="url must be a path of this server")
        response = web.Response(status=302, headers={"Location": url})
        # Another user in the same phone: the /m/ session of the last one must not carry over.
        response.del_cookie("yk_m", path="/m")
        response.set_cookie(
            USER_COOKIE, openid, path="/sandbox/connect", httponly=True, samesite="Lax"
        )
        return response

    def setup(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/sandbox/connect/oauth2/authorize", self.authorize)
        r.add_get("/sandbox/sns/oauth2/access_token", self.access_token)
        r.add_get("/sandbox/phone", self.phone)
