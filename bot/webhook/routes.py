"""`/wechat`: WeChat's door. Verifies (constant-time signatures, fresh timestamps), bounds the
body, decrypts (安全模式, with key rotation), parses defensively and hands the message to the
pipeline. Hostile or malformed bodies get `success` (403 for a bad signature, a plaintext body
in safe mode, or a replayed signature with another body) and one log line; never a 500, never
a stack trace. A message that could not be kept anywhere gets 503, so WeChat delivers it again.

Message modes (`WECHAT_MSG_MODE`, see `bot.settings`): in safe mode only 安全模式 bodies are
accepted, whose `msg_signature` covers the body. A plaintext body is authenticated by a
signature over token, timestamp and nonce only; in compat and plain mode such a body is taken
only when it carries no encrypted field and its (timestamp, nonce, signature) was never seen
with another body (`storage.nonces`)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.keys import CLOCK, CRYPTO, NONCES, PIPELINE, SESSIONS, SETTINGS
from bot.webhook.pipeline import NotKept
from bot.wechat.protocol import (
    BadMessage,
    Envelope,
    check_message,
    dedup_key,
    new_nonce,
    parse_lenient,
    render_reply,
    signature_ok,
)
from handlers import texts
from handlers.replies import Text
from storage.nonces import RedisNonceMemory, SqlNonceMemory

log = logging.getLogger(__name__)

SUCCESS = "success"
# Bodies between the limit and this many times it are read to say "too long" kindly; larger
# ones are not read at all.
OVERSIZE_FACTOR = 4


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
    if not env.encrypted and settings.wechat_msg_mode == "safe":
        log.warning("wechat: plaintext POST refused in safe mode from %s", request.remote)
        return _text("forbidden", 403)
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
    limit = settings.max_body_bytes * OVERSIZE_FACTOR
    if request.content_length is not None and request.content_length > limit:
        log.warning("wechat: body of %s bytes refused", request.content_length)
        return _text(SUCCESS)
    body = await _read_at_most(request, limit + 1)
    if len(body) > limit:
        log.warning("wechat: body over %s bytes refused", limit)
        return _text(SUCCESS)
    try:
        fields = parse_lenient(body)
        if env.encrypted:
            encrypted = fields.get("Encrypt", "")
            if not encrypted:
                raise BadMessage("encrypted request without <Encrypt>")
            parts = (settings.wechat_token, env.timestamp, env.nonce, encrypted)
            if not signature_ok(parts, env.msg_signature):
                log.warning("wechat: bad msg_signature from %s", request.remote)
                return _text("forbidden", 403)
            fields = parse_lenient(request.app[CRYPTO].decrypt(encrypted).encode())
        else:
            if "Encrypt" in fields:
                # WeChat puts ciphertext only in requests it marks encrypt_type=aes.
                log.warning("wechat: plaintext request carrying <Encrypt> from %s", request.remote)
                return _text("forbidden", 403)
            triple = f"{env.timestamp}:{env.nonce}:{env.signature}"
            digest = hashlib.sha256(body).hexdigest()
            now = request.app[CLOCK].now()
            ttl = settings.timestamp_tolerance_s * 2
            if not await request.app[NONCES].admit(triple, digest, now, ttl):
                log.warning("wechat: signature replayed with another body from %s", request.remote)
                return _text("forbidden", 403)
        check_message(fields)
    except BadMessage as exc:
        log.warning("wechat: refused body: %s", exc.reason)
        return _text(SUCCESS)
    if len(body) > settings.max_body_bytes:
        log.warning("wechat: over-long message of %s bytes answered, not handled", len(body))
        reply = Text(texts.MESSAGE_TOO_LONG)
        now_s = int(request.app[CLOCK].now().timestamp())
        return _reply(
            request, env, render_reply(reply, fields["FromUserName"], fields["ToUserName"], now_s)
        )
    try:
        reply_xml = await request.app[PIPELINE].receive(fields, dedup_key(fields))
    except NotKept:
        # Not durable anywhere: no acknowledgement, so WeChat delivers it again.
        return _text("busy", 503)
    if not reply_xml:
        return _text(SUCCESS)
    return _reply(request, env, reply_xml)


async def _read_at_most(request: web.Request, limit: int) -> bytes:
    """The body, or its first `limit` bytes: a single `read(n)` returns only what has arrived
    so far, and a message split across packets would be cut short."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await request.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _reply(request: web.Request, env: Envelope, reply_xml: str) -> web.Response:
    if env.encrypted:
        return _xml(request.app[CRYPTO].encrypt(reply_xml, new_nonce(), env.timestamp))
    return _xml(reply_xml)


async def nonce_ctx(app: web.Application) -> AsyncIterator[None]:
    """Where plaintext deliveries' signatures are remembered: Redis when configured."""
    settings = app[SETTINGS]
    if settings.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(settings.redis_url)
        app[NONCES] = RedisNonceMemory(redis)
        try:
            yield
        finally:
            await redis.aclose()
    else:
        app[NONCES] = SqlNonceMemory(app[SESSIONS])
        yield


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(nonce_ctx)
    app.router.add_get("/wechat", verify)
    app.router.add_post("/wechat", receive)
