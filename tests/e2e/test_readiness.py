"""`/healthz` says the process lives; `/healthz/ready` says whether it can work right now: 503
with a reason while the database is unreachable or wedged, 200 again once it is back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.keys import ENGINE, WRITER
from bot.webhook import health
from storage.batch_writer import WriteSet
from tests.support.fake_nlu import KeywordNLU
from tests.support.harness import create_schema, make_settings, running_chat


async def get(chat: Any, path: str) -> tuple[int, dict[str, Any]]:
    async with chat.session.get(str(chat.server.make_url(path))) as resp:
        return resp.status, await resp.json()


async def test_ready_while_the_database_answers_and_liveness_keeps_its_fields(
    db_url: str, tmp_path: Path
) -> None:
    async with running_chat(make_settings(db_url, tmp_path), nlu=KeywordNLU()) as chat:
        assert await chat.say("o_ready", "你好")
        status, body = await get(chat, "/healthz/ready")
        assert status == 200
        assert body == {
            "status": "ready",
            "database": "ok",
            "writes_pending": 0,
            "writes_waiting_s": 0.0,
        }
        status, live = await get(chat, "/healthz")
        assert status == 200 and live["status"] == "ok"
        assert {"sandbox", "handled", "late", "errors", "write_batches", "batched_writes"} <= set(
            live
        )


async def test_not_ready_while_the_database_file_cannot_be_opened(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    url = f"sqlite+aiosqlite:///{folder}/app.db"
    await create_schema(url)
    async with running_chat(make_settings(url, tmp_path), nlu=KeywordNLU()) as chat:
        assert (await get(chat, "/healthz/ready"))[0] == 200
        # The disk goes away: pooled connections are dropped and no new one can be opened.
        await chat.app[ENGINE].dispose()
        folder.rename(tmp_path / "db-gone")
        try:
            status, body = await get(chat, "/healthz/ready")
            assert status == 503
            assert body["status"] == "unavailable" and body["database"] == "failing"
            assert body["reason"] == "database unreachable"
            assert (await get(chat, "/healthz"))[0] == 200  # alive all the same
        finally:
            (tmp_path / "db-gone").rename(folder)
        assert (await get(chat, "/healthz/ready"))[0] == 200


async def test_not_ready_while_the_database_is_wedged(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "DATABASE_TIMEOUT_S", 0.2)
    monkeypatch.setattr(health, "WRITER_STALL_S", 0.1)
    async with running_chat(make_settings(sqlite_url, tmp_path), nlu=KeywordNLU()) as chat:
        writer = chat.app[WRITER]
        now = datetime.now(UTC)
        # Something holds SQLite's one connection; the conversation's writes queue up behind it.
        async with chat.app[ENGINE].connect() as held:
            await held.execute(text("SELECT 1"))
            written = writer.submit_nowait(
                WriteSet("wx", "o_wedged", "k1", "text", {}, "answered", now, answered_at=now)
            )
            status, body = await get(chat, "/healthz/ready")
            assert status == 503
            assert body["writes_pending"] == 1 and body["writes_waiting_s"] >= 0.1
            assert "database did not answer within 0.2 s" in body["reason"]
            assert "1 writes waiting" in body["reason"]
        assert await written
        status, body = await get(chat, "/healthz/ready")
        assert (status, body["writes_pending"], body["writes_waiting_s"]) == (200, 0, 0.0)
