"""Self-made WeChat Pay keys for tests: a merchant key pair, a platform key pair (WeChat Pay's
side) and an APIv3 key, written as PEM files the settings point at, and notifications signed
and sealed as WeChat Pay sends them."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bot.wechat.pay_protocol import ApiV3Cipher, private_pem, public_pem, signature_headers

APIV3_KEY = "Tests0nlyApiV3Key0123456789abcde"  # 32 characters
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026TEST0000001"
CERT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD00000001"
MCHID = "1900000109"


@functools.cache
def key(role: str) -> RSAPrivateKey:
    """One 2048-bit key per role per test run ("merchant", "platform", "stranger")."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class KeyFiles:
    folder: Path

    @property
    def env(self) -> dict[str, str]:
        """The settings of a merchant whose WeChat Pay is the sandbox emulator, signing with
        the platform key these tests hold too."""
        return {
            "WECHAT_PAY_MCHID": MCHID,
            "WECHAT_PAY_APIV3_KEY": APIV3_KEY,
            "WECHAT_PAY_PRIVATE_KEY_PATH": str(self.folder / "apiclient_key.pem"),
            "WECHAT_PAY_CERT_SERIAL": CERT_SERIAL,
            "WECHAT_PAY_PUBLIC_KEY_PATH": str(self.folder / "pub_key.pem"),
            "WECHAT_PAY_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
            "SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH": str(self.folder / "platform_key.pem"),
        }

    @property
    def settings_fields(self) -> dict[str, str]:
        env = self.env
        return {
            "wechat_pay_mchid": env["WECHAT_PAY_MCHID"],
            "wechat_pay_apiv3_key": env["WECHAT_PAY_APIV3_KEY"],
            "wechat_pay_private_key_path": env["WECHAT_PAY_PRIVATE_KEY_PATH"],
            "wechat_pay_cert_serial": env["WECHAT_PAY_CERT_SERIAL"],
            "wechat_pay_public_key_path": env["WECHAT_PAY_PUBLIC_KEY_PATH"],
            "wechat_pay_public_key_id": env["WECHAT_PAY_PUBLIC_KEY_ID"],
            "sandbox_pay_platform_key_path": env["SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH"],
        }


def write_keys(folder: Path) -> KeyFiles:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apiclient_key.pem").write_bytes(private_pem(key("merchant")))
    (folder / "platform_key.pem").write_bytes(private_pem(key("platform")))
    (folder / "pub_key.pem").write_bytes(public_pem(key("platform").public_key()))
    return KeyFiles(folder)


def notification(
    resource: dict[str, Any],
    timestamp: int,
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    original_type: str = "transaction",
    signer: RSAPrivateKey | None = None,
    serial: str = PUBLIC_KEY_ID,
    apiv3_key: str = APIV3_KEY,
    body: bytes | None = None,
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of a notification as WeChat Pay sends it: `resource` sealed with the
    APIv3 key, the body signed with the platform key. A given `body` is signed instead of
    the JSON envelope."""
    sealed = ApiV3Cipher(apiv3_key).encrypt(
        json.dumps(resource, ensure_ascii=False).encode(), associated_data=original_type
    )
    envelope = {
        "id": "EV-2026010112345678",
        "create_time": "2026-01-01T10:00:00+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {**sealed, "original_type": original_type},
    }
    raw = body if body is not None else json.dumps(envelope, ensure_ascii=False).encode()
    headers = signature_headers(signer or key("platform"), serial, raw, timestamp)
    headers["Content-Type"] = "application/json"
    return headers, raw
