"""What staff may put in a company's archive (issue 15, item 8): filing receipts and other
documents as PDF, JPEG or PNG, at most `MAX_BYTES`. The type is read from the bytes, never from
the name the browser sent, and the file must be whole: a PDF ends with its `%%EOF` marker, a
JPEG with its end-of-image marker, a PNG with its IEND chunk. A refusal is `Invalid` with a code
the pages word (`archive_empty`, `archive_too_large`, `archive_not_allowed`, `archive_broken`,
`archive_kind_unknown`); nothing about a refused file is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import Invalid

MAX_BYTES = 20 * 1024 * 1024


class DocumentKind(StrEnum):
    RECEIPT = "receipt"  # 申报回执 / 完税证明
    STATEMENT = "statement"  # a statement file staff keep beside the imported ones
    OTHER = "other"


class FileType(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"


CONTENT_TYPES = {
    FileType.PDF: "application/pdf",
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


@dataclass(frozen=True, slots=True)
class CheckedFile:
    type: FileType
    size: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.type]


def kind_of(raw: str) -> DocumentKind:
    try:
        return DocumentKind(raw)
    except ValueError:
        raise Invalid("archive_kind_unknown", kind=raw[:20]) from None


def sniff(data: bytes) -> FileType | None:
    if data.startswith(b"%PDF-"):
        return FileType.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if data.startswith(_PNG_MAGIC):
        return FileType.PNG
    return None


def _whole(kind: FileType, data: bytes) -> bool:
    tail = data[-2048:].rstrip(b"\x00\r\n\t ")
    if kind is FileType.PDF:
        return b"%%EOF" in tail[-1024:]
    if kind is FileType.JPEG:
        return tail.endswith(b"\xff\xd9")
    return tail.endswith(_PNG_END)


def check_file(data: bytes) -> CheckedFile:
    """The file's type and size if it may be archived; `Invalid` naming the problem if not."""
    if not data:
        raise Invalid("archive_empty")
    if len(data) > MAX_BYTES:
        raise Invalid("archive_too_large", size=len(data), limit=MAX_BYTES)
    kind = sniff(data)
    if kind is None:
        raise Invalid("archive_not_allowed")
    if not _whole(kind, data):
        raise Invalid("archive_broken", type=kind.value)
    return CheckedFile(kind, len(data))


@dataclass(frozen=True, slots=True)
class ArchivedDocument:
    """A document kept in a company's archive for a month (`id` 0 until stored)."""

    id: int
    firm_id: int
    company_id: int
    period: str  # "YYYY-MM"
    kind: DocumentKind
    name: str
    sha256: str
    type: FileType
    size: int
    uploaded_by: str
    uploaded_at: datetime
