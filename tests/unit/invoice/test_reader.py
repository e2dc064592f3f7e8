"""End to end on real invoices: fields, sources, orientation, and a photo that is no invoice."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nlu.invoice.reader import InvoiceReader
from nlu.invoice.reading import AMOUNT_FIELDS, InvoiceReading, fen_to_yuan

pytestmark = pytest.mark.slow


def _rendered(reading: InvoiceReading) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, found in reading.fields.items():
        value = found.value
        out[name] = fen_to_yuan(int(value)) if name in AMOUNT_FIELDS else str(value)
    return out


def _assert_fields(reading: InvoiceReading, truth: dict[str, str | None]) -> None:
    got = _rendered(reading)
    wrong = {k: (v, got.get(k)) for k, v in truth.items() if got.get(k) != v}
    assert not wrong, wrong


@pytest.mark.parametrize(
    "name", ["tianjin_freight_0.png", "vat_special_sample.jpg", "synthetic_digital_0.png"]
)
def test_reads_every_labelled_field(
    reader: InvoiceReader, invoices_dir: Path, labels: dict[str, dict[str, str | None]], name: str
) -> None:
    reading = reader.read((invoices_dir / name).read_bytes())
    assert reading.is_invoice
    _assert_fields(reading, labels[name])


def test_qr_fields_come_from_the_qr_and_the_rest_from_ocr(
    reader: InvoiceReader, invoices_dir: Path
) -> None:
    reading = reader.read((invoices_dir / "tianjin_freight_0.png").read_bytes())
    assert reading.fields["invoice_number"].source == "qr"
    assert reading.fields["seller_name"].source == "ocr"
    assert reading.ocr_values["invoice_number"] == "76293190"  # OCR read it too, for the check
    assert all(0 < f.confidence <= 1 for f in reading.fields.values())


def test_qr_fast_path_gives_key_fields_only(reader: InvoiceReader, invoices_dir: Path) -> None:
    reading = reader.read_qr((invoices_dir / "synthetic_digital_1.png").read_bytes())
    assert reading.is_invoice and not reading.ocr_done
    assert reading.value("invoice_number") == "24332132622322394092"
    assert reading.value("invoice_code") is None
    assert reading.value("seller_name") is None


def _rotated(data: bytes, degrees: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").rotate(degrees, expand=True).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


@pytest.mark.parametrize("degrees", [90, 180])
def test_sideways_and_upside_down_without_qr_read_like_upright(
    reader: InvoiceReader,
    invoices_dir: Path,
    labels: dict[str, dict[str, str | None]],
    degrees: int,
) -> None:
    name = "vat_special_sample.jpg"  # no QR code: orientation must come from the text itself
    reading = reader.read(_rotated((invoices_dir / name).read_bytes(), degrees))
    assert reading.rotation == degrees  # turned back clockwise by as much as it was turned
    _assert_fields(reading, labels[name])


def test_a_photo_of_no_invoice_is_not_an_invoice(reader: InvoiceReader) -> None:
    rng = np.random.default_rng(7)
    image = Image.fromarray(rng.integers(90, 200, size=(480, 640, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 120, 460, 380), fill=(230, 160, 60))  # a ginger cat, abstractly
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    reading = reader.read(buffer.getvalue())
    assert not reading.is_invoice


@pytest.mark.parametrize(
    ("size", "colour", "fmt"),
    [
        ((1, 1), "white", "PNG"),
        ((3000, 6), "black", "PNG"),
        ((64, 64), "red", "GIF"),
        ((400, 300), "white", "JPEG"),
    ],
)
def test_degenerate_images_are_read_without_crashing(
    reader: InvoiceReader, size: tuple[int, int], colour: str, fmt: str
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    reading = reader.read(buffer.getvalue())
    assert not reading.is_invoice
    assert reading.value("invoice_number") is None


def test_a_photo_taken_at_an_angle_is_straightened(
    reader: InvoiceReader, invoices_dir: Path, labels: dict[str, dict[str, str | None]]
) -> None:
    name = "tianjin_freight_2.png"
    image = Image.open(invoices_dir / name).convert("RGB")
    buffer = io.BytesIO()
    image.rotate(-12, expand=True, fillcolor=(110, 110, 110)).save(
        buffer, format="JPEG", quality=85
    )
    reading = reader.read(buffer.getvalue())
    assert "deskew" in reading.timings
    _assert_fields(reading, labels[name])
