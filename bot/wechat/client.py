"""The WeChat API over aiohttp, with WeChat's error-code policy applied in one place:

- 40001 / 40014 / 42001: the token was refused; drop it, fetch a new one, retry once.
- -1 / 45011 and HTTP 5xx: WeChat is busy; back off and retry a few times, then give up with a
  retryable error (the outbox tries again later).
- 45015, 45047, 43004, 40003, 40037 ...: final; raised at once for the caller to record.
- every request has a timeout; a timeout is never retried here (the message may have gone out),
  it is raised as retryable for the outbox to decide.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.wechat.base import ApiBase
from bot.wechat.errors import BUSY_CODES, TOKEN_CODES, WeChatError, WeChatUnavailable
from bot.wechat.tokens import AccessTokens
from domain.clock import Clock
from storage.tokens import TokenStore

log = logging.getLogger(__name__)

MEDIA_CAP_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str
    filename: str = ""


class WeChatClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: ApiBase | str,
        appid: str,
        secret: str,
        store: TokenStore,
        clock: Clock,
        *,
        timeout_s: float = 10.0,
        busy_delays: Sequence[float] = (0.2, 0.5, 1.0),
    ) -> None:
        self._http = http
        self._base = base if isinstance(base, ApiBase) else ApiBase(base)
        self.appid = appid
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._busy_delays = tuple(busy_delays)
        self.tokens = AccessTokens(store, self._fetch_token, clock, key=f"wechat_token:{appid}")

    @property
    def base_url(self) -> str:
        return self._base.url

    # -- transport ------------------------------------------------------------------------

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = self.base_url + path
        try:
            async with self._http.request(method, url, timeout=self._timeout, **kwargs) as resp:
                body = await resp.read()
                if resp.status >= 500:
                    raise WeChatUnavailable(f"HTTP {resp.status} from {path}")
                if resp.status != 200:
                    raise WeChatError(None, f"HTTP {resp.status} from {path}", retryable=False)
        except TimeoutError:
            raise WeChatUnavailable(f"timeout on {path}") from None
        except aiohttp.ClientError as exc:
            raise WeChatUnavailable(f"{type(exc).__name__} on {path}: {exc}") from None
        return _decode(body, path)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self._secret}
        for delay in (*self._busy_delays, None):
            data = await self._json("GET", "/cgi-bin/token", params=params)
            code = int(data.get("errcode", 0) or 0)
            if code == 0 and data.get("access_token"):
                return str(data["access_token"]), int(data.get("expires_in", 7200))
            if code in BUSY_CODES and delay is not None:
                await asyncio.sleep(delay)
                continue
            # Bad appid/secret, IP not whitelisted...: retryable, an operator can fix it.
            raise WeChatError(code, str(data.get("errmsg", "no access_token")), retryable=True)
        raise AssertionError("unreachable")

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: Any = None,
    ) -> dict[str, Any]:
        """One API call with the token and the error policy. Returns the JSON answer."""
        token_retried = False
        busy = 0
        while True:
            token = await self.tokens.get()
            query = {**(params or {}), "access_token": token}
            kwargs: dict[str, Any] = {"params": query}
            if json_body is not None:
                # WeChat wants UTF-8 as is, not \\u escapes (they count against length limits).
                kwargs["data"] = json.dumps(json_body, ensure_ascii=False).encode()
                kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
            elif data is not None:
                kwargs["data"] = data() if callable(data) else data
            try:
                answer = await self._json(method, path, **kwargs)
            except WeChatUnavailable as exc:
                if "timeout" not in exc.errmsg and busy < len(self._busy_delays):
                    await asyncio.sleep(self._busy_delays[busy])
                    busy += 1
                    continue
                raise
            code = int(answer.get("errcode", 0) or 0)
            if code == 0:
                return answer
            errmsg = str(answer.get("errmsg", ""))
            if code in TOKEN_CODES and not token_retried:
                log.info("token refused (%s) on %s: refreshing once", code, path)
                await self.tokens.invalidate(token)
                token_retried = True
                continue
            if code in BUSY_CODES and busy < len(self._busy_delays):
                await asyncio.sleep(self._busy_delays[busy])
                busy += 1
                continue
            raise WeChatError(code, errmsg)

    # -- customer-service (客服) messages ---------------------------------------------------

    async def send_custom(self, message: Mapping[str, Any]) -> None:
        await self.call("POST", "/cgi-bin/message/custom/send", json_body=dict(message))

    async def send_text(self, openid: str, text: str) -> None:
        await self.send_custom({"touser": openid, "msgtype": "text", "text": {"content": text}})

    async def send_image(self, openid: str, media_id: str) -> None:
        await self.send_custom(
            {"touser": openid, "msgtype": "image", "image": {"media_id": media_id}}
        )

    async def send_news(self, openid: str, article: Mapping[str, str]) -> None:
        """客服 news carries one article (WeChat answers 45008 to more)."""
        await self.send_custom(
            {"touser": openid, "msgtype": "news", "news": {"articles": [dict(article)]}}
        )

    async def send_msgmenu(
        self, openid: str, head: str, items: Sequence[tuple[str, str]], tail: str = ""
    ) -> None:
        """A text with tappable options; a tap comes back as text with `bizmsgmenuid`."""
        await self.send_custom(
            {
                "touser": openid,
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": head,
                    "list": [{"id": i, "content": label} for i, label in items],
                    "tail_content": tail,
                },
            }
        )

    # -- template messages ------------------------------------------------------------------

    async def send_template(
        self,
        openid: str,
        template_id: str,
        data: Mapping[str, str],
        url: str = "",
    ) -> int:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if url:
            body["url"] = url
        answer = await self.call("POST", "/cgi-bin/message/template/send", json_body=body)
        return int(answer.get("msgid", 0))

    # -- media -----------------------------------------------------------------------------

    async def download_media(self, media_id: str, max_bytes: int = MEDIA_CAP_BYTES) -> Media:
        """A temporary media file, streamed with a size cap. WeChat signals errors with a JSON
        body instead of the file, so a JSON answer is an error even with HTTP 200."""
        token_retried = False
        while True:
            token = await self.tokens.get()
            params = {"access_token": token, "media_id": media_id}
            url = self.base_url + "/cgi-bin/media/get"
            try:
                async with self._http.get(url, params=params, timeout=self._timeout) as resp:
                    if resp.status >= 500:
                        raise WeChatUnavailable(f"HTTP {resp.status} from /cgi-bin/media/get")
                    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    if ctype in {"application/json", "text/plain", "text/json"}:
                        answer = _decode(await resp.content.read(64 * 1024), "/cgi-bin/media/get")
                        code = int(answer.get("errcode", 0) or 0)
                        if code in TOKEN_CODES and not token_retried:
                            await self.tokens.invalidate(token)
                            token_retried = True
                            continue
                        raise WeChatError(code or None, str(answer.get("errmsg", "not a file")))
                    if resp.content_length is not None and resp.content_length > max_bytes:
                        raise WeChatError(None, f"media over {max_bytes} bytes", retryable=False)
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in resp.content.iter_chunked(64 * 1024):
                        size += len(chunk)
                        if size > max_bytes:
                            raise WeChatError(
                                None, f"media over {max_bytes} bytes", retryable=False
                            )
                        chunks.append(chunk)
                    return Media(b"".join(chunks), ctype, _filename(resp.headers))
            except TimeoutError:
                raise WeChatUnavailable("timeout on /cgi-bin/media/get") from None
            except aiohttp.ClientError as exc:
                raise WeChatUnavailable(f"{type(exc).__name__} on /cgi-bin/media/get") from None

    async def upload_media(
        self, kind: str, filename: str, content: bytes, content_type: str = "image/jpeg"
    ) -> str:
        """A temporary media file (kept three days by WeChat); returns its media_id."""

        def form() -> aiohttp.FormData:  # a fresh body for each attempt
            f = aiohttp.FormData()
            f.add_field("media", content, filename=filename, content_type=content_type)
            return f

        answer = await self.call("POST", "/cgi-bin/media/upload", params={"type": kind}, data=form)
        return str(answer["media_id"])

    # -- speech-to-text (语音识别) -----------------------------------------------------------

    async def add_voice_to_reco(
        self, voice_id: str, content: bytes, fmt: str = "mp3", lang: str = "zh_CN"
    ) -> None:
        """Submit a voice file for recognition under our own `voice_id` (unique per voice)."""
        await self.call(
            "POST",
            "/cgi-bin/media/voice/addvoicetorecofortext",
            params={"format": fmt, "voice_id": voice_id, "lang": lang},
            data=content,
        )

    async def query_reco_result(self, voice_id: str, lang: str = "zh_CN") -> str:
        """The transcript of a submitted voice; empty while WeChat is still working on it."""
        answer = await self.call(
            "POST",
            "/cgi-bin/media/voice/queryrecoresultfortext",
            params={"voice_id": voice_id, "lang": lang},
        )
        return str(answer.get("result", "") or "")

    # -- menu ------------------------------------------------------------------------------

    async def create_menu(self, menu: Mapping[str, Any]) -> None:
        await self.call("POST", "/cgi-bin/menu/create", json_body=dict(menu))


def _decode(body: bytes, path: str) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WeChatUnavailable(f"answer from {path} is not JSON") from None
    if not isinstance(data, dict):
        raise WeChatUnavailable(f"answer from {path} is not a JSON object")
    return data


def _filename(headers: Mapping[str, str]) -> str:
    disposition = headers.get("Content-Disposition", "")
    _, _, rest = disposition.partition("filename=")
    return rest.strip().strip('"')
