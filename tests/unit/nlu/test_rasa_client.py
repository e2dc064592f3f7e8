"""The Rasa client against a real aiohttp server on loopback that answers like Rasa."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.rasa import RasaParser

from .conftest import TODAY


def rasa_body(text: str) -> dict[str, Any]:
    """What `rasa run --enable-api` returns for "帮我们星辰科技有限公司加急办个执照，上个月的3块5"."""
    return {
        "text": text,
        "intent": {"name": "raise_request", "confidence": 0.91},
        "entities": [
            {"entity": "company", "start": 0, "end": 11, "value": "帮我们星辰科技有限公司",
             "extractor": "RegexEntityExtractor"},
            {"entity": "urgency", "start": 11, "end": 13, "value": "urgent",
             "extractor": "RegexEntityExtractor", "processors": ["EntitySynonymMapper"]},
            {"entity": "request_type", "start": 15, "end": 17, "value": "营业执照",
             "extractor": "RegexEntityExtractor", "processors": ["EntitySynonymMapper"]},
            {"entity": "request_type", "start": 15, "end": 17, "value": "营业执照",
             "extractor": "DIETClassifier"},
            {"entity": "period", "start": 18, "end": 21, "value": "上个月",
             "extractor": "RegexEntityExtractor"},
            {"entity": "amount", "start": 22, "end": 25, "value": "3块5",
             "extractor": "RegexEntityExtractor"},
            {"entity": "amount", "start": 40, "end": 45, "value": "out of range"},
            {"start": 0, "end": 1},
        ],
        "intent_ranking": [
            {"name": "raise_request", "confidence": 0.91},
            {"name": "browse_services", "confidence": 0.05},
            {"name": "check_progress", "confidence": 0.04},
        ],
        "text_tokens": [[0, 2]],
    }  # fmt: skip


TEXT = "帮我们星辰科技有限公司加急办个执照，上个月的3块5"
Handler = Callable[[web.Request], Any]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_maps_rasa_json_to_a_parse_result(serve: Any, parser: EmbeddedParser) -> None:
    seen: list[Any] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.json_response(rasa_body((await request.json())["text"]))

    url = await serve(handler)
    async with RasaParser(url, fallback=parser, synonyms=parser.synonyms) as rasa:
        result = await rasa.parse(TEXT, today=TODAY)
    assert seen == [{"text": TEXT}]
    assert result.text == TEXT
    assert result.intent == names.RAISE_REQUEST
    assert result.confidence == pytest.approx(0.91)
    assert result.ranking[:2] == (("raise_request", 0.91), ("browse_services", 0.05))
    assert [(e.entity, e.value, e.start, e.end) for e in result.entities] == [
        ("company", "星辰科技有限公司", 3, 11),
        ("urgency", "urgent", 11, 13),
        ("request_type", "营业执照", 15, 17),
        ("period", "2025-05", 18, 21),
        ("amount", "350", 22, 25),
    ]


async def test_rasa_nlu_fallback_passes_through(serve: Any, parser: EmbeddedParser) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "text": "嗯",
                "intent": {"name": "nlu_fallback", "confidence": 0.3},
                "entities": [],
                "intent_ranking": [
                    {"name": "nlu_fallback", "confidence": 0.3},
                    {"name": "affirm", "confidence": 0.21},
                ],
            }
        )

    async with RasaParser(await serve(handler), fallback=parser) as rasa:
        result = await rasa.parse("嗯嗯啊")
    assert result.intent == names.NLU_FALLBACK
    assert result.entities == ()


async def test_down_server_degrades_to_embedded_and_logs_it(
    parser: EmbeddedParser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nlu.rasa")
    url = f"http://127.0.0.1:{free_port()}"
    async with RasaParser(url, fallback=parser, timeout=1.0) as rasa:
        first = await rasa.parse("我那个执照办到哪一步了", today=TODAY)
        second = await rasa.parse("给个差评", today=TODAY)
    assert first == parser.parse_sync("我那个执照办到哪一步了", TODAY)
    assert second.intent == names.RATE_ACCOUNTANT
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per message
    assert url in warnings[0].getMessage()


async def test_slow_server_times_out_and_degrades(serve: Any, parser: EmbeddedParser) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response(rasa_body(TEXT))

    url = await serve(handler)
    loop = asyncio.get_running_loop()
    async with RasaParser(url, fallback=parser, timeout=0.2) as rasa:
        started = loop.time()
        result = await rasa.parse("给会计打个五星", today=TODAY)
    assert loop.time() - started < 1.5
    assert result == parser.parse_sync("给会计打个五星", TODAY)


@pytest.mark.parametrize(
    "respond",
    [
        lambda: web.Response(status=500, text="boom"),
        lambda: web.Response(status=200, text="not json"),
        lambda: web.json_response(["a", "list"]),
        lambda: web.json_response(
            {"intent": {"name": "x", "confidence": 1}, "intent_ranking": [{}]}
        ),
    ],
)
async def test_bad_answers_degrade_to_embedded(
    serve: Any, parser: EmbeddedParser, respond: Callable[[], web.Response]
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return respond()

    async with RasaParser(await serve(handler), fallback=parser) as rasa:
        result = await rasa.parse("R1024 办完了", today=TODAY)
    assert result.intent == names.COMPLETE_TASK
    assert result.entity("task_ref") == "R1024"


async def test_recovers_when_rasa_comes_back(
    serve: Any, parser: EmbeddedParser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nlu.rasa")
    healthy = False

    async def handler(request: web.Request) -> web.Response:
        if not healthy:
            return web.Response(status=503)
        return web.json_response(rasa_body(TEXT))

    async with RasaParser(await serve(handler), fallback=parser) as rasa:
        assert (await rasa.parse("你好")).intent == names.GREET  # embedded
        healthy = True
        assert (await rasa.parse(TEXT)).confidence == pytest.approx(0.91)  # Rasa again
    assert any("is back" in r.getMessage() for r in caplog.records)


async def test_empty_input_never_reaches_the_server(serve: Any, parser: EmbeddedParser) -> None:
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.json_response(rasa_body(TEXT))

    async with RasaParser(await serve(handler), fallback=parser) as rasa:
        for text in ("", "  ", "🙂🙂"):
            assert (await rasa.parse(text)).intent == names.NLU_FALLBACK
    assert calls == 0


async def test_long_input_is_clipped_before_sending(serve: Any, parser: EmbeddedParser) -> None:
    sent: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        sent.append((await request.json())["text"])
        return web.json_response(rasa_body(sent[-1]))

    async with RasaParser(await serve(handler), fallback=parser) as rasa:
        result = await rasa.parse("投" * 10_000)
    assert len(sent[0]) == 500
    assert len(result.text) == 10_000


async def test_status_reports_reachability(serve: Any, parser: EmbeddedParser) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(rasa_body(TEXT))

    async with RasaParser(await serve(handler), fallback=parser) as up:
        assert await up.status() is True
    async with RasaParser(f"http://127.0.0.1:{free_port()}", fallback=parser) as down:
        assert await down.status() is False
