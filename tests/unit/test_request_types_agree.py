"""The business types clients may ask for live in `domain` (the catalogue's seed) and in `nlu`
(the canonical values the parser normalises to). Neither package may import the other, so
this test is what keeps the two lists the same."""

from __future__ import annotations

from domain.requests import REQUEST_TYPES as DOMAIN_TYPES
from nlu.intents import REQUEST_TYPES as NLU_TYPES


def test_domain_and_nlu_know_the_same_request_types() -> None:
    assert tuple(DOMAIN_TYPES) == tuple(NLU_TYPES)
