"""WeChat Pay settings: all or none outside the sandbox, the three verifying ones together in
it, https where WeChat Pay talks to us, and the URLs made from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PAY_SETTINGS, SANDBOX_PAY_APIV3_KEY, Settings
from tests.support.pay_keys import write_keys

REAL = {
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_TOKEN": "a-real-token-9f8e7d",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "ADMIN_PASSWORD": "correct horse battery staple",
}


@pytest.fixture
def pay_env(tmp_path: Path) -> dict[str, str]:
    env = write_keys(tmp_path / "keys").env
    env.pop("SANDBOX_WECHAT_PAY_PLATFORM_PRIVATE_KEY_PATH")
    return {**env, "PUBLIC_URL": "https://bot.example.com"}


def problems(env: dict[str, str]) -> list[str]:
    return Settings.from_mapping(env).unsafe_problems()


def test_no_payments_at_all_may_start(pay_env: dict[str, str]) -> None:
    settings = Settings.from_mapping(REAL)
    assert settings.unsafe_problems() == [] and not settings.pay_enabled


def test_a_complete_merchant_may_start(pay_env: dict[str, str]) -> None:
    settings = Settings.from_mapping({**REAL, **pay_env})
    assert settings.unsafe_problems() == [] and settings.pay_enabled
    assert settings.pay_api_base == "https://api.mch.weixin.qq.com"
    assert settings.pay_notify_url == "https://bot.example.com/pay/notify"
    assert settings.pay_refund_notify_url == "https://bot.example.com/pay/refund-notify"


@pytest.mark.parametrize("name", PAY_SETTINGS)
def test_a_half_configured_merchant_is_refused_naming_what_is_missing(
    pay_env: dict[str, str], name: str
) -> None:
    found = problems({**REAL, **pay_env, name: ""})
    assert len(found) == 1 and "half-configured" in found[0] and name in found[0]


def test_notifications_need_an_https_public_url(pay_env: dict[str, str]) -> None:
    for url in ("", "http://bot.example.com"):
        assert any(
            p.startswith("PUBLIC_URL") for p in problems({**REAL, **pay_env, "PUBLIC_URL": url})
        )
    assert any(
        "WECHAT_PAY_API_BASE" in p
        for p in problems({**REAL, **pay_env, "WECHAT_PAY_API_BASE": "http://proxy"})
    )


def test_bad_keys_are_named(pay_env: dict[str, str], tmp_path: Path) -> None:
    found = problems(
        {
            **REAL,
            **pay_env,
            "WECHAT_PAY_APIV3_KEY": "short",
            "WECHAT_PAY_PUBLIC_KEY_PATH": str(tmp_path / "missing.pem"),
        }
    )
    assert any(p.startswith("WECHAT_PAY_APIV3_KEY must be") for p in found)
    assert any(p.startswith("WECHAT_PAY_PUBLIC_KEY_PATH: no such file") for p in found)
    assert "WECHAT_PAY_APIV3_KEY is the public sandbox value" in problems(
        {**REAL, **pay_env, "WECHAT_PAY_APIV3_KEY": SANDBOX_PAY_APIV3_KEY}
    )


def test_the_sandbox_pays_through_its_emulator_unless_told_otherwise() -> None:
    settings = Settings.from_mapping({"PORT": "8080"})
    assert settings.sandbox and settings.pay_enabled and not settings.pay_verify_configured
    assert settings.pay_api_base == "http://127.0.0.1:8080/sandbox/pay"
    assert settings.pay_notify_url == "http://127.0.0.1:8080/pay/notify"
    moved = settings.with_(wechat_api_base="http://127.0.0.1:4321/sandbox")
    assert moved.pay_notify_url == "http://127.0.0.1:4321/pay/notify"


def test_the_sandbox_wants_the_three_verifying_settings_together(pay_env: dict[str, str]) -> None:
    assert problems({"WECHAT_PAY_PUBLIC_KEY_PATH": pay_env["WECHAT_PAY_PUBLIC_KEY_PATH"]}) == [
        "WeChat Pay half-configured in the sandbox: WECHAT_PAY_PUBLIC_KEY_PATH given without "
        "WECHAT_PAY_PUBLIC_KEY_ID, WECHAT_PAY_APIV3_KEY (all three, or none)"
    ]
    three = {
        k: pay_env[k]
        for k in ("WECHAT_PAY_PUBLIC_KEY_PATH", "WECHAT_PAY_PUBLIC_KEY_ID", "WECHAT_PAY_APIV3_KEY")
    }
    settings = Settings.from_mapping(three)
    assert settings.unsafe_problems() == [] and settings.pay_verify_configured


def test_a_key_file_that_is_not_a_key_stops_the_service(
    pay_env: dict[str, str], tmp_path: Path
) -> None:
    from bot.app import create_app
    from bot.settings import UnsafeConfiguration

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    for name in ("WECHAT_PAY_PRIVATE_KEY_PATH", "WECHAT_PAY_PUBLIC_KEY_PATH"):
        settings = Settings.from_mapping({**REAL, **pay_env, name: str(garbage)})
        assert settings.unsafe_problems() == []  # the file exists; only reading it tells
        with pytest.raises(UnsafeConfiguration) as exc:
            create_app(settings)
        assert exc.value.problems[0].startswith(f"{name}: not an RSA")


def test_a_configured_merchant_gets_the_notification_routes(pay_env: dict[str, str]) -> None:
    from bot.app import create_app

    app = create_app(Settings.from_mapping({**REAL, **pay_env}))
    paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    assert {"/pay/notify", "/pay/refund-notify"} <= paths
    assert not any(p.startswith("/sandbox") for p in paths)
    bare = create_app(Settings.from_mapping(REAL))
    assert "/pay/notify" not in {
        r.resource.canonical for r in bare.router.routes() if r.resource is not None
    }
