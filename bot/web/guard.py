"""Who is looking, before any /m/ page runs. A request without a valid session cookie is sent
through WeChat's silent web authorisation (`snsapi_base`) and comes back to `/m/oauth` with a
code, which is traded for the openid; the openid is then resolved to a person of the firm on
every request (a contact unbound since is refused at once). A page's audience is checked, a
state-changing request must come from our own pages, and the answer is a kind Chinese page,
never a trace."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import weakref
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from admin_web.security import same_origin, served_over_https
from bot.keys import CLOCK, SESSIONS, SETTINGS
from bot.web.pages import PREFIX, Handler, MobilePage, PageHandler, Viewer, refusal
from bot.web.session import COOKIE, STATE_COOKIE, STATE_TTL, SessionCodec
from bot.wechat.errors import WeChatError
from bot.wechat.web_auth import authorize_url, visitor_for_code
from domain.identity import Firm
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

STRANGER_TEXT = "这个页面只对已绑定的客户开放。请先在公众号里发送您的绑定码，再点开链接。"
WRONG_AUDIENCE_TEXT = "这个页面不是为您准备的，请从公众号里的链接打开属于您的页面。"


@dataclass
class MobileState:
    """What the /m/ area holds for the process: the session codec, an HTTP session for
    WeChat's `sns` API, and the firm (learned once)."""

    codec: SessionCodec
    http: aiohttp.ClientSession | None = None
    firm: Firm | None = None
    # The pages the start page lists (those with a `menu` label), in PAGE_MODULES order.
    menu: tuple[MobilePage, ...] = ()
    # Per-key locks (say, a bill's number while an attempt is opened), dropped when unused.
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    def lock_for(self, key: str) -> asyncio.Lock:
        lock = self.locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self.locks[key] = lock
        return lock


STATE = web.AppKey("mobile_state", MobileState)


def safe_next(path: str) -> str:
    """Only a path of our own /m/ area may be returned to (never another site)."""
    if not path.startswith(PREFIX + "/") or path.startswith("//") or "\\" in path:
        return PREFIX + "/"
    return path


def _origin(request: web.Request) -> str:
    settings = request.config_dict[SETTINGS]
    if settings.public_url:
        return settings.public_url.rstrip("/")
    # The sandbox (or no PUBLIC_URL): the address this browser used, so that its cookies
    # (the /m/ session, the sandbox phone's user) stay on one host.
    return str(request.url.origin())


def _oauth_base(request: web.Request) -> str:
    settings = request.config_dict[SETTINGS]
    if settings.sandbox and not settings.wechat_oauth_base:
        return f"{request.url.origin()}/sandbox"  # the emulator, on the host the browser uses
    return settings.oauth_base


def _secure(request: web.Request) -> bool:
    trusted = tuple(
        p.strip() for p in request.config_dict[SETTINGS].trusted_proxies.split(",") if p.strip()
    )
    return served_over_https(request, trusted)


async def _firm(request: web.Request) -> Firm:
    state = request.app[STATE]
    if state.firm is None:
        async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
            state.firm = await uow.identities.firm_by_appid(
                request.config_dict[SETTINGS].wechat_appid
            )
        if state.firm is None:
            raise web.HTTPServiceUnavailable(text="服务正在启动，请稍后再试。")
    return state.firm


async def viewer_of(request: web.Request) -> Viewer | None:
    """The visitor named by the session cookie, resolved now; None without a valid session."""
    settings = request.config_dict[SETTINGS]
    session = request.app[STATE].codec.read(
        request.cookies.get(COOKIE), settings.wechat_appid, request.config_dict[CLOCK].now()
    )
    if session is None:
        return None
    firm = await _firm(request)
    async with SqlUnitOfWork(request.config_dict[SESSIONS]) as uow:
        identity = await uow.identities.resolve(firm, session.openid)
    return Viewer(session.openid, identity)


def _to_authorisation(request: web.Request) -> web.StreamResponse:
    settings = request.config_dict[SETTINGS]
    nonce = secrets.token_hex(16)
    redirect_uri = f"{_origin(request)}{PREFIX}/oauth"
    url = authorize_url(_oauth_base(request), settings.wechat_appid, redirect_uri, nonce)
    response = redirect(url)
    response.set_cookie(
        STATE_COOKIE,
        request.app[STATE].codec.state(nonce, safe_next(request.path_qs)),
        path=f"{PREFIX}/oauth",
        max_age=int(STATE_TTL.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    return response


def guarded(page: MobilePage) -> Handler:
    """The page's handler behind the guard."""
    handler: PageHandler = page.handler

    async def run(request: web.Request) -> web.StreamResponse:
        if request.method != "GET" and not same_origin(request):
            return refusal(request, 403, "操作未完成", "请在公众号打开的页面里操作。")
        viewer = await viewer_of(request)
        if viewer is None:
            if request.method != "GET":
                return refusal(
                    request, 401, "请重新打开页面", "页面停留太久了，请从公众号里重新打开。"
                )
            return _to_authorisation(request)
        if viewer.identity.company is None and not viewer.identity.is_staff:
            return refusal(request, 403, "还没有绑定", STRANGER_TEXT)
        if not viewer.may_open(page.audience):
            return refusal(request, 403, "无法打开", WRONG_AUDIENCE_TEXT)
        return await handler(request, viewer)

    return run


async def oauth_return(request: web.Request) -> web.StreamResponse:
    """`/m/oauth?code=&state=`: WeChat sends the browser back here. The state must be the one
    this browser was given; the code is traded for the openid, and the session cookie set."""
    settings = request.config_dict[SETTINGS]
    state = request.app[STATE]
    code = request.query.get("code", "")
    kept = state.codec.read_state(request.cookies.get(STATE_COOKIE))
    given = request.query.get("state", "")
    if kept is None or not given or not hmac.compare_digest(kept[0], given):
        return refusal(request, 400, "请重新打开页面", "链接已失效，请从公众号里重新打开。")
    if not code:
        # The user refused, or WeChat could not authorise: nothing to trade.
        return refusal(request, 403, "未能确认身份", "请在微信里打开这个链接。")
    if state.http is None:
        raise web.HTTPServiceUnavailable(text="服务正在启动，请稍后再试。")
    try:
        visitor = await visitor_for_code(
            state.http, settings.api_base, settings.wechat_appid, settings.wechat_secret, code
        )
    except WeChatError as exc:
        log.warning("web authorisation refused: %s", exc)
        return refusal(request, 403, "未能确认身份", "请从公众号里重新打开这个链接。")
    response = redirect(safe_next(kept[1]))
    response.set_cookie(
        COOKIE,
        state.codec.issue(settings.wechat_appid, visitor.openid, request.config_dict[CLOCK].now()),
        path=PREFIX,
        max_age=int(state.codec.ttl.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    response.del_cookie(STATE_COOKIE, path=f"{PREFIX}/oauth")
    return response


def redirect(url: str) -> web.Response:
    """A 302 (returned, not raised, so that cookies may go with it)."""
    return web.Response(status=302, headers={"Location": url})
