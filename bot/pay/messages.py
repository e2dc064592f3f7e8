"""WeChat Pay's JSON, read into the domain's values: a transaction (a query's answer or a
payment notification's resource) and a refund (the refund API's answer, a query's, or a refund
notification's resource). Anything missing or malformed raises `ValueError`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.billing import RefundResult, RefundStatus, TradeState, Transaction


def _text(data: dict[str, Any], key: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{key} missing or not text")
    return value


def _fen(amount: Any, key: str) -> int:
    if not isinstance(amount, dict):
        raise ValueError("amount missing")
    value = amount.get(key)
    if type(value) is not int or value < 0:
        raise ValueError(f"amount.{key} is not a whole number of fen")
    return value


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if not isinstance(value, str):
        raise ValueError("a time that is not text")
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("a time without its zone")
    return at


def transaction(data: Any) -> Transaction:
    if not isinstance(data, dict):
        raise ValueError("a transaction is an object")
    amount = data.get("amount")
    payer = data.get("payer")
    payer = payer if isinstance(payer, dict) else {}
    currency = amount.get("currency") if isinstance(amount, dict) else None
    state = TradeState(_text(data, "trade_state"))
    return Transaction(
        appid=_text(data, "appid"),
        mchid=_text(data, "mchid"),
        out_trade_no=_text(data, "out_trade_no"),
        transaction_id=_text(data, "transaction_id", required=state.paid),
        trade_state=state,
        total_fen=_fen(amount, "total"),
        currency=str(currency or "CNY"),
        payer_openid=str(payer.get("openid") or ""),
        success_time=_time(data.get("success_time")),
    )


def refund(data: Any) -> RefundResult:
    if not isinstance(data, dict):
        raise ValueError("a refund is an object")
    # The API says `status`; a refund notification says `refund_status`.
    status = data.get("refund_status") or data.get("status")
    amount = data.get("amount")
    return RefundResult(
        mchid=_text(data, "mchid", required=False),
        out_trade_no=_text(data, "out_trade_no"),
        out_refund_no=_text(data, "out_refund_no"),
        refund_id=_text(data, "refund_id", required=False),
        status=RefundStatus(str(status)),
        refund_fen=_fen(amount, "refund"),
        total_fen=_fen(amount, "total"),
        success_time=_time(data.get("success_time")),
    )
