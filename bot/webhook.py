"""`/wechat`: WeChat's door. Verifies (constant-time signatures, fresh timestamps), bounds the
body, decrypts (安全模式, with key rotation), parses defensively and hands the message to the
pipeline. Hostile or malformed bodies get `success` (403 for a bad signature) and one log line;
never a 500, never a stack trace."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.appkeys import CLOCK, CRYPTO, PIPELINE, SETTINGS
from bot.wechat_protocol import (
    BadMessage,
    Envelope,
    check_message,
    dedup_key,
    new_nonce,
    parse_xml,
    signature_ok,
)

log = logging.getLogger(__name__)

SUCCESS = "success"


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


def _xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="application/xml")


def _fresh(request: web.Request, timestamp: str) -> bool:
    if not timestamp.isdigit():
        return False
    now = request.app[CLOCK].now().timestamp()
    return abs(now - int(timestamp)) <= request.app[SETTINGS].timestamp_tolerance_s


async def verify(request: web.Request) -> web.Response:
    """GET /wechat: the server URL check, plain (signature) or encrypted (msg_signature)."""
    q = request.query
    settings = request.app[SETTINGS]
    timestamp, nonce, echostr = q.get("timestamp", ""), q.get("nonce", ""), q.get("echostr", "")
    if "msg_signature" in q:
        if not signature_ok((settings.wechat_token, timestamp, nonce, echostr), q["msg_signature"]):
            log.warning("wechat verify: bad msg_signature")
            return _text("forbidden", 403)
        try:
            return _text(request.app[CRYPTO].decrypt(echostr))
        except BadMessage as exc:
            log.warning("wechat verify: %s", exc.reason)
            return _text("forbidden", 403)
    if not signature_ok((settings.wechat_token, timestamp, nonce), q.get("signature", "")):
        log.warning("wechat verify: bad signature")
        return _text("forbidden", 403)
    return _text(echostr)


async def receive(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    env = Envelope.from_query(request.query)
    # Plain mode is authenticated by `signature`; 安全模式 by `msg_signature` over the body
    # (WeChat sends both there; a `signature` that is present must be right too).
    if (env.signature or not env.encrypted) and not signature_ok(
        (settings.wechat_token, env.timestamp, env.nonce), env.signature
    ):
        log.warning("wechat: bad signature from %s", request.remote)
        return _text("forbidden", 403)
    if not _fresh(request, env.timestamp):
        log.warning("wechat: stale timestamp %r", env.timestamp[:20])
        return _text("forbidden", 403)
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        log.warning("wechat: body of %s bytes refused", request.content_length)
        return _text(SUCCESS)
    body = await request.content.read(settings.max_body_bytes + 1)
    if len(body) > settings.max_body_bytes:
        log.warning("wechat: body over %s bytes refused", settings.max_body_bytes)
        return _text(SUCCESS)
    try:
        fields = parse_xml(body)
        if env.encrypted:
            encrypted = fields.get("Encrypt", "")
            if not encrypted:
                raise BadMessage("encrypted request without <Encrypt>")
            parts = (settings.wechat_token, env.timestamp, env.nonce, encrypted)
            if not signature_ok(parts, env.msg_signature):
                log.warning("wechat: bad msg_signature from %s", request.remote)
                return _text("forbidden", 403)
            fields = parse_xml(request.app[CRYPTO].decrypt(encrypted).encode())
        check_message(fields)
    except BadMessage as exc:
        log.warning("wechat: refused body: %s", exc.reason)
        return _text(SUCCESS)
    reply_xml = await request.app[PIPELINE].receive(fields, dedup_key(fields))
    if not reply_xml:
        return _text(SUCCESS)
    if env.encrypted:
        return _xml(request.app[CRYPTO].encrypt(reply_xml, new_nonce(), env.timestamp))
    return _xml(reply_xml)


def setup(app: web.Application) -> None:
    app.router.add_get("/wechat", verify)
    app.router.add_post("/wechat", receive)
