"""Statement files are written once per session (openpyxl and xlwt take a few tens of ms each)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from tests.support.statement_files import FAILURES, LAYOUTS


@cache
def _bytes(name: str) -> bytes:
    return {**LAYOUTS, **FAILURES}[name].make()


@pytest.fixture(scope="session")
def case_bytes() -> Callable[[str], bytes]:
    return _bytes
