"""`POST /pay/notify` and `POST /pay/refund-notify`: WeChat Pay's door.

A notification is believed only after every check, in this order, each refusing with 4xx and
`{"code": "FAIL", "message": ...}` (WeChat Pay then sends it again, for about 24 hours):

1. `Wechatpay-Signature` verifies over timestamp, nonce and the body as received, with the
   public key `Wechatpay-Serial` names (an unknown serial is refused; nothing is fetched);
2. `Wechatpay-Timestamp` is within five minutes of now (a replayed notification is old);
3. the body is JSON, and its `resource` decrypts with the APIv3 key (AEAD_AES_256_GCM: a
   wrong tag means someone changed it);
4. the payment or refund is ours and agrees with what we stored: appid, mchid, out_trade_no
   and the amount in fen (`domain.payments.apply_payment` / `domain.refunds.apply_refund`).

Then it is applied exactly once (a conditional UPDATE: WeChat Pay repeats notifications and
may send one several times at once) and answered 204 with no body. A notification seen before
is answered the same. A failure of ours is 500 and WeChat Pay tries again; never a traceback.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.keys import CLOCK, PAY_KEYS, PAY_STATS, SESSIONS, WAKEUPS
from bot.pay import messages
from bot.wechat.pay_protocol import AEAD_AES_256_GCM, PayKeys, PayProtocolError
from domain import payments, refunds
from domain.billing import RefundStatus
from domain.payments import Applied, NotificationRejected
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

# WeChat Pay's notifications are a few hundred bytes; a body this large is not one.
MAX_BODY = 16 * 1024
PAID_EVENT = "TRANSACTION.SUCCESS"
REFUND_EVENTS = {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}
# What WeChat Pay's logs show the merchant-platform user (they read Chinese).
REJECTIONS = {
    "unknown_order": (404, "订单不存在"),
    "unknown_refund": (404, "退款单不存在"),
    "amount_mismatch": (400, "金额与订单不符"),
    "appid_mismatch": (400, "appid与订单不符"),
    "mchid_mismatch": (400, "商户号与订单不符"),
    "trade_mismatch": (400, "退款单与订单不符"),
}


@dataclass
class PayStats:
    """Counts since start (readiness and tests read them)."""

    paid: int = 0
    duplicate: int = 0
    review: int = 0
    ignored: int = 0
    refunds: int = 0
    refused: int = 0  # signature, time, body, decryption
    rejected: int = 0  # verified, but not ours or not what we stored
    failed: int = 0  # our fault: WeChat Pay will try again


def fail(status: int, message: str) -> web.Response:
    return web.json_response({"code": "FAIL", "message": message}, status=status)


def ok() -> web.Response:
    return web.Response(status=204)


class Refused(Exception):
    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(reason)
        self.response = fail(status, message)
        self.reason = reason


def open_notification(
    keys: PayKeys, headers: Any, body: bytes, now: float
) -> tuple[dict[str, Any], Any]:
    """Checks 1-3: the notification's envelope and its decrypted resource, or `Refused`."""
    try:
        keys.platform.check(headers, body, now)
    except PayProtocolError as exc:
        raise Refused(401, "验签失败", exc.reason) from None
    try:
        envelope = json.loads(body)
    except ValueError:
        raise Refused(400, "报文不是JSON", "body is not JSON") from None
    resource = envelope.get("resource") if isinstance(envelope, dict) else None
    if not isinstance(resource, dict):
        raise Refused(400, "报文缺少resource", "no resource")
    if resource.get("algorithm") != AEAD_AES_256_GCM:
        raise Refused(400, "不支持的加密算法", f"algorithm {str(resource.get('algorithm'))[:30]}")
    fields = (resource.get("nonce"), resource.get("ciphertext"), resource.get("associated_data"))
    if not all(isinstance(f, str) for f in fields[:2]) or not isinstance(fields[2], str | None):
        raise Refused(400, "resource字段不全", "resource fields")
    try:
        plain = keys.cipher.decrypt(str(fields[0]), str(fields[1]), fields[2] or "")
        return envelope, json.loads(plain)
    except PayProtocolError as exc:
        raise Refused(400, "解密失败", exc.reason) from None
    except ValueError:
        raise Refused(400, "resource不是JSON", "resource is not JSON") from None


