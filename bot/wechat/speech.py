"""Voice messages without WeChat's `Recognition` field (the account has speech recognition
off): the words come from WeChat's speech-to-text API, in the bot layer, before the turn.

The pipeline calls `SpeechToText.transcribe` inside the user's turn (so their messages stay in
order) and under the same reply budget as any turn: a transcript that arrives in time is
answered passively, a slower one travels through the outbox as a late answer. Handlers never
see any of this: they get an `Inbound` whose text is the transcript.

Steps: download the voice (`media/get`), submit it under its media id as `voice_id`
(`addvoicetorecofortext`), then ask for the result (`queryrecoresultfortext`) until it is
there or `timeout_s` has passed. Any failure means "not heard": the turn then asks the person
to say it again or type it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class SpeechApi(Protocol):
    """The parts of `bot.wechat.WeChatClient` this needs."""

    async def download_media(self, media_id: str) -> object: ...

    async def add_voice_to_reco(
        self, voice_id: str, content: bytes, fmt: str = "mp3", lang: str = "zh_CN"
    ) -> None: ...

    async def query_reco_result(self, voice_id: str, lang: str = "zh_CN") -> str: ...


class Transcriber(Protocol):
    async def transcribe(self, media_id: str, fmt: str) -> str | None: ...


@dataclass
class SpeechToText:
    api: SpeechApi
    poll_s: float = 0.3
    timeout_s: float = 15.0
    # WeChat documents mp3 for this API; the voice a user sends is amr or speex. The format is
    # passed on as sent (a transcoding step belongs here if an account needs one).
    lang: str = "zh_CN"

    async def transcribe(self, media_id: str, fmt: str) -> str | None:
        if not media_id:
            return None
        try:
            media = await self.api.download_media(media_id)
            content = getattr(media, "content", b"")
            voice_id = media_id[:128]
            await self.api.add_voice_to_reco(voice_id, content, fmt or "amr", self.lang)
            deadline = time.monotonic() + self.timeout_s
            while True:
                result = (await self.api.query_reco_result(voice_id, self.lang)).strip()
                if result:
                    return result
                if time.monotonic() >= deadline:
                    log.info(
                        "speech-to-text gave nothing for %s in %.0f s", media_id, self.timeout_s
                    )
                    return None
                await asyncio.sleep(self.poll_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a voice we cannot hear is answered, never a crash
            log.warning("speech-to-text failed for %s: %s", media_id, exc)
            return None
