"""WeChat Pay API v3's protocol, on `cryptography`: the merchant's request signatures
(`WECHATPAY2-SHA256-RSA2048`), WeChat Pay's response and notification signatures
(`Wechatpay-Signature` over timestamp, nonce and body, checked with the platform public key
that `Wechatpay-Serial` names), and the AEAD_AES_256_GCM envelope of notification resources
(the APIv3 key). The client (`bot.pay`) and the sandbox's emulator both speak it, from
either side.

A signed string is lines each ending in "\\n", the last one included:

- a request:  method, URL path with query, timestamp, nonce, body;
- a response or notification:  timestamp, nonce, body (an empty body still ends in "\\n");
- the JSAPI bridge (`getBrandWCPayRequest`):  appId, timeStamp, nonceStr, package.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import load_pem_x509_certificate

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AEAD_AES_256_GCM = "AEAD_AES_256_GCM"
H_SIGNATURE = "Wechatpay-Signature"
H_SERIAL = "Wechatpay-Serial"
H_TIMESTAMP = "Wechatpay-Timestamp"
H_NONCE = "Wechatpay-Nonce"
H_SIGNATURE_TYPE = "Wechatpay-Signature-Type"
# WeChat Pay refuses requests and notifications more than five minutes off; so do we.
TOLERANCE_S = 300
APIV3_KEY_BYTES = 32
GCM_NONCE_BYTES = 12
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


class PayProtocolError(Exception):
    """A message that does not hold up; `reason` is short and fit for a log line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_private_key(pem: bytes) -> RSAPrivateKey:
    """An RSA private key from PEM (PKCS#8 as in apiclient_key.pem, or PKCS#1)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: bytes) -> RSAPublicKey:
    """An RSA public key from PEM: WeChat Pay's public key (pub_key.pem), or a certificate."""
    key = (
        load_pem_x509_certificate(pem).public_key()
        if b"CERTIFICATE" in pem
        else serialization.load_pem_public_key(pem)
    )
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def private_pem(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signed_lines(*parts: str) -> bytes:
    return "".join(f"{p}\n" for p in parts).encode()


def nonce_str() -> str:
    return secrets.token_hex(16).upper()


def rsa_sign(key: RSAPrivateKey, message: bytes) -> str:
    """SHA256 with RSA (PKCS#1 v1.5), base64."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def message_lines(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a response or notification signature covers: timestamp, nonce, body."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


@dataclass(frozen=True)
class MerchantSigner:
    """The merchant's API key pair (apiclient_key.pem) and its certificate serial number."""

    mchid: str
    serial: str
    key: RSAPrivateKey

    def sign(self, *parts: str) -> str:
        return rsa_sign(self.key, signed_lines(*parts))

    def authorization(self, method: str, url: str, body: str, timestamp: int, nonce: str) -> str:
        """The `Authorization` header of a request to `url` (path and query, no host)."""
        signature = self.sign(method.upper(), url, str(timestamp), nonce, body)
        return (
            f'{SIGNATURE_TYPE} mchid="{self.mchid}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",serial_no="{self.serial}"'
        )


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of a `WECHATPAY2-SHA256-RSA2048 k="v",...` header; None if not one."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SIGNATURE_TYPE:
        return None
    return dict(_AUTH_FIELD.findall(rest))


@dataclass(frozen=True)
class PlatformKeys:
    """WeChat Pay's public keys by the id `Wechatpay-Serial` names (PUB_KEY_ID_..., or a
    platform certificate's serial). `current_id` is the one requests ask responses to be
    signed with."""

    keys: Mapping[str, RSAPublicKey]
    current_id: str

    def check(
        self, headers: Mapping[str, str], body: bytes, now: float, tolerance_s: int = TOLERANCE_S
    ) -> None:
        """Raise `PayProtocolError` unless `headers` sign `body` with a known key, recently."""
        serial = headers.get(H_SERIAL, "")
        signature = headers.get(H_SIGNATURE, "")
        timestamp = headers.get(H_TIMESTAMP, "")
        nonce = headers.get(H_NONCE, "")
        if not (serial and signature and timestamp and nonce):
            raise PayProtocolError("signature headers missing")
        kind = headers.get(H_SIGNATURE_TYPE, SIGNATURE_TYPE)
        if kind != SIGNATURE_TYPE:
            raise PayProtocolError(f"signature type {kind[:40]!r}")
        key = self.keys.get(serial)
        if key is None:
            raise PayProtocolError(f"unknown serial {serial[:64]!r}")
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise PayProtocolError("bad timestamp")
        if abs(now - int(timestamp)) > tolerance_s:
            raise PayProtocolError(f"stale timestamp {timestamp}")
        if not rsa_verify(key, message_lines(timestamp, nonce, body), signature):
            raise PayProtocolError("bad signature")


def signature_headers(
    key: RSAPrivateKey, serial: str, body: bytes, timestamp: int, nonce: str | None = None
) -> dict[str, str]:
    """WeChat Pay's side: the headers that sign a response or notification body."""
    nonce = nonce or nonce_str()
    return {
        H_SERIAL: serial,
        H_TIMESTAMP: str(timestamp),
        H_NONCE: nonce,
        H_SIGNATURE: rsa_sign(key, message_lines(str(timestamp), nonce, body)),
        H_SIGNATURE_TYPE: SIGNATURE_TYPE,
    }


class ApiV3Cipher:
    """AEAD_AES_256_GCM with the merchant's APIv3 key (32 ASCII characters): the envelope of
    notification resources (and of downloaded platform certificates)."""

    def __init__(self, apiv3_key: str) -> None:
        raw = apiv3_key.encode()
        if len(raw) != APIV3_KEY_BYTES:
            raise ValueError(f"the APIv3 key must be {APIV3_KEY_BYTES} bytes")
        self._aes = AESGCM(raw)

    def decrypt(self, nonce: str, ciphertext: str, associated_data: str = "") -> bytes:
        try:
            raw = base64.b64decode(ciphertext, validate=True)
            return self._aes.decrypt(nonce.encode(), raw, associated_data.encode() or None)
        except (InvalidTag, binascii.Error, ValueError):
            raise PayProtocolError("resource does not decrypt (GCM tag)") from None

    def encrypt(
        self, plaintext: bytes, associated_data: str = "", nonce: str = ""
    ) -> dict[str, str]:
        """WeChat Pay's side: a `resource` object for `plaintext`."""
        nonce = nonce or secrets.token_hex(GCM_NONCE_BYTES // 2)
        sealed = self._aes.encrypt(nonce.encode(), plaintext, associated_data.encode() or None)
        return {
            "algorithm": AEAD_AES_256_GCM,
            "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data,
            "nonce": nonce,
        }


@dataclass(frozen=True)
class PayKeys:
    """Everything the app needs to speak WeChat Pay as one merchant."""

    mchid: str
    merchant: MerchantSigner
    platform: PlatformKeys
    cipher: ApiV3Cipher
