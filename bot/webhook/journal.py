"""A local append-only journal for accepted messages the database could not take.

WeChat never resends a message that was answered, so answering a message whose inbound row
could not be written (the database refuses connections, the disk is full) would lose it. The
pipeline appends such a message here instead, flushed and fsync'd, before it answers; a replay
loop feeds the journal back through the pipeline once the database is back. Only when this
append fails too does WeChat hear nothing it could take for an acknowledgement.

One JSON object per line: {"key": dedup key, "fields": the decrypted message, "at": epoch s}.
Replaying renames the file first (new appends go to a fresh file), waits a moment for an
append that opened the old file just before the rename, then reads it; the dedup key makes a
second replay of the same line harmless, so a crash mid-replay loses and doubles nothing.

Written by hand: it is forty lines of `os.open(O_APPEND)` and `fsync`, and the queue libraries
on PyPI bring their own storage formats and threads for what one file does here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ACTIVE = "inbound-journal.jsonl"
REPLAYING_SUFFIX = ".replaying"
# An append that opened the file just before a replay renamed it finishes within this.
RENAME_GRACE_S = 0.2


class InboundJournal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / ACTIVE
        self._lock = threading.Lock()
        self.appended = 0
        self.replayed = 0

    def append_sync(self, key: str, fields: dict[str, str]) -> None:
        """Durable on return, or raises OSError (disk full, read-only, gone)."""
        line = json.dumps({"key": key, "fields": fields, "at": time.time()}, ensure_ascii=False)
        data = (line + "\n").encode()
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError("short write to the inbound journal")
                os.fsync(fd)
            finally:
                os.close(fd)
            self.appended += 1

    async def append(self, key: str, fields: dict[str, str]) -> None:
        await asyncio.to_thread(self.append_sync, key, fields)

    def pending(self) -> bool:
        try:
            if self.path.stat().st_size > 0:
                return True
        except FileNotFoundError:
            pass
        return any(self.folder.glob(f"{ACTIVE}.*{REPLAYING_SUFFIX}"))

    async def replay(self, feed: Callable[[str, dict[str, str]], Awaitable[None]]) -> int:
        """Feed every journalled message to `feed`, oldest first; a file is removed only when
        all of it went through. `feed` raising (the database is still down) stops the replay
        and keeps the file for the next try."""
        if self.path.exists():
            target = self.path.with_name(
                f"{ACTIVE}.{os.getpid()}.{time.time_ns()}{REPLAYING_SUFFIX}"
            )
            try:
                os.replace(self.path, target)
            except FileNotFoundError:
                pass  # another process took it
            else:
                await asyncio.sleep(RENAME_GRACE_S)
        done = 0
        for file in sorted(self.folder.glob(f"{ACTIVE}.*{REPLAYING_SUFFIX}")):
            for entry in _entries(file):
                await feed(str(entry["key"]), {str(k): str(v) for k, v in entry["fields"].items()})
                done += 1
            file.unlink(missing_ok=True)
        self.replayed += done
        return done


def _entries(file: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return entries
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            # A torn last line from a crash mid-append: that append never returned, so its
            # message was never acknowledged.
            log.warning("inbound journal %s: skipped a torn line", file.name)
            continue
        if isinstance(entry, dict) and "key" in entry and isinstance(entry.get("fields"), dict):
            entries.append(entry)
    return entries
