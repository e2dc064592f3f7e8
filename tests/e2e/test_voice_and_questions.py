"""Voice messages and questions back, end to end: the real app over HTTP with its sandbox.

- a voice message with WeChat's `Recognition` is understood like typed text (passive reply);
- without `Recognition` the app asks the (emulated) speech-to-text API; when that takes longer
  than the reply budget, the answer arrives through the outbox as a 客服 message;
- a message with two close readings gets one question with two taps, and a tap continues as if
  the intent had been clear (the form starts with what the first message already said).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nlu.types import Entity, ParseResult
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox
from tests.support.stories import seed_story_people


@pytest.fixture(scope="module")
def parser() -> Any:
    from nlu.backends import build_parser

    return build_parser("embedded", "")


async def say_by_voice(chat: SandboxChat, openid: str, transcript: str, recognition: bool) -> Any:
    async with chat.session.post(
        str(chat.server.make_url("/sandbox/api/voice")),
        json={"openid": openid, "transcript": transcript, "recognition": recognition},
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_voice_with_recognition_is_understood_like_text(
    sqlite_url: str, tmp_path: Path, parser: Any
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=1, staff=1)
    client = people.clients[0]
    async with running_sandbox(settings, nlu=parser) as chat:
        async with chat.session.get(str(chat.server.make_url("/sandbox/"))) as page:
            assert 'id="voice"' in await page.text()  # the simulator can send a voice
        res = await say_by_voice(chat, client, "我想找一下我的会计", recognition=True)
        assert res["status"] == 200 and "专属会计" in res["reply"]["text"]
        assert chat.emulator.calls["/cgi-bin/media/voice/addvoicetorecofortext"] == 0
        # Very short and doubtful: the reply says what was heard, and a tap continues.
        res = await say_by_voice(chat, client, "会计", recognition=True)
        assert res["reply"]["text"].startswith("您说的是“会计”吗？")


async def test_voice_without_recognition_is_transcribed_and_answered_through_the_outbox(
    sqlite_url: str, tmp_path: Path, parser: Any
) -> None:
    settings = make_settings(sqlite_url, tmp_path).with_(reply_budget_s=0.3)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=1, staff=1)
    client = people.clients[0]
    async with running_sandbox(settings, nlu=parser) as chat:
        chat.emulator.stt_delay_s = 1.0  # recognition takes longer than the reply budget
        res = await say_by_voice(chat, client, "我想找一下我的会计", recognition=False)
        assert res["status"] == 200 and res["reply"] is None  # `success` at once

        async def answered() -> bool:
            return any("专属会计" in i["text"] for i in await chat.outbox_json(client))

        await chat.wait_for(answered, within=10.0)
        assert chat.emulator.calls["/cgi-bin/media/voice/addvoicetorecofortext"] == 1
        assert chat.emulator.calls["/cgi-bin/media/voice/queryrecoresultfortext"] >= 2

        # Quick recognition fits the budget again: the answer is passive.
        chat.emulator.stt_delay_s = 0.0
        res = await say_by_voice(chat, client, "我想找一下我的会计", recognition=False)
        assert res["reply"] is not None and "专属会计" in res["reply"]["text"]


class TwoReadings:
    """A parser that finds "那个执照的事" torn between two readings (deterministic plumbing)."""

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        entities: tuple[Entity, ...] = ()
        if "执照" in text:
            i = text.index("执照")
            entities = (Entity("request_type", "营业执照", i, i + 2),)
        if text == "那个执照的事":
            ranking = (("check_progress", 0.41), ("raise_request", 0.37))
            return ParseResult(
                text, "check_progress", 0.41, entities, ranking, ("check_progress", "raise_request")
            )
        return ParseResult(text, "nlu_fallback", 0.1, entities, (("nlu_fallback", 0.1),))


async def test_a_question_between_two_readings_is_answered_by_a_tap(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    people = await seed_story_people(sqlite_url, settings.wechat_appid, clients=1, staff=1)
    client = people.clients[0]
    async with running_sandbox(settings, nlu=TwoReadings()) as chat:
        reply = await chat.say(client, "那个执照的事")
        assert reply is not None and "您是想 ①查业务进度 ②办新业务？" in reply
        assert "msgmenuid=clarify:raise_request" in reply
        assert "msgmenuid=clarify:check_progress" in reply
        # The tap comes back as WeChat sends it: the label as text, the id as bizmsgmenuid.
        reply = await chat.say(client, "办新业务", menu_id="clarify:raise_request")
        assert reply is not None and "营业执照" in reply and "具体要办什么" in reply
