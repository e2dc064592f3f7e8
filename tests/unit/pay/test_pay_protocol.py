"""WeChat Pay v3's protocol on `cryptography`: request signatures, the checks on answers and
notifications, the APIv3 envelope, the JSAPI paySign, and reading WeChat Pay's JSON."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from bot.pay import messages
from bot.pay.jsapi import bridge_request
from bot.wechat.pay_protocol import (
    ApiV3Cipher,
    MerchantSigner,
    PayProtocolError,
    PlatformKeys,
    load_private_key,
    load_public_key,
    message_lines,
    parse_authorization,
    private_pem,
    public_pem,
    rsa_verify,
    signature_headers,
    signed_lines,
)
from domain.billing import RefundStatus, TradeState
from tests.support.pay_keys import APIV3_KEY, CERT_SERIAL, MCHID, PUBLIC_KEY_ID, key

NOW = 1767232800  # 2026-01-01 10:00 in Shanghai
BODY = b'{"prepay_id":"wx201410272009395522657a690389285100"}'


def platform() -> PlatformKeys:
    return PlatformKeys({PUBLIC_KEY_ID: key("platform").public_key()}, PUBLIC_KEY_ID)


def test_a_request_is_signed_over_its_five_lines() -> None:
    signer = MerchantSigner(MCHID, CERT_SERIAL, key("merchant"))
    body = '{"mchid":"1900000109"}'
    header = signer.authorization("post", "/v3/pay/transactions/jsapi", body, NOW, "N0NCE")
    fields = parse_authorization(header)
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 mchid=")
    assert fields is not None
    assert fields["mchid"] == MCHID and fields["serial_no"] == CERT_SERIAL
    assert fields["timestamp"] == str(NOW) and fields["nonce_str"] == "N0NCE"
    signed = f"POST\n/v3/pay/transactions/jsapi\n{NOW}\nN0NCE\n{body}\n".encode()
    assert rsa_verify(key("merchant").public_key(), signed, fields["signature"])
    assert not rsa_verify(key("stranger").public_key(), signed, fields["signature"])
    assert parse_authorization("Bearer abc") is None


def test_an_answer_signed_by_wechat_pay_holds_up() -> None:
    headers = signature_headers(key("platform"), PUBLIC_KEY_ID, BODY, NOW, "abc")
    platform().check(headers, BODY, NOW + 299)
    empty = signature_headers(key("platform"), PUBLIC_KEY_ID, b"", NOW)  # a 204
    platform().check(empty, b"", NOW)
    assert message_lines(str(NOW), "abc", b"") == f"{NOW}\nabc\n\n".encode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Wechatpay-Signature": None}, "signature headers missing"),
        ({"Wechatpay-Serial": "PUB_KEY_ID_SOMEONE_ELSE"}, "unknown serial"),
        ({"Wechatpay-Timestamp": str(NOW - 301)}, "stale timestamp"),
        ({"Wechatpay-Timestamp": str(NOW + 301)}, "stale timestamp"),
        ({"Wechatpay-Timestamp": "soon"}, "bad timestamp"),
        ({"Wechatpay-Nonce": "other"}, "bad signature"),
        ({"Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc"}, "bad signature"),
        ({"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}, "signature type"),
    ],
)
def test_an_answer_that_does_not_hold_up_is_refused(
    change: dict[str, str | None], reason: str
) -> None:
    headers: dict[str, str] = signature_headers(key("platform"), PUBLIC_KEY_ID, BODY, NOW)
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    with pytest.raises(PayProtocolError) as exc:
        platform().check(headers, BODY, NOW)
    assert exc.value.reason.startswith(reason)


def test_a_changed_body_or_another_key_is_refused() -> None:
    headers = signature_headers(key("platform"), PUBLIC_KEY_ID, BODY, NOW)
    with pytest.raises(PayProtocolError, match="bad signature"):
        platform().check(headers, BODY.replace(b"wx20", b"wx21"), NOW)
    forged = signature_headers(key("stranger"), PUBLIC_KEY_ID, BODY, NOW)
    with pytest.raises(PayProtocolError, match="bad signature"):
        platform().check(forged, BODY, NOW)


def test_the_apiv3_envelope_opens_only_untouched_and_with_the_key() -> None:
    cipher = ApiV3Cipher(APIV3_KEY)
    sealed = cipher.encrypt(b'{"out_trade_no":"F1B1001N1"}', associated_data="transaction")
    assert sealed["algorithm"] == "AEAD_AES_256_GCM" and len(sealed["nonce"]) == 12
    assert cipher.decrypt(sealed["nonce"], sealed["ciphertext"], "transaction").startswith(b"{")
    raw = bytearray(base64.b64decode(sealed["ciphertext"]))
    raw[-1] ^= 1  # the GCM tag
    for nonce, ciphertext, aad in (
        (sealed["nonce"], base64.b64encode(bytes(raw)).decode(), "transaction"),
        (sealed["nonce"], sealed["ciphertext"], "refund"),
        ("000000000000", sealed["ciphertext"], "transaction"),
        (sealed["nonce"], "not base64!", "transaction"),
    ):
        with pytest.raises(PayProtocolError, match="GCM"):
            cipher.decrypt(nonce, ciphertext, aad)
    with pytest.raises(PayProtocolError):
        ApiV3Cipher("X" * 32).decrypt(sealed["nonce"], sealed["ciphertext"], "transaction")
    with pytest.raises(ValueError):
        ApiV3Cipher("too short")


def test_the_jsapi_bridge_is_signed_over_four_lines_by_the_merchant() -> None:
    signer = MerchantSigner(MCHID, CERT_SERIAL, key("merchant"))
    params = bridge_request("wx8888888888888888", "wx2014102720", signer, NOW, "5K8264ILT")
    assert params["package"] == "prepay_id=wx2014102720" and params["signType"] == "RSA"
    assert params["timeStamp"] == str(NOW) and params["appId"] == "wx8888888888888888"
    lines = signed_lines("wx8888888888888888", str(NOW), "5K8264ILT", "prepay_id=wx2014102720")
    assert rsa_verify(key("merchant").public_key(), lines, params["paySign"])


def test_keys_load_from_pem() -> None:
    private = load_private_key(private_pem(key("merchant")))
    assert public_pem(private.public_key()) == public_pem(key("merchant").public_key())
    assert public_pem(load_public_key(public_pem(key("platform").public_key()))) == public_pem(
        key("platform").public_key()
    )
    with pytest.raises(ValueError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")


def test_a_transaction_is_read_in_fen_with_its_zone() -> None:
    tx = messages.transaction(
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "F1B1001N1AB",
            "transaction_id": "4200000001",
            "trade_state": "SUCCESS",
            "success_time": "2026-01-01T10:00:05+08:00",
            "payer": {"openid": "o_1"},
            "amount": {"total": 30000, "payer_total": 29000, "currency": "CNY"},
        }
    )
    assert tx.total_fen == 30000 and tx.trade_state is TradeState.SUCCESS
    assert tx.success_time == datetime(2026, 1, 1, 2, 0, 5, tzinfo=UTC)
    unpaid = messages.transaction(
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "X1234567",
            "trade_state": "NOTPAY",
            "amount": {"total": 1},
        }
    )
    assert unpaid.transaction_id == "" and unpaid.payer_openid == ""


@pytest.mark.parametrize(
    "data",
    [
        [],
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "X1",
            "trade_state": "SUCCESS",
            "transaction_id": "4",
            "amount": {"total": 300.0},
        },
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "X1",
            "trade_state": "PAID",
            "transaction_id": "4",
            "amount": {"total": 300},
        },
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "X1",
            "trade_state": "SUCCESS",
            "amount": {"total": 300},
        },
        {
            "appid": "wx1",
            "mchid": MCHID,
            "out_trade_no": "X1",
            "trade_state": "SUCCESS",
            "transaction_id": "4",
            "amount": {"total": 300},
            "success_time": "2026-01-01T10:00:05",
        },
    ],
)
def test_a_malformed_transaction_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        messages.transaction(data)


def test_a_refund_is_read_from_the_api_and_from_a_notification() -> None:
    api = {
        "out_trade_no": "T1",
        "out_refund_no": "T1R1",
        "refund_id": "5030",
        "status": "PROCESSING",
        "amount": {"refund": 100, "total": 300, "currency": "CNY"},
    }
    note = {**api, "mchid": MCHID, "refund_status": "SUCCESS"}
    del note["status"]
    assert messages.refund(api).status is RefundStatus.PROCESSING
    assert messages.refund(api).mchid == ""
    assert messages.refund(note).status is RefundStatus.SUCCESS
    assert json.dumps(api)  # plain JSON in, domain values out
