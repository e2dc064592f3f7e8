"""The API client against the emulator: tokens, every branch of the error-code policy, media."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.emulator import StoredMedia
from bot.wechat import WeChatError, WeChatUnavailable
from tests.support.wechat_double import MemoryTokenStore, WeChatDouble, wechat_double

USER = "o_user_1"


@pytest.fixture
async def wx() -> AsyncIterator[WeChatDouble]:
    async with wechat_double() as double:
        double.users.interacted(USER, double.clock.now())
        yield double


async def test_fifty_concurrent_callers_share_one_token_fetch(wx: WeChatDouble) -> None:
    client = wx.client()
    tokens = await asyncio.gather(*(client.tokens.get() for _ in range(50)))
    assert len(set(tokens)) == 1
    assert wx.emulator.token_fetches == 1


async def test_concurrent_sends_fetch_one_token(wx: WeChatDouble) -> None:
    client = wx.client()
    await asyncio.gather(*(client.send_text(USER, f"第{i}条") for i in range(15)))
    assert wx.emulator.token_fetches == 1
    assert len(wx.emulator.outbox(USER)) == 15


async def test_token_is_refreshed_before_it_expires(wx: WeChatDouble) -> None:
    client = wx.client()
    first = await client.tokens.get()
    wx.clock.advance(seconds=7200 - 299)  # inside the 5-minute refresh margin
    second = await client.tokens.get()
    assert second != first and wx.emulator.token_fetches == 2
    await client.send_text(USER, "你好")  # the old token would still work for 5 minutes


@pytest.mark.parametrize("how", ["expired", "revoked", "replaced"])
async def test_refused_token_is_refreshed_once_and_the_call_retried(
    wx: WeChatDouble, how: str
) -> None:
    client = wx.client()
    await client.send_text(USER, "一")
    if how == "expired":
        wx.emulator.expire_tokens()  # 42001
    elif how == "revoked":
        wx.emulator.tokens.clear()  # 40001
    else:
        wx.clock.advance(seconds=10)
        other = wx.client()  # another "process" with its own store fetches a new token...
        await other.tokens.get()
        wx.clock.advance(minutes=6)  # ...and the grace period of ours runs out
    await client.send_text(USER, "二")
    assert [m["text"] for m in wx.emulator.outbox(USER)] == ["一", "二"]


async def test_token_refused_twice_is_an_error_not_a_loop(wx: WeChatDouble) -> None:
    client = wx.client()
    wx.emulator.token_ttl_s = 0  # every token is born expired
    with pytest.raises(WeChatError) as err:
        await client.send_text(USER, "你好")
    assert err.value.errcode == 42001 and err.value.retryable
    assert wx.emulator.token_fetches == 2
    assert wx.emulator.calls["/cgi-bin/message/custom/send"] == 2


@pytest.mark.parametrize("mode", ["-1", "45011", "500"])
async def test_busy_wechat_is_retried_with_backoff(wx: WeChatDouble, mode: str) -> None:
    client = wx.client()
    await client.tokens.get()
    wx.emulator.faults.inject(mode, calls=2)
    await client.send_text(USER, "你好")
    assert wx.emulator.calls["/cgi-bin/message/custom/send"] == 3
    assert len(wx.emulator.outbox(USER)) == 1


@pytest.mark.parametrize(("mode", "code"), [("-1", -1), ("45011", 45011), ("500", None)])
async def test_busy_wechat_gives_up_with_a_retryable_error(
    wx: WeChatDouble, mode: str, code: int | None
) -> None:
    client = wx.client()
    await client.tokens.get()
    wx.emulator.faults.inject(mode, calls=100)
    with pytest.raises(WeChatError) as err:
        await client.send_text(USER, "你好")
    assert err.value.errcode == code and err.value.retryable
    assert wx.emulator.calls["/cgi-bin/message/custom/send"] == 4  # 1 + 3 retries
    assert wx.emulator.outbox(USER) == []


async def test_every_call_has_a_timeout_and_a_timeout_is_not_retried(wx: WeChatDouble) -> None:
    client = wx.client(timeout_s=0.2)
    await client.tokens.get()
    wx.emulator.faults.timeout_sleep_s = 1.0
    wx.emulator.faults.inject("timeout", calls=1)
    with pytest.raises(WeChatUnavailable) as err:
        await client.send_text(USER, "你好")
    assert err.value.retryable and "timeout" in err.value.errmsg
    assert wx.emulator.calls["/cgi-bin/message/custom/send"] == 1


async def _final(wx: WeChatDouble, call: object, code: int) -> None:
    with pytest.raises(WeChatError) as err:
        await call  # type: ignore[misc]
    assert err.value.errcode == code
    assert not err.value.retryable


async def test_window_closed_is_45015_and_not_retried(wx: WeChatDouble) -> None:
    client = wx.client()
    wx.clock.advance(hours=48, seconds=1)
    await _final(wx, client.send_text(USER, "你好"), 45015)
    assert wx.emulator.calls["/cgi-bin/message/custom/send"] == 1


async def test_window_open_until_48_hours_after_the_last_interaction(wx: WeChatDouble) -> None:
    client = wx.client()
    wx.clock.advance(hours=47, minutes=59)
    await client.send_text(USER, "还在窗口内")
    assert len(wx.emulator.outbox(USER)) == 1


async def test_more_than_20_messages_without_a_reply_is_45047(wx: WeChatDouble) -> None:
    client = wx.client()
    for i in range(20):
        await client.send_text(USER, str(i))
    await _final(wx, client.send_text(USER, "21"), 45047)
    wx.clock.advance(seconds=1)
    wx.users.interacted(USER, wx.clock.now())  # the user writes back
    wx.clock.advance(seconds=1)
    await client.send_text(USER, "again")


async def test_unsubscribed_user_is_43004(wx: WeChatDouble) -> None:
    client = wx.client()
    wx.users.interacted(USER, wx.clock.now(), subscribed=False)
    await _final(wx, client.send_text(USER, "你好"), 43004)
    await _final(wx, client.send_template(USER, "TM_ok", {"first": "x"}), 43004)


async def test_unknown_openid_is_40003(wx: WeChatDouble) -> None:
    await _final(wx, wx.client().send_text("o_nobody", "你好"), 40003)


async def test_template_message_needs_an_owned_template(wx: WeChatDouble) -> None:
    client = wx.client()
    wx.clock.advance(days=10)  # no window needed for templates
    msgid = await client.send_template(USER, "TM_ok", {"first": "进度更新", "keyword1": "工商变更"})
    assert msgid > 0
    await _final(wx, client.send_template(USER, "TM_nope", {"first": "x"}), 40037)
    [sent] = wx.emulator.outbox(USER)
    assert sent["kind"] == "template" and sent["template_id"] == "TM_ok"
    assert sent["data"] == {"first": "进度更新", "keyword1": "工商变更"}


async def test_rich_custom_messages(wx: WeChatDouble) -> None:
    client = wx.client()
    await client.send_msgmenu(USER, "请选择", [("answer:是", "是"), ("answer:否", "否")])
    await client.send_news(USER, {"title": "服务项目", "description": "d", "url": "https://x"})
    media_id = await client.upload_media("image", "a.png", b"\x89PNG....", "image/png")
    await client.send_image(USER, media_id)
    await _final(wx, client.send_image(USER, "no-such-media"), 40007)
    kinds = [(m["kind"], m.get("menu")) for m in wx.emulator.outbox(USER)]
    assert kinds == [
        ("msgmenu", [{"id": "answer:是", "content": "是"}, {"id": "answer:否", "content": "否"}]),
        ("news", None),
        ("image", None),
    ]


async def test_media_round_trip_and_errors(wx: WeChatDouble) -> None:
    client = wx.client()
    photo = bytes(range(256)) * 1000
    media_id = await client.upload_media("image", "invoice.jpg", photo, "image/jpeg")
    got = await client.download_media(media_id)
    assert got.content == photo and got.content_type == "image/jpeg"
    assert got.filename == "invoice.jpg"
    # WeChat answers a bad media id with a JSON body, HTTP 200: that is an error, not a file.
    await _final(wx, client.download_media("bogus"), 40007)
    with pytest.raises(WeChatError, match="over"):
        await client.download_media(media_id, max_bytes=10_000)
    wx.clock.advance(days=3, seconds=1)  # temporary media lives three days
    await _final(wx, client.download_media(media_id), 40007)


async def test_media_download_refreshes_a_refused_token(wx: WeChatDouble) -> None:
    client = wx.client()
    media_id = await client.upload_media("image", "a.jpg", b"jpeg", "image/jpeg")
    wx.emulator.expire_tokens()
    assert (await client.download_media(media_id)).content == b"jpeg"


async def test_bad_credentials_are_reported(wx: WeChatDouble) -> None:
    from bot.wechat import WeChatClient

    bad = WeChatClient(wx.http, wx.base, "wx_wrong", "s", MemoryTokenStore(), wx.clock)
    with pytest.raises(WeChatError) as err:
        await bad.send_text(USER, "x")
    assert err.value.errcode == 40013
    bad = WeChatClient(wx.http, wx.base, "wx_test_app_0001", "wrong", MemoryTokenStore(), wx.clock)
    with pytest.raises(WeChatError) as err:
        await bad.send_text(USER, "x")
    assert err.value.errcode == 40125


async def test_menu_create_is_validated(wx: WeChatDouble) -> None:
    from bot.wechat.menu import menu_json

    client = wx.client()
    await client.create_menu(menu_json())
    assert wx.emulator.menu == menu_json()
    too_many = {"button": [{"type": "click", "name": f"b{i}", "key": "k"} for i in range(4)]}
    await _final(wx, client.create_menu(too_many), 40016)


async def test_unreachable_wechat_is_retryable(wx: WeChatDouble) -> None:
    from bot.wechat import WeChatClient

    client = WeChatClient(
        wx.http,
        "http://127.0.0.1:9/sandbox",
        "a",
        "b",
        MemoryTokenStore(),
        wx.clock,
        busy_delays=(0.01,),
    )
    with pytest.raises(WeChatUnavailable):
        await client.send_text(USER, "x")


def test_media_expiry_constant_is_three_days() -> None:
    from bot.sandbox.emulator import MEDIA_TTL

    assert timedelta(days=3) == MEDIA_TTL
    assert StoredMedia  # re-exported for the simulator's uploads
