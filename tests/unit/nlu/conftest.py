"""One trained embedded parser for the whole NLU unit-test session (training takes ~1-2 s)."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.parser import EmbeddedParser

# Every relative period in these tests resolves against this day.
TODAY = date(2025, 6, 15)


@pytest.fixture(scope="session")
def parser() -> EmbeddedParser:
    return EmbeddedParser.train()
