"""No configuration mistake opens a way in: the service refuses to start unsafe."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot import cli
from bot.sandbox.web import loopback_only
from bot.settings import (
    SANDBOX_AES_KEY,
    SANDBOX_SECRET,
    SANDBOX_TOKEN,
    Settings,
    UnsafeConfiguration,
)

REAL = {
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_TOKEN": "a-real-token-9f8e7d",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "ADMIN_PASSWORD": "correct horse battery staple",
}


def problems(**changes: str) -> list[str]:
    env = {k: v for k, v in {**REAL, **changes}.items() if v is not None}
    return Settings.from_mapping(env).unsafe_problems()


def test_a_complete_production_configuration_may_start() -> None:
    assert problems() == []
    assert Settings.from_mapping(REAL).wechat_msg_mode == "safe"


@pytest.mark.parametrize("name", ["WECHAT_TOKEN", "WECHAT_SECRET", "WECHAT_AES_KEY"])
@pytest.mark.parametrize("value", ["", "   "])
def test_a_missing_or_empty_secret_is_named(name: str, value: str) -> None:
    assert any(p.startswith(name) for p in problems(**{name: value}))


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("WECHAT_TOKEN", SANDBOX_TOKEN),
        ("WECHAT_SECRET", SANDBOX_SECRET),
        ("WECHAT_AES_KEY", SANDBOX_AES_KEY),
    ],
)
def test_a_public_sandbox_secret_is_refused_in_production(name: str, public: str) -> None:
    assert f"{name} is the public sandbox value" in problems(**{name: public})


def test_nothing_falls_back_to_the_sandbox_values_outside_the_sandbox() -> None:
    env = {k: v for k, v in REAL.items() if k != "WECHAT_TOKEN"}
    settings = Settings.from_mapping(env)
    assert settings.wechat_token == "" and not settings.sandbox


@pytest.mark.parametrize("password", ["", "admin", "12345678", "short-pw"])
def test_a_missing_or_weak_admin_password_is_refused(password: str) -> None:
    assert any("ADMIN_PASSWORD" in p for p in problems(ADMIN_PASSWORD=password))


def test_plain_mode_needs_no_aes_key_but_an_unknown_mode_is_refused() -> None:
    assert problems(WECHAT_MSG_MODE="plain", WECHAT_AES_KEY="") == []
    assert any("WECHAT_MSG_MODE" in p for p in problems(WECHAT_MSG_MODE="open"))


def test_sandbox_with_a_real_appid_needs_a_second_flag() -> None:
    env = {"WECHAT_APPID": "wx1234567890abcdef", "SANDBOX": "1"}
    assert any("SANDBOX_WITH_REAL_APPID" in p for p in Settings.from_mapping(env).unsafe_problems())
    env["SANDBOX_WITH_REAL_APPID"] = "1"
    assert Settings.from_mapping(env).unsafe_problems() == []


def test_a_made_up_appid_may_use_the_sandbox() -> None:
    """Load tools and tests run the sandbox under AppIDs WeChat could never have issued."""
    env = {"WECHAT_APPID": "wxwebhookload0001", "SANDBOX": "1", "WECHAT_TOKEN": "t"}
    assert Settings.from_mapping(env).unsafe_problems() == []


def test_create_app_itself_refuses_unsafe_settings() -> None:
    from bot.app import create_app

    with pytest.raises(UnsafeConfiguration) as info:
        create_app(Settings.from_mapping({"WECHAT_APPID": "wx1234567890abcdef"}))
    assert "WECHAT_TOKEN is missing or empty" in info.value.problems


def test_serve_exits_non_zero_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    for key in ("WECHAT_TOKEN", "WECHAT_AES_KEY", "WECHAT_SECRET", "ADMIN_PASSWORD", "SANDBOX"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("WECHAT_APPID", "wx1234567890abcdef")
    code = cli.main(["--env-file", str(tmp_path / "absent.env"), "serve"])
    err = capsys.readouterr().err
    assert code == 2
    assert "refuses to start" in err and "WECHAT_TOKEN is missing" in err


class _Transport:
    def __init__(self, peer: str) -> None:
        self.peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.peer, 40000) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.mark.parametrize(("peer", "allowed"), [("127.0.0.1", True), ("203.0.113.9", False)])
async def test_the_sandbox_beside_a_real_appid_answers_loopback_only(
    peer: str, allowed: bool
) -> None:
    request = make_mocked_request("GET", "/sandbox/api/outbox", transport=_Transport(peer))
    if allowed:
        assert (await loopback_only(request, _ok)).status == 200
    else:
        with pytest.raises(web.HTTPForbidden):
            await loopback_only(request, _ok)
