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
- `POST /sandbox/api/voice`   {openid, transcript [, recognition=true]}: a "voice" whose words
                              are the typed transcript; stored as voice media, then a voice
                              message is posted to `/wechat`, with `Recognition` when recognition
                              is on, else without (the app asks the speech-to-text API);
- `GET  /sandbox/api/outbox?openid=`  what reached that user through the API, oldest first;
- `GET  /sandbox/api/menu`    the published custom menu;
- `POST|DELETE /sandbox/api/faults`   switch an outage on ({mode, calls|seconds}) or off;
- `POST /sandbox/api/invite`  a client binding code for the stranger to try binding with: a
                              fresh contact of the trial company (created once, looked after by
                              the first accountant), as a firm's admin would hand out;
- `/sandbox/connect/oauth2/authorize`, `/sandbox/sns/oauth2/access_token`, `/sandbox/phone`
                              WeChat's web authorisation and the phone that opens /m/ pages
                              as a chosen user (see `web_auth.py`);
- `POST /sandbox/sms/`, `GET /sandbox/api/sms?phone=`  Tencent Cloud SMS and what it sent
                              (see `sms_emulator.py`);
- `/sandbox/pay/v3/...` and `/sandbox/api/pay/...`  the WeChat Pay emulator and its JSON API
                              (see `pay_emulator.py`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from defusedxml import ElementTree as SafeET

from bot.keys import (
    CLOCK,
    COURIER,
    EMULATOR,
    PAY_EMULATOR,
    SANDBOX_HTTP,
    SESSIONS,
    SETTINGS,
    TEMPLATES,
)
from bot.sandbox.courier import Courier, event_xml, image_xml, text_xml, voice_xml
from bot.sandbox.emulator import Emulator, StoredMedia
from bot.sandbox.faults import FAULT_MODES
from bot.sandbox.pay_emulator import PayEmulator
from bot.sandbox.pay_keys import SandboxPay
from bot.sandbox.sms_emulator import SmsEmulator
from bot.sandbox.users import InboundLogUsers, UserState
from bot.sandbox.web_auth import WebAuthEmulator
from bot.wechat.menu import menu_json

log = logging.getLogger(__name__)

PAGE = Path(__file__).parent / "static" / "simulator.html"
STRANGER = "o_sandbox_stranger"
# The 催费 SMS template as the sandbox's made-up Tencent account has it approved.
SMS_FEE_TEXT = "{1}您好，{2} {3}{4}，请及时缴纳。如已付款请忽略。"
MAX_UPLOAD = 10 * 1024 * 1024


async def to_page(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/sandbox/")


async def page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})


async def people(request: web.Request) -> web.Response:
    from bot.sandbox.demo import DEMO_PEOPLE

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
    async with request.app[SANDBOX_HTTP].post(
        url, params=req.query, data=req.body.encode()
    ) as resp:
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


MAX_TRANSCRIPT = 600


async def voice(request: web.Request) -> web.Response:
    data = await _json_body(request)
    openid = _openid(data)
    transcript = str(data.get("transcript", "")).strip()
    if not transcript or len(transcript) > MAX_TRANSCRIPT:
        raise web.HTTPBadRequest(text="transcript required (at most 600 characters)")
    recognition = bool(data.get("recognition", True))
    # Stand-in bytes for the AMR file a phone would record; unique per voice.
    content = b"#!AMR\n" + secrets.token_bytes(16) + transcript.encode()
    media_id = request.app[EMULATOR].store_media(
        StoredMedia(
            content, "audio/amr", "voice.amr", "voice", request.app[CLOCK].now(), transcript
        )
    )
    # WeChat ends what it recognised with a full stop.
    heard = transcript if transcript.endswith(("。", "？", "！")) else transcript + "。"
    xml = voice_xml(request.app[COURIER].account, openid, media_id, heard if recognition else None)
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


TRIAL_COMPANY = "沙箱体验有限公司"


