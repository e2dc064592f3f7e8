"""The Rasa backend against a live `rasa run --enable-api` (started by `make test-rasa`).

Marked `rasa`: skipped, with the reason printed, when RASA_URL does not answer `/status`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import date

import aiohttp
import pytest

from bot.runtime.catalogue_vocabulary import seed_vocabulary
from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.evaluation import parse_fn, run, summarise
from nlu.rasa import RasaParser
from nlu.training_data import HELD_OUT_FILE, load_files

pytestmark = pytest.mark.rasa
TODAY = date(2025, 6, 15)
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


def _reachable(url: str) -> str | None:
    async def probe() -> str | None:
        try:
            timeout = aiohttp.ClientTimeout(total=2)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(f"{url}/status") as response,
            ):
                return None if response.status == 200 else f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"

    return asyncio.run(probe())


@pytest.fixture(scope="module")
def embedded() -> EmbeddedParser:
    problem = _reachable(RASA_URL)
    if problem is not None:
        pytest.skip(
            f"Rasa server not reachable at RASA_URL={RASA_URL} ({problem}); run `make test-rasa`"
        )
    return EmbeddedParser.train()


@pytest.fixture
async def rasa(embedded: EmbeddedParser) -> AsyncIterator[RasaParser]:
    # The firm's request types come from its catalogue (the app hands them over at start).
    vocabulary = seed_vocabulary()
    async with RasaParser(
        RASA_URL, _Refuse(), timeout=10.0, synonyms=embedded.synonyms, vocabulary=vocabulary
    ) as parser:
        yield parser


class _Refuse:
    """These tests are about Rasa: falling back to embedded would hide a broken server."""

    async def parse(self, text: str, today: date | None = None) -> object:
        raise AssertionError(f"Rasa did not answer for {text!r}")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我那个执照办到哪一步了", names.CHECK_PROGRESS),
        ("这个月的票拍给你", names.UPLOAD_INVOICE),
        ("R1024 这单我接了", names.CLAIM_TASK),
        ("我要投诉你们会计", names.COMPLAIN),
    ],
)
async def test_live_rasa_classifies_clear_messages(
    rasa: RasaParser, text: str, intent: str
) -> None:
    result = await rasa.parse(text, today=TODAY)
    assert result.intent == intent
    assert result.ranking[0][0] in (intent, names.NLU_FALLBACK)


async def test_live_rasa_entities_are_normalised(rasa: RasaParser) -> None:
    result = await rasa.parse("帮我加急办个执照，上个月交了3块5，R88", today=TODAY)
    assert result.entity("urgency") == "urgent"
    assert result.entity("request_type") == "营业执照"
    assert result.entity("period") == "2025-05"
    assert result.entity("amount") == "350"
    assert result.entity("task_ref") == "R88"


async def test_live_rasa_handles_bad_input(rasa: RasaParser) -> None:
    for text in ("", "   ", "😀😀", "x" * 10_000, "我的營業執照辦好了嗎", "\x00\x01"):
        result = await rasa.parse(text, today=TODAY)
        assert result.intent in (*names.ALL_INTENTS, names.NLU_FALLBACK)


async def test_live_rasa_held_out_accuracy_is_sane(rasa: RasaParser) -> None:
    examples = load_files([HELD_OUT_FILE]).examples
    report = summarise(await run(examples, parse_fn(rasa), TODAY))
    assert report["accuracy"] >= 0.8, report["confused_pairs"]
