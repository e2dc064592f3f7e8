"""The mixed conversation load for `make bench`: whole request stories (clients raising over
several turns, staff racing to claim, progress, completion, rating) played against a running
`yunkuaiji serve` through real signed, encrypted WeChat XML."""

from __future__ import annotations

import aiohttp

from bot.sandbox.courier import Courier, text_xml
from tests.support.stories import LoadReport, mixed_load, seed_story_people


class CourierSayer:
    """`say(openid, text, menu_id=)` over HTTP, as WeChat would post it."""

    def __init__(self, session: aiohttp.ClientSession, url: str, courier: Courier) -> None:
        self.session, self.url, self.courier = session, url, courier

    async def say(self, openid: str, text: str, *, menu_id: str | None = None) -> str | None:
        xml = text_xml(self.courier.account, openid, text, menu_id=menu_id)
        status, reply, _ = await self.courier.post(self.session, self.url, xml)
        if status != 200:
            raise RuntimeError(f"HTTP {status}")
        return reply.get("Content") if reply else None


async def run_mixed_stories(
    database_url: str, appid: str, url: str, courier: Courier, stories: int, concurrency: int
) -> LoadReport:
    people = await seed_story_people(
        database_url, appid, clients=concurrency + 10, staff=10, prefix="o_bench"
    )
    conn = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=conn) as session:
        return await mixed_load(CourierSayer(session, url, courier), people, stories, concurrency)
