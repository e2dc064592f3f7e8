"""The sandbox emulator's media store is bounded: the least recently used upload goes first
when there are too many or too many bytes, and a media id that went answers 40007."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.emulator import Emulator, MediaStore, StoredMedia
from bot.sandbox.users import UserState
from domain.clock import FixedClock

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def item(size: int) -> StoredMedia:
    return StoredMedia(b"x" * size, "image/png", "a.png", "image", NOW)


def test_eviction_by_count_drops_the_least_recently_used() -> None:
    store = MediaStore(max_items=3, max_bytes=10**6)
    for name in "abc":
        store.put(name, item(10))
    assert store.get("a") is not None  # "a" is fresh again; "b" is now the oldest
    store.put("d", item(10))
    assert ("a" in store, "b" in store, "c" in store, "d" in store) == (True, False, True, True)
    assert (len(store), store.bytes, store.evicted) == (3, 30, 1)


def test_eviction_by_bytes_keeps_the_total_under_the_cap() -> None:
    store = MediaStore(max_items=100, max_bytes=1000)
    for i in range(10):
        store.put(f"m{i}", item(300))
        assert store.bytes <= 1000
    assert [f"m{i}" in store for i in range(10)] == [False] * 7 + [True] * 3
    store.put("m9", item(100))  # replacing one counts its bytes once
    assert store.bytes == 700 and len(store) == 3
    store.put("big", item(5000))  # larger than the cap on its own: kept alone, the newest
    assert ("big" in store, len(store), store.bytes) == (True, 1, 5000)


async def test_an_evicted_media_id_answers_40007_like_an_expired_one() -> None:
    async def users(openid: str) -> UserState:
        return UserState(True, True, None)

    emulator = Emulator("wx1", "secret", FixedClock(NOW), users, set)
    emulator.media = MediaStore(max_items=2)
    app = web.Application()
    emulator.setup(app)
    server = TestServer(app)
    await server.start_server()
    try:
        ids = [emulator.store_media(item(10)) for _ in range(3)]
        async with aiohttp.ClientSession() as http:
            token_url = server.make_url("/sandbox/cgi-bin/token")
            params = {"grant_type": "client_credential", "appid": "wx1", "secret": "secret"}
            async with http.get(token_url, params=params) as r:
                token = (await r.json())["access_token"]
            got = []
            for media_id in ids:
                url = server.make_url("/sandbox/cgi-bin/media/get")
                params = {"access_token": token, "media_id": media_id}
                async with http.get(url, params=params) as r:
                    body = await r.read()
                    got.append(
                        body if r.content_type == "image/png" else (await r.json())["errcode"]
                    )
        assert got == [40007, b"x" * 10, b"x" * 10]
    finally:
        await server.close()
