"""Conversations through the real router, the real embedded parser (trained once, or loaded
from its cache) and in-memory fakes: the way people type, with nothing in between."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.lifecycle.fakes import Office, office


@pytest.fixture(scope="session")
def parser() -> Any:
    from bot.runtime.catalogue_vocabulary import seed_vocabulary
    from nlu.backends import build_parser

    return build_parser("embedded", "", vocabulary=seed_vocabulary())


@pytest.fixture
async def o(parser: Any) -> Office:
    firm = await office()
    firm.nlu = parser
    return firm


async def raise_one(
    o: Office, who: str = "o_chen", text: str = "帮我办营业执照，新店用的，不急"
) -> str:
    """A request raised in two messages; its number."""
    await o.say(who, text)
    reply = await o.say(who, "确认")
    assert "单号：R" in reply, reply
    return reply.split("单号：")[1].split()[0]


async def held_by_wang(o: Office, text: str = "帮我办营业执照，新店用的，不急") -> str:
    number = await raise_one(o, text=text)
    assert "抢单成功" in await o.say("o_wang", f"抢单 {number}")
    return number
