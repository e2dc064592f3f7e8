"""Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.engine import create_engine
from storage.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from storage.tables import Base
from tests.support.harness import postgres_database


async def schema_diff(url: str) -> list[Any]:
    engine = create_engine(url)

    def diff(conn: Any) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(ctx, Base.metadata))

    async with engine.connect() as conn:
        result = await conn.run_sync(diff)
    await engine.dispose()
    return result


async def check(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    assert await schema_diff(url) == []
    await asyncio.to_thread(downgrade, url, "base")
    await asyncio.to_thread(upgrade, url)  # and back up: downgrades are real


async def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    await check(f"sqlite+aiosqlite:///{tmp_path}/m.db")


@pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"), reason="TEST_POSTGRES_URL not set")
async def test_postgres_migrations_match_the_models() -> None:
    async with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url:
        await check(url)


def test_every_revision_descends_from_the_foundation() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    bases = script.get_bases()
    assert bases == ["0001_foundation"]
    assert MIGRATIONS.is_dir()
