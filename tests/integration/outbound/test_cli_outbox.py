"""`yunkuaiji outbox status | retry` against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.outbox import retry, status
from storage.engine import create_engine, session_factory
from storage.outbox import SqlOutboxQueue
from storage.uow import SqlUnitOfWork
from tests.support.harness import make_settings
from tests.support.notices import late_reply


async def test_status_lists_failures_and_retry_requeues_them(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    engine = create_engine(sqlite_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        for i in range(3):
            await uow.outbox.add(late_reply("o_x", f"m{i}"), now)
        await uow.commit()
    queue = SqlOutboxQueue(sessions)
    [a, b, _] = await queue.claim_due(now, 10, timedelta(minutes=1))
    await queue.mark_failed(a, 40037, "40037: invalid template_id", "template")
    await queue.mark_failed(b, 43004, "43004: require subscribe", "custom")
    await engine.dispose()

    lines = await status(settings, limit=10)
    assert lines[0] == {"outbox": {"failed": 2, "sending": 1}}
    assert [(f["failed"]["id"], f["failed"]["errcode"]) for f in lines[1:]] == [
        (2, 43004),
        (1, 40037),
    ]
    assert await retry(settings, [1]) == {"requeued": 1}
    assert (await status(settings, 10))[0] == {"outbox": {"failed": 1, "pending": 1, "sending": 1}}
    assert await retry(settings, None) == {"requeued": 1}
