"""Migration 0021: a firm whose catalogue predates 税务登记 as an item gets one, so it keeps
offering the type it offered when the types were a hard-coded list; a firm that has one (by
type or by name) is left alone, and a firm without a catalogue gets the seed at start."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.engine import create_engine
from storage.migrate import upgrade
from tests.support.harness import postgres_database

ITEM = (
    "INSERT INTO catalogue_items (firm_id, category, name, description, price_fen, duration,"
    " materials, request_type, display_order, active)"
    " VALUES (:firm, '工商服务', :name, '', 100, '', '', :type, :order, :active)"
)


async def check(url: str) -> None:
    await asyncio.to_thread(upgrade, url, "0021_renewals_refund_asks")
    engine = create_engine(url)
    async with engine.begin() as conn:
        for firm in (1, 2, 3):
            await conn.execute(
                sa.text("INSERT INTO firms (id, name, appid) VALUES (:id, :name, :appid)"),
                {"id": firm, "name": f"代账{firm}", "appid": f"wx{firm}"},
            )
        for firm, name, type_, order, active in (
            (1, "公司注册", "营业执照", 1, True),
            (1, "工商变更", "工商变更", 4, False),
            (2, "报到", "税务登记", 1, False),  # has the type (withdrawn: the admin's choice)
        ):
            await conn.execute(
                sa.text(ITEM),
                {"firm": firm, "name": name, "type": type_, "order": order, "active": active},
            )
    await asyncio.to_thread(upgrade, url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT firm_id, name, request_type, display_order, active, price_fen"
                    " FROM catalogue_items WHERE request_type = '税务登记' ORDER BY firm_id"
                )
            )
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, "税务登记", "税务登记", 5, True, 30000),
        (2, "报到", "税务登记", 1, False, 100),
    ]


async def test_sqlite_firms_keep_offering_tax_registration(tmp_path: Path) -> None:
    await check(f"sqlite+aiosqlite:///{tmp_path}/m.db")


@pytest.mark.skipif(not os.environ.get("TEST_POSTGRES_URL"), reason="TEST_POSTGRES_URL not set")
async def test_postgres_firms_keep_offering_tax_registration() -> None:
    async with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url:
        await check(url)
