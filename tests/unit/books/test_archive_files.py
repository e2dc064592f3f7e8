"""What may go into a company's archive: PDF, JPEG and PNG read from the bytes, whole, within
the size limit; everything else refused with a code the pages word."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from domain.archive_files import MAX_BYTES, DocumentKind, FileType, check_file, kind_of
from domain.errors import Invalid
from handlers.error_texts import error_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (PDF, FileType.PDF, "application/pdf"),
        (_image("JPEG"), FileType.JPEG, "image/jpeg"),
        (_image("PNG"), FileType.PNG, "image/png"),
    ],
)
def test_whole_files_of_the_allowed_types_pass(
    data: bytes, kind: FileType, content_type: str
) -> None:
    checked = check_file(data)
    assert (checked.type, checked.size, checked.content_type) == (kind, len(data), content_type)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "archive_empty"),
        (b"PK\x03\x04 a workbook named receipt.pdf", "archive_not_allowed"),
        (b"<html>%PDF-1.4</html>", "archive_not_allowed"),
        (PDF[:-8], "archive_broken"),  # cut before %%EOF
        (_image("JPEG")[:-40], "archive_broken"),
        (_image("PNG")[:-12], "archive_broken"),
        (b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"%%EOF", "archive_too_large"),
    ],
)
def test_refusals_name_the_problem(data: bytes, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_file(data)
    assert caught.value.code == code
    assert error_text(caught.value) != error_text(Invalid("no_such_code"))


def test_the_size_limit_is_inclusive_and_worded_in_megabytes() -> None:
    body = b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 15) + b"\n%%EOF"
    assert len(body) == MAX_BYTES and check_file(body).size == MAX_BYTES
    with pytest.raises(Invalid) as caught:
        check_file(body + b"0")
    assert "最大20MB" in error_text(caught.value)


def test_kinds_are_a_closed_list() -> None:
    assert kind_of("receipt") is DocumentKind.RECEIPT
    with pytest.raises(Invalid) as caught:
        kind_of("../etc")
    assert caught.value.code == "archive_kind_unknown"
