"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import create_schema, postgres_database

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures"

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])


def pytest_report_header(config: Any) -> str:
    if "postgres" in BACKENDS:
        return "databases: sqlite, postgres (TEST_POSTGRES_URL)"
    return "databases: sqlite only (set TEST_POSTGRES_URL to run PostgreSQL too)"


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/test.db"
    await create_schema(url)
    return url


@pytest.fixture(params=BACKENDS)
async def db_url(request: Any, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database with the current schema: SQLite always, PostgreSQL when set."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/test.db"
        await create_schema(url)
        yield url
        return
    async with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url:
        await create_schema(url)
        yield url
