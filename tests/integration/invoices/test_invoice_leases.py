"""Invoice-upload leases are short and renewed while the photo is being read: a slow read keeps
its upload, a dead worker's upload is read by another once its 30-second lease runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.keys import READER, WORKER, WORKER_POLICY
from bot.runtime.run_id import RUN_ID
from bot.workers.invoices import WorkerPolicy
from domain.clock import FixedClock
from domain.invoice_uploads import NewUpload
from storage.uow import SqlUnitOfWork
from tests.integration.invoices.test_invoice_worker import (
    StandInReader,
    bind,
    media,
    png,
    texts,
    uploads,
)
from tests.support.harness import make_settings
from tests.support.outbound import running_sandbox

POLICY = WorkerPolicy(
    batch=4, concurrency=2, lease_s=30, heartbeat_s=0.05, poll_s=0.05, backoff_base_s=0.05
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
async def chat(db_url: str, tmp_path: Path, clock: FixedClock) -> Any:
    reader = StandInReader()

    def configure(app: Any) -> None:
        app[READER] = reader
        app[WORKER_POLICY] = POLICY

    async with running_sandbox(
        make_settings(db_url, tmp_path), configure=configure, clock=clock
    ) as c:
        await bind(c, "o_chen", "陈女士")
        c.reader = reader
        yield c


async def claim_as_another_worker(chat: Any, clock: FixedClock) -> list[Any]:
    async with SqlUnitOfWork(chat.sessions) as uow:
        got = list(await uow.invoices.claim_due(clock.now(), 5, timedelta(seconds=30), "other"))
        await uow.commit()
    return got


async def test_a_slow_read_keeps_its_upload_while_the_heartbeat_renews_the_lease(
    chat: Any, clock: FixedClock
) -> None:
    hang = asyncio.Event()
    chat.reader.script = [hang]
    await chat.send_image("o_chen", media(chat, png()))
    await chat.wait_for(lambda: chat.reader.calls == 1, 10)
    (row,) = await uploads(chat)
    assert row.status == "working" and row.lease_token.split(":")[0].endswith(f".{RUN_ID}")
    for _ in range(4):  # two minutes pass while the read goes on; the heartbeat keeps up
        clock.advance(seconds=29)
        await asyncio.sleep(0.2)
        assert await claim_as_another_worker(chat, clock) == []
    hang.set()
    (text,) = await texts(chat, "o_chen", 1)
    assert "识别结果（第1张）" in text
    (row,) = await uploads(chat)
    assert (row.status, row.attempts, row.lease_token) == ("read", 1, None)
    assert chat.reader.calls == 1


async def test_a_dead_workers_upload_is_taken_over_once_its_short_lease_runs_out(
    chat: Any, clock: FixedClock
) -> None:
    assert WorkerPolicy().lease_s <= 30 and WorkerPolicy().heartbeat_s * 3 <= WorkerPolicy().lease_s
    await chat.say("o_chen", "你好")  # the emulator learns the user (and opens the window)
    firm = chat.pipeline.firm
    async with SqlUnitOfWork(chat.sessions) as uow:
        ident = await uow.identities.resolve(firm, "o_chen")
        assert ident.company is not None and ident.contact is not None
        new = NewUpload(
            firm.id, ident.company.id, ident.contact.id, "o_chen", "陈女士",
            media(chat, png()), 1, clock.now(),
        )  # fmt: skip
        await uow.invoices.add_upload(new)
        (taken,) = await uow.invoices.claim_due(clock.now(), 1, timedelta(seconds=30), "0dead0")
        await uow.commit()
    assert taken.lease_token.startswith("0dead0:")
    worker = chat.app[WORKER]
    clock.advance(seconds=29)
    assert await worker.run_once() == 0  # still leased
    clock.advance(seconds=2)
    worker.poke()
    (text,) = await texts(chat, "o_chen", 1)
    assert "识别结果（第1张）" in text
    (row,) = await uploads(chat)
    assert (row.id, row.status, row.attempts) == (taken.id, "read", 2)
    async with SqlUnitOfWork(chat.sessions) as uow:  # the dead one's token counts for nothing
        assert await uow.invoices.renew_leases(taken.lease_token, clock.now()) == 0
