"""A phone opening /m/ pages as a WeChat user: its own cookie jar (its WeChat browser), and
the sandbox's `/sandbox/phone` to say who is holding it. Redirects are followed by hand so a
test can see each hop (the authorise redirect, the code coming back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin

import aiohttp


@dataclass
class Page:
    status: int
    url: str
    text: str
    headers: dict[str, str]
    hops: list[str] = field(default_factory=list)


class MobileVisitor:
    def __init__(self, origin: str, session: aiohttp.ClientSession) -> None:
        self.origin = origin.rstrip("/")
        self.session = session

    async def open_as(self, openid: str, path: str) -> Page:
        """Open `path` in the sandbox's phone held by `openid` (as a tap on a chat link)."""
        return await self.get(f"/sandbox/phone?{urlencode({'openid': openid, 'url': path})}")

    async def get(self, path: str, max_hops: int = 8) -> Page:
        url = urljoin(self.origin + "/", path)
        hops: list[str] = []
        for _ in range(max_hops):
            async with self.session.get(url, allow_redirects=False) as resp:
                if resp.status in (301, 302, 303, 307) and "Location" in resp.headers:
                    hops.append(url)
                    url = urljoin(url, resp.headers["Location"]).split("#", 1)[0]
                    continue
                return Page(resp.status, url, await resp.text(), dict(resp.headers), hops)
        raise AssertionError(f"too many redirects: {hops}")

    async def post(self, path: str, data: dict[str, str], *, origin: str | None = None) -> Page:
        url = urljoin(self.origin + "/", path)
        headers = {"Origin": origin or self.origin}
        async with self.session.post(url, data=data, headers=headers, allow_redirects=False) as r:
            return Page(r.status, url, await r.text(), dict(r.headers))

    def cookie(self, name: str) -> str | None:
        for c in self.session.cookie_jar:
            if c.key == name:
                return c.value
        return None


@asynccontextmanager
async def mobile_visitor(origin: str) -> AsyncIterator[MobileVisitor]:
    # unsafe=True: the test server is on an IP address, whose cookies aiohttp drops otherwise.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield MobileVisitor(origin, session)
