"""Voice messages in the bot layer: what WeChat heard becomes the message's text, and the
speech-to-text step answers None (not heard) instead of failing the turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.webhook.pipeline import message_from_fields
from bot.wechat import WeChatError
from bot.wechat.speech import SpeechToText

VOICE = {
    "ToUserName": "gh_x",
    "FromUserName": "o_1",
    "CreateTime": "1764460800",
    "MsgType": "voice",
    "MediaId": "m1",
    "Format": "AMR",
    "MsgId": "1",
}


def test_recognition_is_the_text_without_its_full_stop() -> None:
    msg = message_from_fields({**VOICE, "Recognition": "我要交代账费。"})
    assert (msg.msg_type, msg.text, msg.voice_format, msg.transcribed) == (
        "voice",
        "我要交代账费",
        "amr",
        False,
    )
    assert msg.has_text


def test_without_recognition_the_transcript_is_the_text() -> None:
    assert not message_from_fields(VOICE).has_text
    msg = message_from_fields(VOICE, "帮我查下进度。")
    assert msg.text == "帮我查下进度" and msg.transcribed


@dataclass
class FakeApi:
    results: list[str]
    fail: bool = False
    submitted: list[tuple[str, bytes, str]] = field(default_factory=list)

    async def download_media(self, media_id: str) -> object:
        if self.fail:
            raise WeChatError(40007, "invalid media_id")

        @dataclass
        class Media:
            content: bytes

        return Media(b"#!AMR")

    async def add_voice_to_reco(
        self, voice_id: str, content: bytes, fmt: str = "mp3", lang: str = "zh_CN"
    ) -> None:
        self.submitted.append((voice_id, content, fmt))

    async def query_reco_result(self, voice_id: str, lang: str = "zh_CN") -> str:
        return self.results.pop(0) if self.results else ""


async def test_the_result_is_polled_until_it_is_there() -> None:
    api = FakeApi(["", "", "我要投诉"])
    assert await SpeechToText(api, poll_s=0.001).transcribe("m1", "amr") == "我要投诉"
    assert api.submitted == [("m1", b"#!AMR", "amr")]


async def test_nothing_in_time_or_an_api_error_is_not_heard() -> None:
    assert (
        await SpeechToText(FakeApi([]), poll_s=0.001, timeout_s=0.01).transcribe("m1", "") is None
    )
    assert await SpeechToText(FakeApi([], fail=True)).transcribe("m1", "amr") is None
    assert await SpeechToText(FakeApi(["x"])).transcribe("", "amr") is None
