"""The QR scout in the running app (WeChat emulator, stand-in readers): while the full reader is
stuck on a slow photo, the scout gets the key fields of the photos behind it out; the full read
then takes each photo from the blob store instead of downloading it again; a download the scout
could not make, or a scout that died after its claim, still ends with the full result."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.keys import QR_LANE, READER, SCOUT, SCOUT_POLICY, WORKER, WORKER_POLICY
from bot.workers.invoice_scout import ScoutPolicy
from bot.workers.invoices import WorkerPolicy
from domain.clock import FixedClock
from domain.invoice_uploads import NewUpload
from nlu.invoice.intake import load_image
from nlu.invoice.reading import InvoiceReading
from storage.blobs import BlobStore, sha256_of
from storage.uow import SqlUnitOfWork
from tests.integration.invoices.test_invoice_worker import (
    StandInReader,
    bind,
    media,
    png,
    qr_reading,
    reading,
    texts,
    uploads,
)
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox

# One photo at a time: a slow full read holds up every photo behind it, as in a burst.
ONE_AT_A_TIME = WorkerPolicy(batch=1, concurrency=1, lease_s=60, poll_s=0.05, backoff_base_s=0.05)


@dataclass
class StandInLane:
    """The QR lane: the real intake, then the QR reading scripted for these bytes (none else)."""

    answers: dict[bytes, InvoiceReading] = field(default_factory=dict)
    calls: int = 0

    async def read_qr(self, data: bytes) -> InvoiceReading:
        self.calls += 1
        load_image(data)
        return self.answers.get(data, InvoiceReading(is_invoice=False))


@pytest.fixture
def hang() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
def reader(hang: asyncio.Event) -> StandInReader:
    return StandInReader(script=[hang])  # the first full read takes until `hang` is set


@pytest.fixture
def lane() -> StandInLane:
    return StandInLane()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
async def chat(
    db_url: str, tmp_path: Path, reader: StandInReader, lane: StandInLane, clock: FixedClock
) -> Any:
    def configure(app: Any) -> None:
        app[READER] = reader
        app[QR_LANE] = lane
        app[WORKER_POLICY] = ONE_AT_A_TIME
        app[SCOUT_POLICY] = ScoutPolicy(poll_s=0.05)

    settings = make_settings(db_url, tmp_path)
    async with running_sandbox(settings, configure=configure, clock=clock) as c:
        await bind(c, "o_chen", "陈女士")
        yield c


def scout_idle(chat: SandboxChat) -> bool:
    s = chat.app[SCOUT].stats
    return bool(s.scouted == s.announced + s.no_qr + s.left + s.late)


async def block_the_full_reader(chat: SandboxChat, reader: StandInReader) -> None:
    """Photo 1 (no QR code) goes to the full reader, whose read of it hangs; the scout has
    looked at it too, or never will (the reader took it first)."""
    await chat.send_image("o_chen", media(chat, png(seed=0)))
    await chat.wait_for(lambda: reader.calls == 1, 10)

    async def scout_done_with_it() -> bool:
        (row,) = await uploads(chat)  # working now: no scout can claim it any more
        return (row.scouted_at is None or chat.app[SCOUT].stats.scouted >= 1) and scout_idle(chat)

    await chat.wait_for(scout_done_with_it, 10)


async def scouted(chat: SandboxChat, seq: int) -> Any:
    """The upload `seq` once the scout is done with it."""

    async def done() -> bool:
        rows = [r for r in await uploads(chat) if r.seq == seq]
        return bool(rows) and rows[0].scouted_at is not None and scout_idle(chat)

    await chat.wait_for(done, 10)
    return next(r for r in await uploads(chat) if r.seq == seq)


async def test_key_fields_reach_the_sender_while_the_full_reader_is_still_on_an_earlier_photo(
    chat: Any, reader: StandInReader, lane: StandInLane, hang: asyncio.Event
) -> None:
    await block_the_full_reader(chat, reader)
    photos = [png(seed=s) for s in (1, 2, 3)]
    numbers = ["10000001", "10000002", "10000003"]
    for data, number in zip(photos, numbers, strict=True):
        lane.answers[data] = qr_reading(number)
    for data in photos:
        await chat.send_image("o_chen", media(chat, data))

    quick = sorted(await texts(chat, "o_chen", 3))
    for seq, (text, number) in enumerate(zip(quick, numbers, strict=True), start=2):
        assert text.startswith(f"第{seq}张：已读到发票号码 {number}"), text
    # The full reader has not even begun them: it is still on photo 1.
    assert reader.calls == 1 and not hang.is_set()
    assert chat.app[SCOUT].stats.announced == 3

    # Now the full reads run; the full path's own QR look finds the same numbers and queues
    # the key fields again, which the outbox drops: each photo's quick word comes once.
    reader.script = [reading(n) for n in numbers]
    reader.qr_script = [qr_reading(n) for n in numbers]
    hang.set()
    everything = await texts(chat, "o_chen", 7)
    await asyncio.sleep(0.2)
    everything = [m["text"] for m in await chat.outbox_json("o_chen")]
    assert len(everything) == 7, everything
    assert sum("已读到发票号码" in t for t in everything) == 3
    for seq in (1, 2, 3, 4):
        assert sum(f"识别结果（第{seq}张）" in t for t in everything) == 1
    # Every quick word went out before any full result.
    first_result = min(i for i, t in enumerate(everything) if "识别结果" in t)
    assert all("已读到" in t for t in everything[:3]) and first_result == 3
    assert [r.status for r in await uploads(chat)] == ["read"] * 4


async def test_the_full_read_takes_the_scouted_photo_from_the_blob_store(
    chat: Any, reader: StandInReader, lane: StandInLane, hang: asyncio.Event
) -> None:
    await block_the_full_reader(chat, reader)
    with_qr, without_qr = png(seed=1), png(seed=2)
    lane.answers[with_qr] = qr_reading("10000001")
    await chat.send_image("o_chen", media(chat, with_qr))
    await chat.send_image("o_chen", media(chat, without_qr))
    (quick,) = await texts(chat, "o_chen", 1)
    assert quick.startswith("第2张：已读到发票号码 10000001")
    plain = await scouted(chat, 3)
    rows = await uploads(chat)
    blobs = BlobStore(Path(chat.settings.data_dir) / "media")
    for row, data in ((rows[1], with_qr), (rows[2], without_qr)):
        assert row.status == "pending" and row.blob_sha256 is not None
        assert blobs.get(row.blob_sha256) == data
    assert plain.error is None  # a photo without a QR code is just marked scouted

    # WeChat's media endpoint fails from now on: a second download could not succeed.
    chat.emulator.faults.inject("500", calls=100, path_prefix="/cgi-bin/media/get")
    reader.script = [reading("10000001"), reading("10000002")]
    hang.set()
    everything = await texts(chat, "o_chen", 4)
    assert sum("识别结果" in t for t in everything) == 3, everything
    assert chat.emulator.faults.current is not None and chat.emulator.faults.current.hits == 0
    rows = await uploads(chat)
    assert [r.status for r in rows] == ["read"] * 3
    assert rows[1].sha256 == rows[1].blob_sha256 and rows[2].sha256 == rows[2].blob_sha256
    assert chat.app[WORKER].stats.reused_blobs >= 2


async def test_a_download_the_scout_could_not_make_is_left_to_the_full_read(
    chat: Any, reader: StandInReader, lane: StandInLane, hang: asyncio.Event
) -> None:
    await block_the_full_reader(chat, reader)
    data = png(seed=1)
    lane.answers[data] = qr_reading("10000001")
    chat.emulator.faults.inject("-1", calls=1, path_prefix="/cgi-bin/media/get")
    await chat.send_image("o_chen", media(chat, data))
    row = await scouted(chat, 2)
    assert chat.app[SCOUT].stats.left == 1
    # Nothing said, nothing failed, nothing stored: the upload waits for the full read.
    assert (row.status, row.error, row.blob_sha256, row.attempts) == ("pending", None, None, 0)
    assert lane.calls <= 1  # (photo 1's, if the scout got to it before the full reader)
    assert await chat.outbox_json("o_chen") == []

    reader.script = [reading("10000001")]
    reader.qr_script = [qr_reading("10000001")]
    hang.set()
    first, quick, full = await texts(chat, "o_chen", 3)
    assert "识别结果（第1张）" in first
    # The full path downloaded the photo and read its QR code as it would without the scout.
    assert quick.startswith("第2张：已读到发票号码 10000001") and "识别结果（第2张）" in full
    assert [r.status for r in await uploads(chat)] == ["read", "read"]


async def test_a_scout_that_died_after_its_claim_loses_nothing(
    chat: Any, reader: StandInReader, lane: StandInLane, hang: asyncio.Event, clock: FixedClock
) -> None:
    hang.set()  # no slow read in this one
    await chat.say("o_chen", "你好")  # the emulator learns the user (and opens the window)
    firm = chat.pipeline.firm
    async with SqlUnitOfWork(chat.sessions) as uow:
        ident = await uow.identities.resolve(firm, "o_chen")
        assert ident.company is not None and ident.contact is not None
        added = await uow.invoices.add_upload(
            NewUpload(
                firm.id, ident.company.id, ident.contact.id, "o_chen", "陈女士",
                media(chat, png(seed=1)), 1, clock.now(),
            )
        )  # fmt: skip
        # A scout (of another process) claimed it in the same breath, recorded bytes that
        # never reached this blob store (another machine's disk, say), then died.
        assert await uow.invoices.claim_scout(added.id, clock.now()) is not None
        assert await uow.invoices.keep_blob(added.id, "0" * 64)
        await uow.commit()
    reader.qr_script = [qr_reading()]
    chat.app[WORKER].poke()
    chat.app[SCOUT].poke()
    quick, full = await texts(chat, "o_chen", 2)
    assert quick.startswith("第1张：已读到发票号码 33207675") and "识别结果（第1张）" in full
    assert lane.calls == 0  # the live scout left the claimed photo alone
    (row,) = await uploads(chat)
    assert row.status == "read" and row.sha256 == sha256_of(png(seed=1))
    assert chat.app[WORKER].stats.downloads == 1  # the full read fetched it after all
