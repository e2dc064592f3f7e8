"""A stand-in for WeChat Pay API v3 (api.mch.weixin.qq.com), mounted at `/sandbox/pay/v3/...`,
for the calls the app makes: JSAPI and Native orders, query and close by out_trade_no, refunds
and refund queries. Like WeChat Pay it

- refuses a request whose `Authorization` does not verify with the merchant's public key
  (401 SIGN_ERROR), names another merchant, or is more than five minutes old;
- checks what WeChat Pay checks: the appid and mchid, amounts in whole fen, CNY, out_trade_no's
  characters, a payer for JSAPI, a notify_url without a query; a reused out_trade_no with
  other terms is OUT_TRADE_NO_USED, closing a paid order ORDERPAID, refunding more than is
  left NOT_ENOUGH;
- signs every answer with its platform private key (`Wechatpay-Serial` = the public key id),
  and sends notifications signed the same way, their `resource` sealed with the merchant's
  APIv3 key (AEAD_AES_256_GCM), to the notify_url the order was created with.

The sandbox's own JSON API drives it as payers and WeChat's servers would:

- `GET  /sandbox/api/pay/orders`                      the orders the app created, oldest first;
- `POST /sandbox/api/pay/orders/{out_trade_no}/pay`   {openid?, lose_notification?}: the payer
  pays; the notification is sent (and its answer returned) unless it is to be lost;
- `POST /sandbox/api/pay/orders/{out_trade_no}/notify`  send the notification again (WeChat Pay
  repeats itself for about 24 hours);
- `POST /sandbox/api/pay/lose-notifications`           {count}: lose the next `count`
  notifications (the active query must then find the payments);
- `POST /sandbox/api/pay/bridge`                       what `getBrandWCPayRequest` gets from the
  checkout page, plus the payer's openid: the paySign is verified, then the order is paid;
- `GET  /sandbox/api/pay/refunds`, `POST /sandbox/api/pay/refunds/{out_refund_no}/settle`
  {status?, lose_notification?}: refunds, and settling one (else they settle by themselves
  after `refund_delay_s`);
- `GET  /sandbox/api/pay/public-key`                   the platform public key and its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.pay_keys import SandboxPay
from bot.wechat.pay_protocol import (
    TOLERANCE_S,
    parse_authorization,
    public_pem,
    rsa_verify,
    signature_headers,
    signed_lines,
)
from domain.billing import TradeState, valid_out_refund_no, valid_out_trade_no
from domain.clock import Clock, local

log = logging.getLogger(__name__)

PREFIX = "/sandbox/pay"
MAX_ORDERS = 10_000  # a long-running sandbox keeps the newest ones
TRADE_STATE_ZH = {
    TradeState.SUCCESS: "支付成功",
    TradeState.REFUND: "转入退款",
    TradeState.NOTPAY: "未支付",
    TradeState.CLOSED: "已关闭",
    TradeState.REVOKED: "已撤销",
    TradeState.USERPAYING: "用户支付中",
    TradeState.PAYERROR: "支付失败",
}

Http = Callable[[], aiohttp.ClientSession]


def _rfc3339(at: datetime) -> str:
    return local(at).isoformat(timespec="seconds")


@dataclass
class EmulatedOrder:
    out_trade_no: str
    appid: str
    mchid: str
    channel: str  # "JSAPI" or "NATIVE"
    description: str
    amount_fen: int
    notify_url: str
    created_at: datetime
    time_expire: datetime | None
    payer_openid: str | None
    prepay_id: str | None = None
    code_url: str | None = None
    state: TradeState = TradeState.NOTPAY
    transaction_id: str | None = None
    success_time: datetime | None = None
    refunded_fen: int = 0  # asked for and not closed
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def transaction(self) -> dict[str, Any]:
        """What a query answers and a notification's resource holds."""
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_type": self.channel,
            "trade_state": self.state.value,
            "trade_state_desc": TRADE_STATE_ZH[self.state],
            "attach": "",
            "amount": {"total": self.amount_fen, "currency": "CNY"},
        }
        if self.state.paid:
            data.update(
                transaction_id=self.transaction_id,
                bank_type="OTHERS",
                success_time=_rfc3339(self.success_time) if self.success_time else None,
                payer={"openid": self.payer_openid or ""},
            )
            data["amount"].update(payer_total=self.amount_fen, payer_currency="CNY")
        return data

    def view(self) -> dict[str, Any]:
        return {
            "out_trade_no": self.out_trade_no,
            "channel": self.channel,
            "amount_fen": self.amount_fen,
            "description": self.description,
            "appid": self.appid,
            "mchid": self.mchid,
            "payer_openid": self.payer_openid,
            "notify_url": self.notify_url,
            "state": self.state.value,
            "transaction_id": self.transaction_id,
            "prepay_id": self.prepay_id,
            "code_url": self.code_url,
            "created_at": _rfc3339(self.created_at),
            "notifications": list(self.notifications),
        }