async def invite(request: web.Request) -> web.Response:
    from domain.actors import Actor
    from domain.binding import create_invite
    from domain.identity import InviteKind
    from storage.uow import SqlUnitOfWork

    settings = request.app[SETTINGS]
    now = request.app[CLOCK].now()
    async with SqlUnitOfWork(request.app[SESSIONS]) as uow:
        ids = uow.identities
        firm = await ids.firm_by_appid(settings.wechat_appid)
        if firm is None:
            raise web.HTTPConflict(text="no firm yet: load the demo first")
        companies = [c for c in await ids.list_companies(firm.id) if c.name == TRIAL_COMPANY]
        if companies:
            company = companies[0]
        else:
            staff = [s for s in await ids.list_staff(firm.id, active_only=True) if not s.is_admin]
            accountant = staff[0].id if staff else None
            company = await ids.add_company(firm.id, TRIAL_COMPANY, accountant)
        contact = await ids.add_contact(company.id, "体验客户")
        code = await create_invite(uow, Actor.system(firm.id), InviteKind.CONTACT, contact.id, now)
        await uow.commit()
    return web.json_response(
        {"code": code.code, "company": company.name, "say": f"绑定 {code.code}"}, dumps=_dumps
    )


async def sandbox_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[COURIER] = Courier(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
    async with aiohttp.ClientSession() as http:
        app[SANDBOX_HTTP] = http
        yield
        pay = app.get(PAY_EMULATOR)
        if pay is not None:
            await pay.stop()  # refunds settling later: before the session closes


LOOPBACK = ("127.", "::1", "::ffff:127.")


@web.middleware
async def loopback_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """With a real AppID the sandbox holds the real token: only this machine may reach it."""
    if request.path.startswith("/sandbox") and not (request.remote or "").startswith(LOOPBACK):
        raise web.HTTPForbidden(text="the sandbox answers on loopback only")
    response: web.StreamResponse = await handler(request)
    return response


def setup(app: web.Application, pay: SandboxPay | None = None) -> None:
    """Mount the emulators and the simulator; `pay` is the sandbox's WeChat Pay merchant."""
    settings = app[SETTINGS]
    if settings.real_appid:
        # Only reachable with SANDBOX_WITH_REAL_APPID=1 (`Settings.check_safe`).
        app.middlewares.append(loopback_only)
        log.warning(
            "SANDBOX with the real AppID %s: /sandbox signs with the real token and every push "
            "goes to the in-process emulator, not to WeChat; /sandbox is loopback-only",
            settings.wechat_appid,
        )
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
    from bot.sandbox.demo import DEMO_PEOPLE

    emulator.followers = {str(p["openid"]) for p in DEMO_PEOPLE}
    # The sandbox starts with the configured menu in place, as if `yunkuaiji menu publish`
    # had run; publishing again (against a running server) replaces it.
    emulator.menu = menu_json()
    app[EMULATOR] = emulator
    emulator.setup(app)
    # WeChat's web authorisation for the /m/ pages, and the phone that opens them as a user.
    WebAuthEmulator(settings.wechat_appid, settings.wechat_secret).setup(app)
    sms = settings.sms_config
    if sms is not None:
        _base, secret_id, secret_key, app_id, sign, fee_template = sms
        SmsEmulator(
            secret_id, secret_key, app_id, sign, {fee_template: SMS_FEE_TEXT}, app[CLOCK]
        ).setup(app)
    if pay is not None:
        pay_emulator = PayEmulator(
            pay, settings.wechat_appid, app[CLOCK], http=lambda: app[SANDBOX_HTTP]
        )
        app[PAY_EMULATOR] = pay_emulator
        pay_emulator.setup(app)
    app.cleanup_ctx.append(sandbox_ctx)
    r = app.router
    r.add_get("/sandbox", to_page)
    r.add_get("/sandbox/", page)
    r.add_get("/sandbox/api/people", people)
    r.add_post("/sandbox/api/send", send)
    r.add_post("/sandbox/api/image", image)
    r.add_post("/sandbox/api/voice", voice)
    r.add_get("/sandbox/api/outbox", outbox)
    r.add_get("/sandbox/api/menu", menu)
    r.add_get("/sandbox/api/media/{media_id}", media)
    r.add_post("/sandbox/api/faults", faults_on)
    r.add_delete("/sandbox/api/faults", faults_off)
    r.add_post("/sandbox/api/invite", invite)
