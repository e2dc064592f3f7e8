"""Where the WeChat API lives. Fixed in production (`https://api.weixin.qq.com` or
`WECHAT_API_BASE`); in the sandbox it is this server's own `/sandbox`, which a test server on a
random port only knows once it is listening, hence a small settable holder."""

from __future__ import annotations


class ApiBase:
    def __init__(self, url: str) -> None:
        self._url = url.rstrip("/")

    @property
    def url(self) -> str:
        return self._url

    def learn(self, url: str) -> None:
        self._url = url.rstrip("/")

    def __str__(self) -> str:
        return self._url
