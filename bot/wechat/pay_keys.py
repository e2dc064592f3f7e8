"""A WeChat Pay merchant's key material from the settings: the API private key, WeChat Pay's
public key and its id, the APIv3 key. Read once at start; a file that is not the key it
should be stops the service with the variable named, as any unsafe setting does. Here, below
the rooms, because the client (`bot.pay`) and the sandbox's emulator both read them."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from bot.settings import Settings, UnsafeConfiguration
from bot.wechat.pay_protocol import (
    ApiV3Cipher,
    MerchantSigner,
    PayKeys,
    PlatformKeys,
    load_private_key,
    load_public_key,
)


def read_private_key(path: str, name: str) -> RSAPrivateKey:
    try:
        return load_private_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise UnsafeConfiguration([f"{name}: not an RSA private key in PEM ({exc})"]) from None


def read_public_key(path: str, name: str) -> RSAPublicKey:
    try:
        return load_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise UnsafeConfiguration([f"{name}: not an RSA public key in PEM ({exc})"]) from None


def platform_keys(settings: Settings) -> PlatformKeys:
    """WeChat Pay's public key, by its id, from WECHAT_PAY_PUBLIC_KEY_PATH / _ID."""
    key = read_public_key(settings.wechat_pay_public_key_path, "WECHAT_PAY_PUBLIC_KEY_PATH")
    key_id = settings.wechat_pay_public_key_id
    return PlatformKeys({key_id: key}, key_id)


def cipher(settings: Settings) -> ApiV3Cipher:
    try:
        return ApiV3Cipher(settings.wechat_pay_apiv3_key)
    except ValueError as exc:
        raise UnsafeConfiguration([f"WECHAT_PAY_APIV3_KEY: {exc}"]) from None


def merchant_keys(settings: Settings) -> PayKeys | None:
    """A configured merchant's keys; None when WeChat Pay is not configured."""
    if not settings.pay_configured:
        return None
    key = read_private_key(settings.wechat_pay_private_key_path, "WECHAT_PAY_PRIVATE_KEY_PATH")
    return PayKeys(
        mchid=settings.wechat_pay_mchid,
        merchant=MerchantSigner(settings.wechat_pay_mchid, settings.wechat_pay_cert_serial, key),
        platform=platform_keys(settings),
        cipher=cipher(settings),
    )
