"""WeChat Pay keys in the sandbox: the app's side and the emulator's side of one merchant.

Without configuration the emulator draws its own platform key pair at start (once per process)
and the app verifies with its public key; the APIv3 key is the public sandbox one. With
`WECHAT_PAY_PUBLIC_KEY_PATH`, `WECHAT_PAY_PUBLIC_KEY_ID` and `WECHAT_PAY_APIV3_KEY` set, the
app verifies and decrypts with those, as in production; the emulator then signs with the
private key at `SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH` (the pair of that public key),
or with a key of its own, which the app rightly refuses. The merchant's key is
`WECHAT_PAY_PRIVATE_KEY_PATH` when given, else drawn too; the emulator verifies the app's
request signatures with its public half, as WeChat Pay does with the merchant certificate."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from bot.settings import (
    SANDBOX_PAY_APIV3_KEY,
    SANDBOX_PAY_CERT_SERIAL,
    SANDBOX_PAY_MCHID,
    Settings,
)
from bot.wechat.pay_keys import cipher, platform_keys, read_private_key
from bot.wechat.pay_protocol import ApiV3Cipher, MerchantSigner, PayKeys, PlatformKeys

SANDBOX_PLATFORM_KEY_ID = "PUB_KEY_ID_0119000001092026SANDBOX000001"


@functools.cache
def drawn_key(role: str) -> RSAPrivateKey:
    """A 2048-bit key drawn once per process for `role` ("merchant", "platform")."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class SandboxPay:
    app_keys: PayKeys  # what the app signs, verifies and decrypts with
    platform_key: RSAPrivateKey  # what the emulator signs with
    platform_key_id: str
    merchant_keys: Mapping[str, RSAPublicKey]  # by certificate serial: the app's requests
    cipher: ApiV3Cipher  # the emulator encrypts resources with the merchant's APIv3 key
    mchid: str


def sandbox_pay(settings: Settings) -> SandboxPay:
    mchid = settings.wechat_pay_mchid or SANDBOX_PAY_MCHID
    serial = settings.wechat_pay_cert_serial or SANDBOX_PAY_CERT_SERIAL
    if settings.wechat_pay_private_key_path:
        merchant = read_private_key(
            settings.wechat_pay_private_key_path, "WECHAT_PAY_PRIVATE_KEY_PATH"
        )
    else:
        merchant = drawn_key("merchant")
    if settings.pay_verify_configured:
        platform = platform_keys(settings)
        apiv3 = cipher(settings)
        if settings.sandbox_pay_platform_key_path:
            signing = read_private_key(
                settings.sandbox_pay_platform_key_path,
                "SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH",
            )
        else:
            signing = drawn_key("platform")
        key_id = platform.current_id
    else:
        signing = drawn_key("platform")
        key_id = SANDBOX_PLATFORM_KEY_ID
        platform = PlatformKeys({key_id: signing.public_key()}, key_id)
        apiv3 = ApiV3Cipher(SANDBOX_PAY_APIV3_KEY)
    return SandboxPay(
        app_keys=PayKeys(mchid, MerchantSigner(mchid, serial, merchant), platform, apiv3),
        platform_key=signing,
        platform_key_id=key_id,
        merchant_keys={serial: merchant.public_key()},
        cipher=apiv3,
        mchid=mchid,
    )
