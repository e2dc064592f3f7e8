"""The inbound journal: durable appends, a replay that survives a crash and torn lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.webhook.journal import ACTIVE, InboundJournal

DEV_FULL = Path("/dev/full")


async def test_replay_feeds_every_message_in_order_then_empties(tmp_path: Path) -> None:
    journal = InboundJournal(tmp_path)
    for i in range(3):
        await journal.append(f"k{i}", {"Content": f"第{i}条"})
    assert journal.pending()
    fed: list[str] = []

    async def feed(key: str, fields: dict[str, str]) -> None:
        fed.append(key)

    assert await journal.replay(feed) == 3
    assert fed == ["k0", "k1", "k2"] and not journal.pending()


async def test_a_failed_replay_keeps_the_file_for_the_next_try(tmp_path: Path) -> None:
    journal = InboundJournal(tmp_path)
    await journal.append("k0", {"a": "1"})
    await journal.append("k1", {"a": "2"})

    async def database_down(key: str, fields: dict[str, str]) -> None:
        if key == "k1":
            raise ConnectionRefusedError("still down")

    with pytest.raises(ConnectionRefusedError):
        await journal.replay(database_down)
    assert journal.pending()
    await journal.append("k2", {"a": "3"})  # arrives meanwhile, in a fresh file
    fed: list[str] = []

    async def feed(key: str, fields: dict[str, str]) -> None:
        fed.append(key)

    await journal.replay(feed)
    # k0 comes again: harmless, the dedup key makes the second handling a no-op.
    assert sorted(fed) == ["k0", "k1", "k2"] and not journal.pending()


async def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    journal = InboundJournal(tmp_path)
    journal.append_sync("k0", {"a": "1"})
    torn = (tmp_path / ACTIVE).read_text() + '{"key": "k1", "fie'
    (tmp_path / ACTIVE).write_text(torn)  # the process died mid-append: never acknowledged
    fed: list[str] = []

    async def feed(key: str, fields: dict[str, str]) -> None:
        fed.append(key)

    assert await journal.replay(feed) == 1 and fed == ["k0"]


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
def test_an_append_on_a_full_disk_raises(tmp_path: Path) -> None:
    (tmp_path / ACTIVE).symlink_to(DEV_FULL)
    with pytest.raises(OSError):
        InboundJournal(tmp_path).append_sync("k", {"a": "1"})
