"""The /m/ session cookie and where a visitor may be sent back to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.web.guard import safe_next
from bot.web.session import SessionCodec, derive_key

NOW = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
APPID = "wx5a6d0b0c0ffee001"


def codec(secret: str = "s") -> SessionCodec:
    return SessionCodec(derive_key(secret, "aes"))


def test_a_session_reads_back_until_it_is_two_hours_old() -> None:
    value = codec().issue(APPID, "o_1", NOW)
    session = codec().read(value, APPID, NOW + timedelta(minutes=119))
    assert session is not None and session.openid == "o_1"
    assert codec().read(value, APPID, NOW + timedelta(hours=2, seconds=1)) is None


def test_another_key_account_or_a_changed_byte_is_not_believed() -> None:
    value = codec().issue(APPID, "o_1", NOW)
    assert codec("other").read(value, APPID, NOW) is None
    assert codec().read(value, "wx0000000000000000", NOW) is None
    payload, signature = value.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert codec().read(f"{flipped}.{signature}", APPID, NOW) is None
    for junk in ("", ".", "a.b.c", "x" * 5000, "не.cookie"):
        assert codec().read(junk, APPID, NOW) is None


def test_state_is_signed_and_names_the_way_back() -> None:
    value = codec().state("abc", "/m/pay/B1")
    assert codec().read_state(value) == ("abc", "/m/pay/B1")
    assert codec("other").read_state(value) is None
    assert codec().read_state("junk") is None


def test_only_our_own_pages_are_gone_back_to() -> None:
    assert safe_next("/m/pay/B1?x=1") == "/m/pay/B1?x=1"
    for bad in ("//evil.example/m/", "https://evil.example/", "/admin/", "/m\\evil", ""):
        assert safe_next(bad) == "/m/"
