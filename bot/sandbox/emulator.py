"""A stand-in for WeChat's API servers (api.weixin.qq.com), mounted at `/sandbox/cgi-bin/...`.

Same paths, parameters, JSON shapes and error codes as the public documentation, for the calls
the app makes: access token, 客服 send, template send, media get/upload, menu create/get, and
speech-to-text (语音识别: `media/voice/addvoicetorecofortext` then `queryrecoresultfortext`, keyed
by the app's `voice_id`; the words are the transcript the simulator stored with the voice, ready
`stt_delay_s` after submission). It
enforces what WeChat enforces, so the production code path meets the same refusals:

- tokens expire (`token_ttl_s`, judged by the app's clock); a new token retires older ones after
  five minutes; a missing token is 41001, an unknown one 40001, an expired one 42001;
- 客服 messages only inside the user's 48-hour window (45015), at most 20 of them since the
  user last interacted (45047), never to unsubscribed users (43004) or unknown openids (40003);
- template messages need a template id the account owns (40037).

What reached a user can be read back as JSON at `GET /sandbox/api/outbox?openid=`: that is what
the user would see in WeChat. Faults (-1, 45011, HTTP 500, timeouts) can be switched on for a
number of calls or seconds, in process or through `POST /sandbox/api/faults`; they live in
`bot.sandbox.faults`, and the custom-menu checks in `bot.sandbox.menu_rules`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import time
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.faults import Faults
from bot.sandbox.menu_rules import menu_problem
from bot.sandbox.users import UserState
from domain.clock import Clock

Users = Callable[[str], Awaitable[UserState]]
TemplateIds = Callable[[], set[str]]

WINDOW = timedelta(hours=48)
MAX_UNANSWERED = 20
OLD_TOKEN_GRACE = timedelta(minutes=5)
MEDIA_TTL = timedelta(days=3)
IMAGE_CAP = 10 * 1024 * 1024
# The emulator keeps uploads in memory: a long-running sandbox (a demo server, the benchmark)
# must not grow without end. WeChat keeps temporary media three days; we keep fewer.
# (The burst benchmark raises both: SANDBOX_MEDIA_ITEMS, SANDBOX_MEDIA_MB.)
MEDIA_MAX_ITEMS = int(os.environ.get("SANDBOX_MEDIA_ITEMS", "256"))
MEDIA_MAX_BYTES = int(os.environ.get("SANDBOX_MEDIA_MB", "64")) * 1024 * 1024
MEDIA_TYPES = {"image", "voice", "video", "thumb"}
CUSTOM_TYPES = {
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
}


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    # WeChat answers JSON with this content type, errors included, with HTTP 200.
    return web.Response(
        text=json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def _err(code: int, msg: str) -> web.Response:
    rid = secrets.token_hex(4)
    return _json({"errcode": code, "errmsg": f"{msg} rid: {rid}"})


@dataclass
class StoredMedia:
    content: bytes
    content_type: str
    filename: str
    kind: str
    created: datetime
    # A voice's words as the simulator typed them: what speech recognition will "hear".
    transcript: str = ""


@dataclass
class Recognition:
    transcript: str
    ready_at: float  # time.monotonic(): the app's clock may be frozen in tests


class MediaStore:
    """Uploaded media by id, bounded by count and by bytes: the least recently stored or
    fetched goes first (a media id that is gone answers 40007, as an expired one does)."""

    def __init__(self, max_items: int = MEDIA_MAX_ITEMS, max_bytes: int = MEDIA_MAX_BYTES) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, StoredMedia] = OrderedDict()
        self.bytes = 0
        self.evicted = 0

    def __contains__(self, media_id: object) -> bool:
        return media_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[StoredMedia]:
        return list(self._items.values())

    def get(self, media_id: str) -> StoredMedia | None:
        media = self._items.get(media_id)
        if media is not None:
            self._items.move_to_end(media_id)
        return media

    def put(self, media_id: str, media: StoredMedia) -> None:
        old = self._items.pop(media_id, None)
        if old is not None:
            self.bytes -= len(old.content)
        self._items[media_id] = media
        self.bytes += len(media.content)
        while len(self._items) > 1 and (
            len(self._items) > self.max_items or self.bytes > self.max_bytes
        ):
            _, dropped = self._items.popitem(last=False)
            self.bytes -= len(dropped.content)
            self.evicted += 1


@dataclass
class Emulator:
    appid: str
    secret: str
    clock: Clock
    users: Users
    template_ids: TemplateIds
    token_ttl_s: int = 7200
    faults: Faults = field(default_factory=Faults)
    tokens: dict[str, datetime] = field(default_factory=dict)
    sent: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    media: MediaStore = field(default_factory=MediaStore)
    menu: dict[str, Any] | None = None
    # voice_id -> what the speech-to-text API will answer, and when
    recognitions: dict[str, Recognition] = field(default_factory=dict)
    stt_delay_s: float = 0.0
    # Openids that followed the account before the sandbox started (the demo people): known to
    # WeChat, subscribed, but with no 48-hour window until they write.
    followers: set[str] = field(default_factory=set)
    token_fetches: int = 0
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _msgids: itertools.count[int] = field(default_factory=lambda: itertools.count(2_000_000_001))

    # -- in-process controls for tests and the benchmark --------------------------------

    def expire_tokens(self) -> None:
        now = self.clock.now()
        self.tokens = {t: now for t in self.tokens}

    def outbox(self, openid: str) -> list[dict[str, Any]]:
        return list(self.sent.get(openid, []))

    def delivered(self) -> int:
        return sum(len(v) for v in self.sent.values())

    # -- helpers -------------------------------------------------------------------------

    def _check_token(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if not token:
            return _err(41001, "access_token missing")
        expires = self.tokens.get(token)
        if expires is None:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if expires <= self.clock.now():
            return _err(42001, "access_token expired")
        return None

    async def _fault(self, request: web.Request) -> web.StreamResponse | None:
        path = request.path.removeprefix("/sandbox")
        mode = self.faults.take(path)
        if mode is None:
            return None
        if mode == "500":
            return web.Response(
                status=500, text="<html>502 Bad Gateway</html>", content_type="text/html"
            )
        if mode == "timeout":
            await asyncio.sleep(self.faults.timeout_sleep_s)
            return _err(-1, "system error")
        if mode == "45011":
            return _err(45011, "api minute-quota reach limit mustslower retry next minute")
        return _err(-1, "system error")

    async def _body(self, request: web.Request) -> dict[str, Any] | None:
        try:
            data = json.loads((await request.read()).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    async def _gate(self, request: web.Request) -> web.StreamResponse | None:
        self.calls[request.path.removeprefix("/sandbox")] += 1
        return await self._fault(request) or self._check_token(request)

    async def _user(self, openid: str) -> UserState:
        state = await self.users(openid)
        if not state.known and openid in self.followers:
            return UserState(True, True, None)
        return state

    def _record(self, openid: str, entry: dict[str, Any]) -> None:
        entry["time"] = self.clock.now().isoformat()
        self.sent[openid].append(entry)

    def _since(self, openid: str, since: datetime | None) -> int:
        """客服 messages sent to the user after their last interaction."""
        cutoff = since.isoformat() if since is not None else ""
        return sum(
            1 for e in self.sent.get(openid, []) if e["kind"] != "template" and e["time"] >= cutoff
        )

    # -- endpoints -----------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.StreamResponse:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        q = request.query
        if q.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        if q.get("appid") != self.appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        now = self.clock.now()
        # Issuing a token retires the older ones after a five-minute grace.
        self.tokens = {t: min(e, now + OLD_TOKEN_GRACE) for t, e in self.tokens.items() if e > now}
        token = secrets.token_urlsafe(96)[:128]
        self.tokens[token] = now + timedelta(seconds=self.token_ttl_s)
        self.token_fetches += 1
        return _json({"access_token": token, "expires_in": self.token_ttl_s})

    async def _authorized_body(self, request: web.Request) -> dict[str, Any] | web.StreamResponse:
        """The JSON body of an API call, or WeChat's refusal (bad token, fault, bad JSON)."""
        refused = await self._gate(request)
        if refused is not None:
            return refused
        body = await self._body(request)
        if body is None:
            return _err(47001, "data format error")
        return body

    async def custom_send(self, request: web.Request) -> web.StreamResponse:
        body = await self._authorized_body(request)
        if isinstance(body, web.StreamResponse):
            return body
        openid = str(body.get("touser", ""))
        msgtype = str(body.get("msgtype", ""))
        if msgtype not in CUSTOM_TYPES:
            return _err(40008, "invalid message type")
        user = await self._user(openid)
        unreachable = _unreachable(openid, user)
        if unreachable is not None:
            return unreachable
        now = self.clock.now()
        if user.last_interaction is None or now - user.last_interaction > WINDOW:
            return _err(45015, "response out of time limit or subscription is canceled")
        if self._since(openid, user.last_interaction) >= MAX_UNANSWERED:
            return _err(45047, "out of response count limit")
        entry = self._custom_entry(msgtype, body.get(msgtype))
        if isinstance(entry, web.Response):
            return entry
        self._record(openid, entry)
        return _json({"errcode": 0, "errmsg": "ok"})

    def _custom_entry(self, msgtype: str, part: Any) -> dict[str, Any] | web.Response:
        if not isinstance(part, dict):
            return _err(47001, "data format error")
        if msgtype == "text":
            content = str(part.get("content", ""))
            if not content:
                return _err(44004, "empty content")
            return {"kind": "text", "text": content}
        if msgtype == "image":
            media_id = str(part.get("media_id", ""))
            if media_id not in self.media:
                return _err(40007, "invalid media_id")
            return {"kind": "image", "media_id": media_id, "text": "[图片]"}
        if msgtype == "news":
            articles = part.get("articles")
            if not isinstance(articles, list) or not articles:
                return _err(44003, "empty news data")
            if len(articles) > 1:
                return _err(45008, "article size out of limit")
            a = articles[0]
            return {"kind": "news", "text": str(a.get("title", "")), "articles": articles}
        if msgtype == "msgmenu":
            items = part.get("list")
            if not isinstance(items, list) or not items:
                return _err(47001, "data format error")
            menu = [
                {"id": str(i.get("id", "")), "content": str(i.get("content", ""))} for i in items
            ]
            return {
                "kind": "msgmenu",
                "text": str(part.get("head_content", "")),
                "tail": str(part.get("tail_content", "")),
                "menu": menu,
            }
        return {"kind": msgtype, "text": json.dumps(part, ensure_ascii=False)}

    async def template_send(self, request: web.Request) -> web.StreamResponse:
        body = await self._authorized_body(request)
        if isinstance(body, web.StreamResponse):
            return body
        template_id = str(body.get("template_id", ""))
        if template_id not in self.template_ids():
            return _err(40037, "invalid template_id")
        openid = str(body.get("touser", ""))
        user = await self._user(openid)
        unreachable = _unreachable(openid, user)
        if unreachable is not None:
            return unreachable
        data = body.get("data")
        if not isinstance(data, dict):
            return _err(47001, "data format error")
        values = {
            k: (v.get("value", "") if isinstance(v, dict) else str(v)) for k, v in data.items()
        }
        msgid = next(self._msgids)
        self._record(
            openid,
            {
                "kind": "template",
                "template_id": template_id,
                "data": values,
                "url": str(body.get("url", "")),
                "text": "\n".join(str(v) for v in values.values() if v),
                "msgid": msgid,
            },
        )
        return _json({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    async def media_upload(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        kind = request.query.get("type", "")
        if kind not in MEDIA_TYPES:
            return _err(40004, "invalid media type")
        stored = await self._read_media_part(request, kind)
        if isinstance(stored, web.Response):
            return stored
        media_id = self.store_media(stored)
        return _json(
            {"type": kind, "media_id": media_id, "created_at": int(stored.created.timestamp())}
        )

    async def _read_media_part(self, request: web.Request, kind: str) -> StoredMedia | web.Response:
        if not request.content_type.startswith("multipart/"):
            return _err(41005, "media data missing")
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                return _err(41005, "media data missing")
            if isinstance(part, aiohttp.BodyPartReader) and part.name == "media":
                break
        data = bytearray()
        while chunk := await part.read_chunk(64 * 1024):
            data.extend(chunk)
            if len(data) > IMAGE_CAP:
                return _err(40009, "invalid image size")
        if not data:
            return _err(41005, "media data missing")
        ctype = part.headers.get("Content-Type", "application/octet-stream")
        return StoredMedia(bytes(data), ctype, part.filename or "media", kind, self.clock.now())

    def store_media(self, media: StoredMedia) -> str:
        media_id = secrets.token_urlsafe(48)[:64]
        self.media.put(media_id, media)
        return media_id

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        stored = self.media.get(request.query.get("media_id", ""))
        if stored is None or self.clock.now() - stored.created > MEDIA_TTL:
            return _err(40007, "invalid media_id")
        return web.Response(
            body=stored.content,
            content_type=stored.content_type,
            headers={"Content-Disposition": f'attachment; filename="{stored.filename}"'},
        )

    async def menu_create(self, request: web.Request) -> web.StreamResponse:
        body = await self._authorized_body(request)
        if isinstance(body, web.StreamResponse):
            return body
        problem = menu_problem(body)
        if problem is not None:
            return _err(*problem)
        self.menu = body
        return _json({"errcode": 0, "errmsg": "ok"})

    async def menu_get(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        if self.menu is None:
            return _err(46003, "menu no exist")
        return _json({"menu": self.menu})

    def _voice_transcript(self, voice_id: str, content: bytes) -> str | None:
        """The stored voice this submission is: by media id, else by its bytes."""
        stored = self.media.get(voice_id)
        if stored is None or stored.kind != "voice":
            stored = next(
                (m for m in self.media.values() if m.kind == "voice" and m.content == content),
                None,
            )
        return stored.transcript if stored is not None else None

    async def voice_add(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        voice_id = request.query.get("voice_id", "")
        if not voice_id:
            return _err(41005, "voice_id missing")
        content = await request.read()
        if not content:
            return _err(41005, "media data missing")
        transcript = self._voice_transcript(voice_id, content)
        self.recognitions[voice_id] = Recognition(
            transcript or "", time.monotonic() + self.stt_delay_s
        )
        return _json({"errcode": 0, "errmsg": "ok"})

    async def voice_result(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        reco = self.recognitions.get(request.query.get("voice_id", ""))
        if reco is None:
            return _err(40007, "invalid voice_id")
        if time.monotonic() < reco.ready_at:
            return _json({"result": ""})
        return _json({"result": reco.transcript})

    def setup(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/sandbox/cgi-bin/token", self.token)
        r.add_post("/sandbox/cgi-bin/message/custom/send", self.custom_send)
        r.add_post("/sandbox/cgi-bin/message/template/send", self.template_send)
        r.add_get("/sandbox/cgi-bin/media/get", self.media_get)
        r.add_post("/sandbox/cgi-bin/media/upload", self.media_upload)
        r.add_post("/sandbox/cgi-bin/menu/create", self.menu_create)
        r.add_get("/sandbox/cgi-bin/menu/get", self.menu_get)
        r.add_post("/sandbox/cgi-bin/media/voice/addvoicetorecofortext", self.voice_add)
        r.add_post("/sandbox/cgi-bin/media/voice/queryrecoresultfortext", self.voice_result)


def _unreachable(openid: str, user: UserState) -> web.StreamResponse | None:
    """WeChat's refusal for a user no message can reach: unknown, or unsubscribed."""
    if not openid or not user.known:
        return _err(40003, "invalid openid")
    if not user.subscribed:
        return _err(43004, "require subscribe")
    return None
