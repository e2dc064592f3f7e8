"""The sandbox's own pages and JSON API (mounted only when `settings.sandbox` is true):

- `/sandbox/cgi-bin/...`      the WeChat API emulator (see `emulator.py`);
- `GET  /sandbox/`            the chat simulator page;
- `GET  /sandbox/api/people`  who you can be: the demo people and a stranger;
- `POST /sandbox/api/send`    {openid, text [, menu_id] | event [, key]}: posts real signed,
                              encrypted XML to this app's `/wechat` (as WeChat would) and returns
                              the decrypted passive reply;
- `POST /sandbox/api/image`   multipart {openid, file}: the file goes to the emulator's media
                              store (WeChat keeps a user's photo as temporary media), then an
                              image message with that MediaId is posted to `/wechat`;
- `GET  /sandbox/api/outbox?openid=`  what reached that user through the API, oldest first;
- `GET  /sandbox/api/menu`    the published custom menu;
- `POST|DELETE /sandbox/api/faults`   switch an outage on ({mode, calls|seconds}) or off.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from defusedxml import ElementTree as SafeET

from bot.appkeys import CLOCK, SESSIONS, SETTINGS
from bot.menu import menu_json
from bot.outbound import TEMPLATES
from bot.sandbox.courier import Courier, event_xml, image_xml, text_xml
from bot.sandbox.emulator import Emulator, StoredMedia
from bot.sandbox.faults import FAULT_MODES
from bot.sandbox.users import InboundLogUsers, UserState

log = logging.getLogger(__name__)

EMULATOR = web.AppKey("sandbox_emulator", Emulator)
HTTP = web.AppKey("sandbox_http", aiohttp.ClientSession)
COURIER = web.AppKey("sandbox_courier", Courier)
PAGE = Path(__file__).parent / "static" / "simulator.html"
STRANGER = "o_sandbox_stranger"
MAX_UPLOAD = 10 * 1024 * 1024


async def to_page(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/sandbox/")


async def page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})


async def people(request: web.Request) -> web.Response:
    from bot.demo import DEMO_PEOPLE

    out: list[dict[str, str]] = []
    for p in DEMO_PEOPLE:
        if p["kind"] == "staff":
            role = "管理员" if p.get("admin") else "员工"
            detail = "代账公司" + role
        else:
            role = "客户"
            detail = str(p["company"])
        out.append({"openid": p["openid"], "name": p["name"], "role": role, "detail": detail})
    out.append({"openid": STRANGER, "name": "陌生人", "role": "访客", "detail": "尚未绑定"})
    return web.json_response(out, dumps=_dumps)


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def reply_view(plain_xml: str | None) -> dict[str, Any] | None:
    """A passive reply as the page shows it."""
    if plain_xml is None:
        return None
    root = SafeET.fromstring(plain_xml, forbid_dtd=True)
    kind = (root.findtext("MsgType") or "").lower()
    if kind == "text":
        return {"kind": "text", "text": root.findtext("Content") or ""}
    if kind == "image":
        return {"kind": "image", "media_id": root.findtext("Image/MediaId") or "", "text": "[图片]"}
    if kind == "news":
        articles = [
            {
                "title": item.findtext("Title") or "",
                "description": item.findtext("Description") or "",
                "url": item.findtext("Url") or "",
                "picurl": item.findtext("PicUrl") or "",
            }
            for item in root.iter("item")
        ]
        return {
            "kind": "news",
            "articles": articles,
            "text": articles[0]["title"] if articles else "",
        }
    return {"kind": kind, "text": plain_xml}


async def _post(request: web.Request, openid: str, xml: str) -> web.Response:
    courier = request.app[COURIER]
    url = str(request.url.origin()) + "/wechat"
    req = courier.sign(xml, openid=openid)
    async with request.app[HTTP].post(url, params=req.query, data=req.body.encode()) as resp:
        body = await resp.text()
        status = resp.status
    if status != 200:
        return web.json_response({"status": status, "reply": None, "error": body[:200]})
    return web.json_response(
        {"status": status, "reply": reply_view(courier.open_reply_xml(body))}, dumps=_dumps
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="JSON body expected") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return data


def _openid(data: dict[str, Any]) -> str:
    openid = str(data.get("openid", "")).strip()
    if not openid or len(openid) > 64:
        raise web.HTTPBadRequest(text="openid required")
    return openid


async def send(request: web.Request) -> web.Response:
    data = await _json_body(request)
    openid = _openid(data)
    account = request.app[COURIER].account
    if data.get("event"):
        xml = event_xml(account, openid, str(data["event"]), str(data.get("key", "")))
    elif "text" in data:
        menu_id = str(data["menu_id"]) if data.get("menu_id") else None
        xml = text_xml(account, openid, str(data["text"]), menu_id=menu_id)
    else:
        raise web.HTTPBadRequest(text="text or event required")
    return await _post(request, openid, xml)


async def image(request: web.Request) -> web.Response:
    reader = await request.multipart()
    openid, content, filename, ctype = "", b"", "photo.jpg", "image/jpeg"
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader):
            continue
        if part.name == "openid":
            openid = (await part.text()).strip()
        elif part.name == "file":
            filename = part.filename or filename
            ctype = part.headers.get("Content-Type", ctype)
            buf = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                buf.extend(chunk)
                if len(buf) > MAX_UPLOAD:
                    raise web.HTTPRequestEntityTooLarge(max_size=MAX_UPLOAD, actual_size=len(buf))
            content = bytes(buf)
    openid = _openid({"openid": openid})
    if not content:
        raise web.HTTPBadRequest(text="file required")
    emulator = request.app[EMULATOR]
    media_id = emulator.store_media(
        StoredMedia(content, ctype, filename, "image", request.app[CLOCK].now())
    )
    xml = image_xml(request.app[COURIER].account, openid, media_id)
    return await _post(request, openid, xml)


async def outbox(request: web.Request) -> web.Response:
    openid = request.query.get("openid", "")
    if not openid:
        raise web.HTTPBadRequest(text="openid required")
    return web.json_response(request.app[EMULATOR].outbox(openid), dumps=_dumps)


async def menu(request: web.Request) -> web.Response:
    return web.json_response(request.app[EMULATOR].menu or {"button": []}, dumps=_dumps)


async def media(request: web.Request) -> web.StreamResponse:
    """The simulator shows images the bot sent (by media id)."""
    stored = request.app[EMULATOR].media.get(request.match_info["media_id"])
    if stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored.content, content_type=stored.content_type)


async def faults_on(request: web.Request) -> web.Response:
    data = await _json_body(request)
    mode = str(data.get("mode", ""))
    if mode not in FAULT_MODES:
        raise web.HTTPBadRequest(text=f"mode must be one of {sorted(FAULT_MODES)}")
    calls = int(data["calls"]) if data.get("calls") is not None else None
    seconds = float(data["seconds"]) if data.get("seconds") is not None else None
    request.app[EMULATOR].faults.inject(
        mode, calls=calls, seconds=seconds, path_prefix=str(data.get("path_prefix", "/cgi-bin/"))
    )
    return web.json_response({"fault": mode, "calls": calls, "seconds": seconds})


async def faults_off(request: web.Request) -> web.Response:
    request.app[EMULATOR].faults.clear()
    return web.json_response({"fault": None})


async def sandbox_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[COURIER] = Courier(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
    async with aiohttp.ClientSession() as http:
        app[HTTP] = http
        yield


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    users = None

    async def user_state(openid: str) -> UserState:
        nonlocal users
        if users is None:
            users = InboundLogUsers(app[SESSIONS])
        return await users(openid)

    emulator = Emulator(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        clock=app[CLOCK],
        users=user_state,
        template_ids=lambda: app[TEMPLATES].template_ids(),
    )
    from bot.demo import DEMO_PEOPLE

    emulator.followers = {str(p["openid"]) for p in DEMO_PEOPLE}
    # The sandbox starts with the configured menu in place, as if `yunkuaiji menu publish`
    # had run; publishing again (against a running server) replaces it.
    emulator.menu = menu_json()
    app[EMULATOR] = emulator
    emulator.setup(app)
    app.cleanup_ctx.append(sandbox_ctx)
    r = app.router
    r.add_get("/sandbox", to_page)
    r.add_get("/sandbox/", page)
    r.add_get("/sandbox/api/people", people)
    r.add_post("/sandbox/api/send", send)
    r.add_post("/sandbox/api/image", image)
    r.add_get("/sandbox/api/outbox", outbox)
    r.add_get("/sandbox/api/menu", menu)
    r.add_get("/sandbox/api/media/{media_id}", media)
    r.add_post("/sandbox/api/faults", faults_on)
    r.add_delete("/sandbox/api/faults", faults_off)
