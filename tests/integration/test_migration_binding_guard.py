"""Migration 0007 brings outstanding binding codes under the new rules: an unused six-digit
staff code ends, an unused contact code lives at most 72 hours more, used codes stay as they
were; the rest of the schema is checked by test_migrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from storage.engine import create_engine
from storage.migrate import upgrade
from storage.tables.base import UtcDateTime

INVITES = sa.table(
    "invites",
    sa.column("id", sa.Integer()),
    sa.column("firm_id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("target_id", sa.Integer()),
    sa.column("expires_at", UtcDateTime()),
    sa.column("used_at", UtcDateTime()),
)


async def test_outstanding_codes_are_brought_under_the_new_lifetimes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    await asyncio.to_thread(upgrade, url, "0006_inbound_unanswered_index")
    before = datetime.now(UTC)
    week = before + timedelta(days=7)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO firms (id, name, appid) VALUES (1, '代账', 'wx')"))
        rows = [
            (1, "123456", "staff", week, None),  # old staff shape, unused: ends now
            (2, "234567", "staff", week, before),  # used: history, untouched
            (3, "AB3K9PQR", "staff", week, None),  # a new-shape staff code: untouched
            (4, "345678", "contact", week, None),  # capped at 72 hours
            (5, "456789", "contact", before + timedelta(hours=5), None),  # shorter: untouched
        ]
        await conn.execute(
            INVITES.insert(),
            [
                {
                    "id": i,
                    "firm_id": 1,
                    "code": c,
                    "kind": k,
                    "target_id": i,
                    "expires_at": e,
                    "used_at": u,
                }
                for i, c, k, e, u in rows
            ],
        )
    await asyncio.to_thread(upgrade, url)
    after = datetime.now(UTC)
    async with engine.connect() as conn:
        got = dict((await conn.execute(sa.select(INVITES.c.id, INVITES.c.expires_at))).all())
    await engine.dispose()
    assert before <= got[1] <= after
    assert got[2] == week and got[3] == week
    assert before + timedelta(hours=72) <= got[4] <= after + timedelta(hours=72)
    assert got[5] == before + timedelta(hours=5)