@dataclass
class EmulatedRefund:
    out_refund_no: str
    out_trade_no: str
    refund_id: str
    amount_fen: int
    total_fen: int
    notify_url: str
    created_at: datetime
    status: str = "PROCESSING"
    success_time: datetime | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, order: EmulatedOrder) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": _rfc3339(self.created_at),
            "success_time": _rfc3339(self.success_time) if self.success_time else None,
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total_fen,
                "refund": self.amount_fen,
                "payer_total": self.total_fen,
                "payer_refund": self.amount_fen,
                "currency": "CNY",
            },
        }

    def view(self) -> dict[str, Any]:
        return {
            "out_refund_no": self.out_refund_no,
            "out_trade_no": self.out_trade_no,
            "refund_id": self.refund_id,
            "amount_fen": self.amount_fen,
            "total_fen": self.total_fen,
            "status": self.status,
            "notify_url": self.notify_url,
            "notifications": list(self.notifications),
        }


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


class PayEmulator:
    def __init__(
        self,
        keys: SandboxPay,
        appid: str,
        clock: Clock,
        http: Http,
        refund_delay_s: float | None = 0.05,
    ) -> None:
        self.keys = keys
        self.appid = appid
        self.clock = clock
        self.http = http
        # Refunds settle (SUCCESS) this long after they are asked for; None: only by hand.
        self.refund_delay_s = refund_delay_s
        self.orders: OrderedDict[str, EmulatedOrder] = OrderedDict()
        self.refunds: dict[str, EmulatedRefund] = {}
        self.lose_notifications = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ids = secrets.randbelow(10**9)

    @property
    def mchid(self) -> str:
        return self.keys.mchid

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{local(self.clock.now()):%Y%m%d}{self._ids:010d}"

    # --- WeChat Pay's side of the wire ---------------------------------------------------

    def _signed(self, status: int, data: dict[str, Any] | None) -> web.Response:
        body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
        headers = signature_headers(
            self.keys.platform_key,
            self.keys.platform_key_id,
            body,
            int(self.clock.now().timestamp()),
        )
        headers["Request-ID"] = secrets.token_hex(16)
        if data is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            status=status, body=body, headers=headers, content_type="application/json"
        )

    def _error(self, exc: ApiError) -> web.Response:
        return self._signed(exc.status, {"code": exc.code, "message": exc.message})

    def _verify(self, request: web.Request, body: bytes) -> None:
        auth = parse_authorization(request.headers.get("Authorization", ""))
        if auth is None:
            raise ApiError(401, "SIGN_ERROR", "Authorization 缺失或认证类型不正确")
        if auth.get("mchid") != self.mchid:
            raise ApiError(401, "SIGN_ERROR", "商户号与签名不符")
        key = self.keys.merchant_keys.get(auth.get("serial_no", ""))
        if key is None:
            raise ApiError(401, "SIGN_ERROR", "商户证书序列号有误")
        timestamp = auth.get("timestamp", "")
        if not timestamp.isdigit() or abs(self.clock.now().timestamp() - int(timestamp)) > (
            TOLERANCE_S
        ):
            raise ApiError(401, "SIGN_ERROR", "请求时间戳过期")
        url = request.raw_path.removeprefix(PREFIX)
        head = signed_lines(request.method, url, timestamp, auth.get("nonce_str", ""))
        if not rsa_verify(key, head + body + b"\n", auth.get("signature", "")):
            raise ApiError(401, "SIGN_ERROR", "签名错误")
        if not request.headers.get("User-Agent"):
            raise ApiError(400, "INVALID_REQUEST", "请求缺少User-Agent")

    def _api(
        self, handler: Callable[[web.Request, Any], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def wrapped(request: web.Request) -> web.Response:
            body = await request.read()
            try:
                self._verify(request, body)
                try:
                    data = json.loads(body) if body else None
                except ValueError:
                    raise ApiError(400, "PARAM_ERROR", "请求体不是JSON") from None
                if body and not isinstance(data, dict):
                    raise ApiError(400, "PARAM_ERROR", "请求体不是JSON对象")
                return await handler(request, data)
            except ApiError as exc:
                return self._error(exc)

        return wrapped

    def _order_terms(self, channel: str, data: Any) -> EmulatedOrder:
        if not isinstance(data, dict):
            raise ApiError(400, "PARAM_ERROR", "缺少请求体")
        if data.get("appid") != self.appid or data.get("mchid") != self.mchid:
            raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        description, no = data.get("description"), data.get("out_trade_no")
        if not isinstance(description, str) or not 0 < len(description) <= 127:
            raise ApiError(400, "PARAM_ERROR", "description 长度须为1-127")
        if not isinstance(no, str) or not valid_out_trade_no(no):
            raise ApiError(400, "PARAM_ERROR", "out_trade_no 只能是6-32位数字、字母、_-*")
        notify_url = data.get("notify_url")
        if not isinstance(notify_url, str) or not notify_url.startswith(("https://", "http://")):
            raise ApiError(400, "PARAM_ERROR", "notify_url 格式不正确")
        if "?" in notify_url:
            raise ApiError(400, "PARAM_ERROR", "notify_url 不能携带参数")
        amount = data.get("amount")
        if not isinstance(amount, dict):
            raise ApiError(400, "PARAM_ERROR", "缺少amount")
        total = amount.get("total")
        if type(total) is not int or total <= 0:
            raise ApiError(400, "PARAM_ERROR", "amount.total 须为大于0的整数（分）")
        if amount.get("currency", "CNY") != "CNY":
            raise ApiError(400, "PARAM_ERROR", "currency 仅支持CNY")
        payer = data.get("payer") if isinstance(data.get("payer"), dict) else None
        openid = payer.get("openid") if payer else None
        if channel == "JSAPI" and (not isinstance(openid, str) or not openid):
            raise ApiError(400, "PARAM_ERROR", "JSAPI下单须提供payer.openid")
        expire: datetime | None = None
        if data.get("time_expire") is not None:
            try:
                expire = datetime.fromisoformat(str(data["time_expire"]))
            except ValueError:
                raise ApiError(400, "PARAM_ERROR", "time_expire 格式不正确") from None
            if expire.tzinfo is None:
                raise ApiError(400, "PARAM_ERROR", "time_expire 须带时区")
        return EmulatedOrder(
            out_trade_no=no,
            appid=self.appid,
            mchid=self.mchid,
            channel=channel,
            description=description,
            amount_fen=total,
            notify_url=notify_url,
            created_at=self.clock.now(),
            time_expire=expire,
            payer_openid=openid if channel == "JSAPI" else None,
        )

    async def create(self, request: web.Request, data: Any) -> web.Response:
        channel = request.match_info["channel"].upper()
        new = self._order_terms(channel, data)
        old = self.orders.get(new.out_trade_no)
        if old is not None:
            if old.state.paid:
                raise ApiError(400, "ORDERPAID", "该订单已支付")
            if old.state is TradeState.CLOSED:
                raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
            same = (old.channel, old.amount_fen, old.description, old.payer_openid) == (
                new.channel,
                new.amount_fen,
                new.description,
                new.payer_openid,
            )
            if not same:
                raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
            new = old
        else:
            self.orders[new.out_trade_no] = new
            while len(self.orders) > MAX_ORDERS:
                self.orders.popitem(last=False)
        if channel == "JSAPI":
            new.prepay_id = f"wx{local(self.clock.now()):%d%H%M%S}{secrets.token_hex(13)}"
            return self._signed(200, {"prepay_id": new.prepay_id})
        new.code_url = new.code_url or f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"
        return self._signed(200, {"code_url": new.code_url})

    def _order(self, out_trade_no: str) -> EmulatedOrder:
        order = self.orders.get(out_trade_no)
        if order is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    async def query(self, request: web.Request, data: Any) -> web.Response:
        if request.query.get("mchid") != self.mchid:
            raise ApiError(400, "MCH_NOT_EXISTS", "商户号不存在")
        order = self._order(request.match_info["out_trade_no"])
        return self._signed(200, order.transaction())

    async def close(self, request: web.Request, data: Any) -> web.Response:
        if not isinstance(data, dict) or data.get("mchid") != self.mchid:
            raise ApiError(400, "PARAM_ERROR", "mchid 不正确")
        order = self._order(request.match_info["out_trade_no"])
        if order.state.paid:
            raise ApiError(400, "ORDERPAID", "订单已支付，不能关闭")
        order.state = TradeState.CLOSED
        return self._signed(204, None)

    async def refund(self, request: web.Request, data: Any) -> web.Response:
        if not isinstance(data, dict):
            raise ApiError(400, "PARAM_ERROR", "缺少请求体")
        no, refund_no = data.get("out_trade_no"), data.get("out_refund_no")
        if not isinstance(refund_no, str) or not valid_out_refund_no(refund_no):
            raise ApiError(400, "PARAM_ERROR", "out_refund_no 格式不正确")
        order = self.orders.get(str(no))
        if order is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if not order.state.paid:
            raise ApiError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        amount = data.get("amount")
        if not isinstance(amount, dict):
            raise ApiError(400, "PARAM_ERROR", "缺少amount")
        refund_fen, total = amount.get("refund"), amount.get("total")
        if type(refund_fen) is not int or refund_fen <= 0 or total != order.amount_fen:
            raise ApiError(400, "PARAM_ERROR", "退款金额或订单金额不正确")
        old = self.refunds.get(refund_no)
        if old is not None:
            if (old.out_trade_no, old.amount_fen) != (order.out_trade_no, refund_fen):
                raise ApiError(400, "INVALID_REQUEST", "退款单号重复")
            return self._signed(200, old.answer(order))
        if order.refunded_fen + refund_fen > order.amount_fen:
            raise ApiError(403, "NOT_ENOUGH", "可退金额不足")
        notify_url = data.get("notify_url")
        refund = EmulatedRefund(
            out_refund_no=refund_no,
            out_trade_no=order.out_trade_no,
            refund_id=self._next_id("5030"),
            amount_fen=refund_fen,
            total_fen=order.amount_fen,
            notify_url=notify_url if isinstance(notify_url, str) else "",
            created_at=self.clock.now(),
        )
        self.refunds[refund_no] = refund
        order.refunded_fen += refund_fen
        if self.refund_delay_s is not None:
            self._later(self.refund_delay_s, self.settle_refund(refund_no, "SUCCESS"))
        return self._signed(200, refund.answer(order))

    async def refund_query(self, request: web.Request, data: Any) -> web.Response:
        refund = self.refunds.get(request.match_info["out_refund_no"])
        if refund is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return self._signed(200, refund.answer(self.orders[refund.out_trade_no]))

    # --- what payers and WeChat Pay's servers do -------------------------------------------

    def pay(self, out_trade_no: str, openid: str | None = None) -> EmulatedOrder:
        """The payer completes the payment (no notification yet)."""
        order = self.orders.get(out_trade_no)
        if order is None:
            raise KeyError(out_trade_no)
        if order.state is not TradeState.NOTPAY:
            raise ValueError(f"the order is {order.state.value}")
        now = self.clock.now()
        if order.time_expire is not None and now >= order.time_expire:
            raise ValueError("the order has expired")
        if order.channel == "JSAPI" and openid and openid != order.payer_openid:
            raise ValueError("a JSAPI order is paid by its payer only")
        order.payer_openid = order.payer_openid or openid or "o_sandbox_payer"
        order.state = TradeState.SUCCESS
        order.transaction_id = self._next_id("4200")
        order.success_time = now
        return order

    def _take_loss(self, lose: bool) -> bool:
        if lose:
            return True
        if self.lose_notifications > 0:
            self.lose_notifications -= 1
            return True
        return False

    async def _deliver(
        self, url: str, event: str, summary: str, original: str, resource: dict[str, Any]
    ) -> dict[str, Any]:
        now = self.clock.now()
        sealed = self.keys.cipher.encrypt(
            json.dumps(resource, ensure_ascii=False).encode(), associated_data=original
        )
        envelope = {
            "id": f"EV-{secrets.token_hex(10)}",
            "create_time": _rfc3339(now),
            "resource_type": "encrypt-resource",
            "event_type": event,
            "summary": summary,
            "resource": {**sealed, "original_type": original},
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        headers = signature_headers(
            self.keys.platform_key, self.keys.platform_key_id, body, int(now.timestamp())
        )
        headers["Content-Type"] = "application/json"
        record: dict[str, Any] = {"at": _rfc3339(now), "event_type": event}
        try:
            async with self.http().post(
                url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                record.update(status=resp.status, answer=(await resp.text())[:200])
        except (aiohttp.ClientError, TimeoutError) as exc:
            record.update(status=None, answer=repr(exc)[:200])
        return record

    async def notify_paid(self, out_trade_no: str, lose: bool = False) -> dict[str, Any]:
        order = self.orders[out_trade_no]
        if self._take_loss(lose):
            record: dict[str, Any] = {"at": _rfc3339(self.clock.now()), "lost": True}
        else:
            record = await self._deliver(
                order.notify_url,
                "TRANSACTION.SUCCESS",
                "支付成功",
                "transaction",
                order.transaction(),
            )
        order.notifications.append(record)
        return record

    async def settle_refund(
        self, out_refund_no: str, status: str = "SUCCESS", lose: bool = False
    ) -> dict[str, Any]:
        refund = self.refunds[out_refund_no]
        order = self.orders[refund.out_trade_no]
        if refund.status != "PROCESSING" and refund.status != "ABNORMAL":
            return {"status": refund.status, "settled_already": True}
        refund.status = status
        if status == "SUCCESS":
            refund.success_time = self.clock.now()
            order.state = TradeState.REFUND
        elif status == "CLOSED":
            order.refunded_fen -= refund.amount_fen
        if not refund.notify_url or self._take_loss(lose):
            record: dict[str, Any] = {"at": _rfc3339(self.clock.now()), "lost": True}
        else:
            resource = {
                "mchid": order.mchid,
                "out_trade_no": order.out_trade_no,
                "transaction_id": order.transaction_id,
                "out_refund_no": refund.out_refund_no,
                "refund_id": refund.refund_id,
                "refund_status": status,
                "success_time": _rfc3339(refund.success_time) if refund.success_time else None,
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": refund.total_fen,
                    "refund": refund.amount_fen,
                    "payer_total": refund.total_fen,
                    "payer_refund": refund.amount_fen,
                },
            }
            summary = {"SUCCESS": "退款成功", "CLOSED": "退款关闭"}.get(status, "退款异常")
            record = await self._deliver(
                refund.notify_url, f"REFUND.{status}", summary, "refund", resource
            )
        refund.notifications.append(record)
        return record

    def _later(self, delay_s: float, work: Awaitable[Any]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay_s)
            try:
                await work
            except Exception:
                log.exception("sandbox WeChat Pay: delayed work failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- the sandbox's JSON API ------------------------------------------------------------

    async def list_orders(self, request: web.Request) -> web.Response:
        return _json([o.view() for o in self.orders.values()])

    async def list_refunds(self, request: web.Request) -> web.Response:
        return _json([r.view() for r in self.refunds.values()])

    async def public_key(self, request: web.Request) -> web.Response:
        key = self.keys.app_keys.platform.keys.get(self.keys.platform_key_id)
        return _json(
            {
                "public_key_id": self.keys.platform_key_id,
                "public_key_pem": public_pem(self.keys.platform_key.public_key()).decode(),
                "app_verifies_with_it": key is not None
                and public_pem(key) == public_pem(self.keys.platform_key.public_key()),
            }
        )

    async def pay_order(self, request: web.Request) -> web.Response:
        data = await _body(request)
        try:
            order = self.pay(request.match_info["out_trade_no"], data.get("openid") or None)
        except KeyError:
            raise web.HTTPNotFound(text="no such order") from None
        except ValueError as exc:
            return _json({"error": str(exc)}, status=409)
        record = await self.notify_paid(order.out_trade_no, bool(data.get("lose_notification")))
        return _json({"order": order.view(), "notification": record})

    async def renotify(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.match_info["out_trade_no"])
        if order is None:
            raise web.HTTPNotFound(text="no such order")
        if not order.state.paid:
            return _json({"error": "the order is not paid"}, status=409)
        return _json({"notification": await self.notify_paid(order.out_trade_no)})

    async def set_losses(self, request: web.Request) -> web.Response:
        data = await _body(request)
        count = data.get("count", 1)
        if type(count) is not int or not 0 <= count <= 1000:
            raise web.HTTPBadRequest(text="count: 0 to 1000")
        self.lose_notifications = count
        return _json({"lose_notifications": count})

    async def bridge(self, request: web.Request) -> web.Response:
        """`getBrandWCPayRequest` as WeChat's browser runs it: the paySign must verify with
        the merchant's key over appId, timeStamp, nonceStr and package."""
        data = await _body(request)
        fields = [str(data.get(k, "")) for k in ("appId", "timeStamp", "nonceStr", "package")]
        prepay_id = fields[3].removeprefix("prepay_id=")
        order = next((o for o in self.orders.values() if o.prepay_id == prepay_id), None)
        problem = ""
        if fields[0] != self.appid:
            problem = "appId 与商户号不匹配"
        elif data.get("signType") != "RSA":
            problem = "signType 须为 RSA"
        elif not any(
            rsa_verify(k, signed_lines(*fields), str(data.get("paySign", "")))
            for k in self.keys.merchant_keys.values()
        ):
            problem = "支付验证签名失败"
        elif order is None or not prepay_id:
            problem = "prepay_id 无效"
        if problem:
            return _json({"err_msg": "get_brand_wcpay_request:fail", "problem": problem})
        assert order is not None
        try:
            self.pay(order.out_trade_no, str(data.get("openid", "")) or None)
        except ValueError as exc:
            return _json({"err_msg": "get_brand_wcpay_request:fail", "problem": str(exc)})
        record = await self.notify_paid(order.out_trade_no, bool(data.get("lose_notification")))
        return _json({"err_msg": "get_brand_wcpay_request:ok", "notification": record})

    async def settle(self, request: web.Request) -> web.Response:
        data = await _body(request)
        no = request.match_info["out_refund_no"]
        status = str(data.get("status", "SUCCESS"))
        if no not in self.refunds:
            raise web.HTTPNotFound(text="no such refund")
        if status not in ("SUCCESS", "CLOSED", "ABNORMAL"):
            raise web.HTTPBadRequest(text="status: SUCCESS, CLOSED or ABNORMAL")
        record = await self.settle_refund(no, status, bool(data.get("lose_notification")))
        return _json({"refund": self.refunds[no].view(), "notification": record})

    def setup(self, app: web.Application) -> None:
        r = app.router
        r.add_post(PREFIX + "/v3/pay/transactions/{channel:jsapi|native}", self._api(self.create))
        r.add_get(
            PREFIX + "/v3/pay/transactions/out-trade-no/{out_trade_no}", self._api(self.query)
        )
        r.add_post(
            PREFIX + "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            self._api(self.close),
        )
        r.add_post(PREFIX + "/v3/refund/domestic/refunds", self._api(self.refund))
        r.add_get(
            PREFIX + "/v3/refund/domestic/refunds/{out_refund_no}", self._api(self.refund_query)
        )
        r.add_get("/sandbox/api/pay/orders", self.list_orders)
        r.add_post("/sandbox/api/pay/orders/{out_trade_no}/pay", self.pay_order)
        r.add_post("/sandbox/api/pay/orders/{out_trade_no}/notify", self.renotify)
        r.add_post("/sandbox/api/pay/lose-notifications", self.set_losses)
        r.add_post("/sandbox/api/pay/bridge", self.bridge)
        r.add_get("/sandbox/api/pay/refunds", self.list_refunds)
        r.add_post("/sandbox/api/pay/refunds/{out_refund_no}/settle", self.settle)
        r.add_get("/sandbox/api/pay/public-key", self.public_key)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="JSON body expected") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return data
