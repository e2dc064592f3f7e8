"""Image intake refuses what is not a safe, whole JPEG/PNG/GIF, with a reason code."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from nlu.invoice import intake
from nlu.invoice.errors import ImageRejected


def _encoded(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white").save(buffer, format=fmt)
    return buffer.getvalue()


def _rejected(data: bytes) -> str:
    with pytest.raises(ImageRejected) as caught:
        intake.load_image(data)
    return caught.value.reason


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "jpeg"), ("PNG", "png"), ("GIF", "gif")])
def test_sniff_knows_the_three_formats_by_magic_bytes(fmt: str, kind: str) -> None:
    assert intake.sniff(_encoded(fmt)) == kind


def test_sniff_rejects_other_bytes() -> None:
    for data in (b"%PDF-1.7 ...", b"BM\x00\x00", b"hello", _encoded("BMP")):
        with pytest.raises(ImageRejected) as caught:
            intake.sniff(data)
        assert caught.value.reason == "not_image"


def test_empty_file_is_empty() -> None:
    assert _rejected(b"") == "empty"


def test_not_an_image() -> None:
    assert _rejected("发票.pdf".encode() * 10) == "not_image"


def test_over_ten_megabytes_is_too_large() -> None:
    assert _rejected(b"\xff\xd8\xff" + b"\0" * (intake.MAX_BYTES + 1)) == "too_large"


def test_truncated_jpeg_is_truncated() -> None:
    data = _encoded("JPEG", (400, 300))
    assert _rejected(data[: len(data) // 2]) == "truncated"


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_png_claiming_100_megapixels_is_a_bomb_not_a_warning() -> None:
    assert _rejected(_png_header_only(10_000, 10_000)) == "bomb"


def test_pillow_bomb_warning_range_is_an_error_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between MAX_PIXELS and 2x, Pillow only warns; we must refuse all the same.
    monkeypatch.setattr(intake, "MAX_PIXELS", 1000)
    assert _rejected(_encoded("PNG", (40, 30))) == "bomb"


def test_png_with_alpha_is_flattened_on_white() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buffer, format="PNG")
    image = intake.load_image(buffer.getvalue())
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)


def test_exif_orientation_is_applied() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (40, 30), "white").save(buffer, format="JPEG", exif=exif)
    assert intake.load_image(buffer.getvalue()).size == (30, 40)


def test_rejection_survives_pickling_for_the_process_pool() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(ImageRejected("truncated", "detail")))
    assert error.reason == "truncated"
    assert "不完整" in error.message_zh
