"""Content-addressed file storage for uploaded images: `{root}/ab/cd/<sha256>`.

The name is the SHA-256 of the bytes, so the same photo sent twice is stored once and two
writers of the same content cannot disagree. A file appears whole or not at all: it is written
to a temporary file in the same folder, flushed, then renamed into place. Blocking file I/O:
call from a thread (`asyncio.to_thread`) inside the event loop.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        if not _HEX64.fullmatch(digest):
            raise ValueError("not a hex SHA-256 digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its SHA-256."""
        digest = sha256_of(data)
        target = self.path(digest)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()


BOOK_FILES_DIR = "books"  # under DATA_DIR: the original statement files, by SHA-256


def book_files(data_dir: Path) -> BlobStore:
    """Where the books' original statement files are kept (the import writes, /m/ reads)."""
    return BlobStore(Path(data_dir) / BOOK_FILES_DIR)
