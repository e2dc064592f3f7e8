"""The WeChat Pay API v3 client: aiohttp, every request signed with the merchant's private
key, every answer checked against WeChat Pay's public key before it is believed. It is the
domain's `PayGateway`: JSAPI and Native orders, query, close, refund and refund query.

Requests name the platform key they want answers signed with (`Wechatpay-Serial`, the public
key id), as WeChat Pay asks of merchants on the public-key scheme. The signed URL is the API
path (`/v3/...`) relative to the base, so the same client runs against WeChat Pay, a proxy or
the sandbox's emulator under `/sandbox/pay`."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from bot.pay import messages
from bot.wechat.pay_protocol import PayKeys, PayProtocolError, nonce_str
from domain.billing import (
    Channel,
    OrderRequest,
    Prepay,
    RefundRequest,
    RefundResult,
    Transaction,
)
from domain.clock import Clock, local
from domain.payments import GatewayError
from handlers.payment_texts import order_description

log = logging.getLogger(__name__)

USER_AGENT = "yunkuaiji/0.1 (aiohttp; WeChat Pay API v3)"
TIMEOUT = aiohttp.ClientTimeout(total=10, connect=3)
_NOT_FOUND = {"ORDER_NOT_EXIST", "ORDERNOTEXIST", "RESOURCE_NOT_EXISTS", "NOT_FOUND"}
_PAID = {"ORDERPAID", "ORDER_PAID", "TRADE_STATE_SUCCESS"}
_CLOSED = {"ORDER_CLOSED", "ORDERCLOSED"}
_BUSY = {"SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED", "BANKERROR", "BANK_ERROR"}


class WeChatPayClient:
    """One merchant's WeChat Pay API client (implements `domain.ports.PayGateway`)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        keys: PayKeys,
        appid: str,
        notify_url: str,
        refund_notify_url: str,
        clock: Clock,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self._appid = appid
        self.notify_url = notify_url
        self.refund_notify_url = refund_notify_url
        self.clock = clock
        self.timeout = timeout

    @property
    def appid(self) -> str:
        return self._appid

    @property
    def mchid(self) -> str:
        return self.keys.mchid

    async def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One signed call; (status, parsed JSON or None) of a verified 2xx answer. Raises
        `GatewayError` for refusals (their code mapped), outages and unverifiable answers."""
        url = path + (f"?{urlencode(query)}" if query else "")
        text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        timestamp, nonce = int(self.clock.now().timestamp()), nonce_str()
        headers = {
            "Authorization": self.keys.merchant.authorization(method, url, text, timestamp, nonce),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Wechatpay-Serial": self.keys.platform.current_id,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with self.http.request(
                method,
                self.base_url + url,
                data=text.encode() if body is not None else None,
                headers=headers,
                timeout=self.timeout,
            ) as resp:
                raw = await resp.read()
                status, answer_headers = resp.status, resp.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(
                GatewayError.UNAVAILABLE, f"{method} {path}: {exc!r}", retryable=True
            ) from exc
        if 200 <= status < 300:
            try:
                self.keys.platform.check(answer_headers, raw, self.clock.now().timestamp())
            except PayProtocolError as exc:
                # Not WeChat Pay's word (or not now): believe nothing in it.
                log.error("WeChat Pay answer to %s %s refused: %s", method, path, exc.reason)
                raise GatewayError(
                    GatewayError.UNAVAILABLE, f"unverified answer: {exc.reason}", retryable=True
                ) from None
            if not raw:
                return status, None
            try:
                return status, json.loads(raw)
            except ValueError:
                raise GatewayError(
                    GatewayError.UNAVAILABLE, "answer is not JSON", retryable=True
                ) from None
        raise self._error(status, raw, f"{method} {path}")

    @staticmethod
    def _error(status: int, raw: bytes, what: str) -> GatewayError:
        code, message = "", ""
        try:
            data = json.loads(raw)
            if isinstance(data, dict):
                code, message = str(data.get("code", "")), str(data.get("message", ""))
        except ValueError:
            pass
        detail = f"{what}: HTTP {status} {code} {message}".strip()
        if code in _PAID:
            return GatewayError(GatewayError.ORDER_PAID, detail)
        if code in _CLOSED:
            return GatewayError(GatewayError.ORDER_CLOSED, detail)
        if code in _NOT_FOUND or (status == 404 and not code):
            return GatewayError(GatewayError.ORDER_NOT_FOUND, detail)
        if code in _BUSY or status >= 500 or status == 429:
            return GatewayError(GatewayError.UNAVAILABLE, detail, retryable=True)
        return GatewayError(GatewayError.REFUSED, message or detail)

    async def create_order(self, req: OrderRequest) -> Prepay:
        body: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": order_description(req.bill),
            "out_trade_no": req.out_trade_no,
            "time_expire": local(req.expires_at).isoformat(timespec="seconds"),
            "notify_url": self.notify_url,
            "amount": {"total": req.amount_fen, "currency": "CNY"},
        }
        if req.channel is Channel.JSAPI:
            if not req.payer_openid:
                raise GatewayError(GatewayError.REFUSED, "a JSAPI order needs the payer's openid")
            body["payer"] = {"openid": req.payer_openid}
        _, data = await self.call("POST", f"/v3/pay/transactions/{req.channel.value}", body)
        data = data if isinstance(data, dict) else {}
        if req.channel is Channel.JSAPI and isinstance(data.get("prepay_id"), str):
            return Prepay(prepay_id=data["prepay_id"])
        if req.channel is Channel.NATIVE and isinstance(data.get("code_url"), str):
            return Prepay(code_url=data["code_url"])
        raise GatewayError(GatewayError.UNAVAILABLE, "answer without prepay_id or code_url", True)

    async def query_order(self, out_trade_no: str) -> Transaction | None:
        try:
            _, data = await self.call(
                "GET",
                f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}",
                query={"mchid": self.mchid},
            )
        except GatewayError as exc:
            if exc.code == GatewayError.ORDER_NOT_FOUND:
                return None
            raise
        try:
            return messages.transaction(data)
        except ValueError as exc:
            raise GatewayError(GatewayError.UNAVAILABLE, f"query answer: {exc}", True) from exc

    async def close_order(self, out_trade_no: str) -> None:
        await self.call(
            "POST",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
            {"mchid": self.mchid},
        )

    async def refund(self, req: RefundRequest) -> RefundResult:
        body: dict[str, Any] = {
            "out_trade_no": req.out_trade_no,
            "out_refund_no": req.out_refund_no,
            "notify_url": self.refund_notify_url,
            "amount": {"refund": req.amount_fen, "total": req.total_fen, "currency": "CNY"},
        }
        if req.reason:
            body["reason"] = req.reason
        _, data = await self.call("POST", "/v3/refund/domestic/refunds", body)
        try:
            return messages.refund(data)
        except ValueError as exc:
            raise GatewayError(GatewayError.UNAVAILABLE, f"refund answer: {exc}", True) from exc

    async def query_refund(self, out_refund_no: str) -> RefundResult | None:
        try:
            _, data = await self.call(
                "GET", f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}"
            )
        except GatewayError as exc:
            if exc.code == GatewayError.ORDER_NOT_FOUND:
                return None
            raise
        try:
            return messages.refund(data)
        except ValueError as exc:
            raise GatewayError(GatewayError.UNAVAILABLE, f"refund answer: {exc}", True) from exc
