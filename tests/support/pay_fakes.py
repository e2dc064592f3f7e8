"""An in-memory WeChat Pay behind the domain's `PayGateway` port: what the payment use cases
see, without HTTP or signatures (those are the real client's and the emulator's tests)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime

from domain.billing import (
    OrderRequest,
    Prepay,
    RefundRequest,
    RefundResult,
    RefundStatus,
    TradeState,
    Transaction,
)
from domain.payments import GatewayError

APPID = "wx_pay_test_appid"
MCHID = "1900000109"


@dataclass
class FakeTrade:
    req: OrderRequest
    state: TradeState = TradeState.NOTPAY
    transaction_id: str = ""
    payer: str = ""
    success_time: datetime | None = None


class FakeGateway:
    def __init__(self, appid: str = APPID, mchid: str = MCHID) -> None:
        self._appid, self._mchid = appid, mchid
        self.trades: dict[str, FakeTrade] = {}
        self.refunds: dict[str, RefundResult] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail: GatewayError | None = None  # raised by every call while set
        self._ids = itertools.count(4200000001)

    @property
    def appid(self) -> str:
        return self._appid

    @property
    def mchid(self) -> str:
        return self._mchid

    def _call(self, name: str, key: str) -> None:
        self.calls.append((name, key))
        if self.fail is not None:
            raise self.fail

    async def create_order(self, req: OrderRequest) -> Prepay:
        self._call("create", req.out_trade_no)
        if req.out_trade_no in self.trades:
            raise GatewayError(GatewayError.REFUSED, "OUT_TRADE_NO_USED")
        self.trades[req.out_trade_no] = FakeTrade(req)
        if req.payer_openid:
            return Prepay(prepay_id=f"wx_prepay_{req.out_trade_no}")
        return Prepay(code_url=f"weixin://wxpay/bizpayurl?pr={req.out_trade_no}")

    def transaction(self, out_trade_no: str) -> Transaction:
        t = self.trades[out_trade_no]
        return Transaction(
            appid=self._appid,
            mchid=self._mchid,
            out_trade_no=out_trade_no,
            transaction_id=t.transaction_id,
            trade_state=t.state,
            total_fen=t.req.amount_fen,
            payer_openid=t.payer,
            success_time=t.success_time,
        )

    def pay(self, out_trade_no: str, at: datetime, payer: str = "o_payer") -> Transaction:
        """The payer pays: what WeChat Pay's notification would then carry."""
        t = self.trades[out_trade_no]
        assert t.state is TradeState.NOTPAY, t.state
        t.state = TradeState.SUCCESS
        t.transaction_id = str(next(self._ids))
        t.payer = t.req.payer_openid or payer
        t.success_time = at
        return self.transaction(out_trade_no)

    async def query_order(self, out_trade_no: str) -> Transaction | None:
        self._call("query", out_trade_no)
        if out_trade_no not in self.trades:
            return None
        return self.transaction(out_trade_no)

    async def close_order(self, out_trade_no: str) -> None:
        self._call("close", out_trade_no)
        t = self.trades.get(out_trade_no)
        if t is None:
            raise GatewayError(GatewayError.ORDER_NOT_FOUND)
        if t.state.paid:
            raise GatewayError(GatewayError.ORDER_PAID, "订单已支付")
        t.state = TradeState.CLOSED

    async def refund(self, req: RefundRequest) -> RefundResult:
        self._call("refund", req.out_refund_no)
        result = RefundResult(
            mchid=self._mchid,
            out_trade_no=req.out_trade_no,
            out_refund_no=req.out_refund_no,
            refund_id=f"5030{next(self._ids)}",
            status=RefundStatus.PROCESSING,
            refund_fen=req.amount_fen,
            total_fen=req.total_fen,
        )
        self.refunds[req.out_refund_no] = result
        return result

    def settle_refund(self, out_refund_no: str, status: RefundStatus, at: datetime) -> RefundResult:
        result = replace(self.refunds[out_refund_no], status=status, success_time=at)
        self.refunds[out_refund_no] = result
        return result

    async def query_refund(self, out_refund_no: str) -> RefundResult | None:
        self._call("query_refund", out_refund_no)
        return self.refunds.get(out_refund_no)
