"""The request types the parser reads are the caller's (the firm's catalogue), swapped while it
runs: a new item is understood at once, by either backend; one taken off is read no more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from bot.runtime.catalogue_vocabulary import seed_vocabulary
from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.rasa import RasaParser
from nlu.vocabulary import EMPTY, Vocabulary
from tests.unit.nlu.conftest import TODAY

SEED = seed_vocabulary()
WITH_CROSS_BORDER = Vocabulary.of(
    (*SEED.request_types, "跨境电商备案", "商标续展"),
    {**SEED.aliases, "跨境电商备案服务": "跨境电商备案"},
)


@pytest.fixture
def swap(parser: EmbeddedParser) -> Iterator[Callable[[Vocabulary], None]]:
    """Set the shared parser's vocabulary for one test; the seed one comes back after it."""
    yield parser.set_vocabulary
    parser.set_vocabulary(SEED)


def request_types(parser: EmbeddedParser, text: str) -> list[str]:
    return parser.parse_sync(text, TODAY).entities_named(names.REQUEST_TYPE)


def test_a_type_new_to_the_catalogue_is_read_at_once(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    assert request_types(parser, "我想办个跨境电商备案") == []
    swap(WITH_CROSS_BORDER)
    result = parser.parse_sync("我想办个跨境电商备案", TODAY)
    assert result.entities_named(names.REQUEST_TYPE) == ["跨境电商备案"]
    ent = result.entities[0]
    assert "我想办个跨境电商备案"[ent.start : ent.end] == "跨境电商备案"


def test_an_item_name_is_an_alias_of_its_type(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    swap(WITH_CROSS_BORDER)
    assert request_types(parser, "跨境电商备案服务怎么收费") == ["跨境电商备案"]


def test_the_longest_name_wins_over_a_data_word_inside_it(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    # "商标" alone is the data's word for 商标注册; the catalogue's 商标续展 is longer.
    assert request_types(parser, "帮我办一下商标续展") == ["商标注册"]
    swap(WITH_CROSS_BORDER)
    assert request_types(parser, "帮我办一下商标续展") == ["商标续展"]


def test_a_type_taken_off_the_catalogue_is_read_no_more_synonyms_included(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    assert request_types(parser, "想注册个商标") == ["商标注册"]
    assert request_types(parser, "帮我办个营业执照") == ["营业执照"]
    swap(Vocabulary.of(t for t in SEED.request_types if t != "商标注册"))
    assert request_types(parser, "想注册个商标") == []
    assert request_types(parser, "帮我办个营业执照") == ["营业执照"]


async def test_a_remembered_parse_is_forgotten_when_the_vocabulary_changes(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    before = await parser.parse("办个跨境电商备案", TODAY)
    swap(WITH_CROSS_BORDER)
    after = await parser.parse("办个跨境电商备案", TODAY)
    assert before.entity(names.REQUEST_TYPE) is None
    assert after.entity(names.REQUEST_TYPE) == "跨境电商备案"


def test_without_a_vocabulary_no_request_type_is_read(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    swap(EMPTY)
    assert request_types(parser, "帮我办个营业执照") == []
    # the intent does not depend on it
    assert parser.parse_sync("帮我办个营业执照", TODAY).intent == names.RAISE_REQUEST


def test_aliases_of_types_not_offered_are_dropped() -> None:
    vocabulary = Vocabulary.of(["营业执照"], {"公司注册": "营业执照", "商标续展": "商标注册"})
    assert vocabulary.canonical("公司注册") == "营业执照"
    assert vocabulary.canonical("商标续展") is None
    assert vocabulary.spans("我要商标续展和公司注册") == [(7, 11, "营业执照")]


async def test_rasa_backend_falls_back_to_the_live_catalogue_when_its_model_has_none(
    serve: Any, parser: EmbeddedParser, swap: Callable[[Vocabulary], None]
) -> None:
    """A Rasa model trained before the item existed finds no request_type: the catalogue's
    names are matched in the text, so the new item works without retraining."""

    async def handler(request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        return web.json_response(
            {
                "text": text,
                "intent": {"name": "raise_request", "confidence": 0.88},
                "intent_ranking": [{"name": "raise_request", "confidence": 0.88}],
                "entities": [],
            }
        )

    url = await serve(handler)
    async with RasaParser(url, fallback=parser, synonyms=parser.synonyms) as rasa:
        before = await rasa.parse("我想办个跨境电商备案", today=TODAY)
        rasa.set_vocabulary(WITH_CROSS_BORDER)
        after = await rasa.parse("我想办个跨境电商备案", today=TODAY)
    assert before.entity(names.REQUEST_TYPE) is None
    assert after.intent == names.RAISE_REQUEST
    assert after.entity(names.REQUEST_TYPE) == "跨境电商备案"
    assert parser.vocabulary == WITH_CROSS_BORDER  # its fallback was told too


async def test_rasa_entities_of_a_type_not_offered_are_dropped(
    serve: Any, parser: EmbeddedParser
) -> None:
    async def handler(request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        return web.json_response(
            {
                "text": text,
                "intent": {"name": "raise_request", "confidence": 0.9},
                "entities": [{"entity": "request_type", "start": 3, "end": 5, "value": "商标注册"}],
            }
        )

    url = await serve(handler)
    offered = Vocabulary.of(t for t in SEED.request_types if t != "商标注册")
    async with RasaParser(url, fallback=parser, synonyms=parser.synonyms) as rasa:
        rasa.set_vocabulary(offered)
        try:
            result = await rasa.parse("想注册商标", today=TODAY)
        finally:
            parser.set_vocabulary(SEED)
    assert result.entity(names.REQUEST_TYPE) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我办个跨境电商备案", names.RAISE_REQUEST),
        ("跨境电商备案服务多少钱", names.BROWSE_SERVICES),
        ("跨境电商备案办到哪一步了", names.CHECK_PROGRESS),
        ("代理记账（小规模）多少钱", names.BROWSE_SERVICES),
    ],
)
def test_a_name_the_model_never_saw_reads_like_a_service_it_knows(
    parser: EmbeddedParser, swap: Callable[[Vocabulary], None], text: str, intent: str
) -> None:
    """The classifier learnt what the data's service words say; a new item's name (or a seed
    item's own name the data never used) stands in as one of them."""
    swap(WITH_CROSS_BORDER)
    result = parser.parse_sync(text, TODAY)
    assert result.intent == intent
    assert len(result.entities_named(names.REQUEST_TYPE)) == 1