async def _read(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "报文过大", f"{request.content_length} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(8192):
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise Refused(413, "报文过大", "body too large")
    return bytes(body)


async def _opened(request: web.Request) -> tuple[dict[str, Any], Any]:
    body = await _read(request)
    now = request.app[CLOCK].now().timestamp()
    return open_notification(request.app[PAY_KEYS], request.headers, body, now)


def _rejected(request: web.Request, what: str, exc: NotificationRejected) -> web.Response:
    request.app[PAY_STATS].rejected += 1
    log.error("%s rejected: %s", what, exc)
    status, message = REJECTIONS.get(exc.code, (400, "与订单不符"))
    return fail(status, message)


async def pay_notify(request: web.Request) -> web.Response:
    stats = request.app[PAY_STATS]
    try:
        envelope, resource = await _opened(request)
        event = envelope.get("event_type")
        if event != PAID_EVENT:
            stats.ignored += 1
            log.info("pay notify: event %r acknowledged, nothing to do", str(event)[:40])
            return ok()
        try:
            tx = messages.transaction(resource)
        except ValueError as exc:
            raise Refused(400, "报文字段不全", str(exc)) from None
        now = request.app[CLOCK].now()
        async with SqlUnitOfWork(request.app[SESSIONS]) as uow:
            try:
                applied = await payments.apply_payment(uow, tx, now)
            except NotificationRejected as exc:
                return _rejected(request, "pay notify", exc)
            await uow.commit()
    except Refused as exc:
        stats.refused += 1
        log.warning("pay notify refused from %s: %s", request.remote, exc.reason)
        return exc.response
    except Exception:
        stats.failed += 1
        log.exception("pay notify failed; WeChat Pay will send it again")
        return fail(500, "系统繁忙，请稍后重试")
    if applied is Applied.PAID:
        stats.paid += 1
        log.info("order %s paid (%s fen)", tx.out_trade_no, tx.total_fen)
    elif applied is Applied.DUPLICATE:
        stats.duplicate += 1
    elif applied is Applied.REVIEW:
        stats.review += 1
    else:
        stats.ignored += 1
    if applied in (Applied.PAID, Applied.REVIEW):
        request.app[WAKEUPS].turn_queued_work()  # the notices it queued
    return ok()


async def refund_notify(request: web.Request) -> web.Response:
    stats = request.app[PAY_STATS]
    try:
        envelope, resource = await _opened(request)
        event = envelope.get("event_type")
        if event not in REFUND_EVENTS:
            stats.ignored += 1
            log.info("refund notify: event %r acknowledged, nothing to do", str(event)[:40])
            return ok()
        try:
            result = messages.refund(resource)
        except ValueError as exc:
            raise Refused(400, "报文字段不全", str(exc)) from None
        async with SqlUnitOfWork(request.app[SESSIONS]) as uow:
            try:
                status = await refunds.apply_refund(uow, result, request.app[CLOCK].now())
            except NotificationRejected as exc:
                return _rejected(request, "refund notify", exc)
            await uow.commit()
    except Refused as exc:
        stats.refused += 1
        log.warning("refund notify refused from %s: %s", request.remote, exc.reason)
        return exc.response
    except Exception:
        stats.failed += 1
        log.exception("refund notify failed; WeChat Pay will send it again")
        return fail(500, "系统繁忙，请稍后重试")
    stats.refunds += 1
    if status is not RefundStatus.PROCESSING:
        request.app[WAKEUPS].turn_queued_work()
    return ok()
