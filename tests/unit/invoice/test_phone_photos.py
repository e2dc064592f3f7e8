"""Phone photos of invoices: a small blurred QR, parties on a tilted page, a stamped title.

The last tests run the reader on phone-photo-like variants of the shared fixtures (the bench's
own transform, with seeds that once tripped the reader: a QR too blurred for the plain pass, the
seller's first row overlapping the 价税合计 row, the title of an invoice inside a screenshot).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from nlu.invoice.extract import extract_fields, wants_full_read
from nlu.invoice.layout import Line
from nlu.invoice.parties import read_parties
from nlu.invoice.qr import _decode, find_qr_codes
from nlu.invoice.reader import InvoiceReader

PAYLOAD = "01,10,012001800311,33207675,46.62,20190508,76939056883466677916,A1B2,"


def _blurred_qr_page(module_px: float, sigma: float) -> np.ndarray:
    symbol = zxingcpp.create_barcode(PAYLOAD, zxingcpp.BarcodeFormat.QRCode)
    modules = np.array(zxingcpp.write_barcode_to_image(symbol, scale=1))
    side = round(modules.shape[0] * module_px)
    page = np.full((700, 1000), 235, dtype=np.uint8)
    page[100 : 100 + side, 100 : 100 + side] = np.minimum(
        cv2.resize(modules, (side, side), interpolation=cv2.INTER_AREA), 235
    )
    return cv2.GaussianBlur(page, (0, 0), sigma)


@pytest.mark.parametrize(("module_px", "sigma"), [(2.0, 1.0), (2.5, 1.2)])
def test_a_small_blurred_qr_is_found_by_the_sharpened_fallbacks(
    module_px: float, sigma: float
) -> None:
    page = _blurred_qr_page(module_px, sigma)
    assert _decode(page) == []  # the plain pass cannot read it
    hits = find_qr_codes(page)
    assert [hit.text for hit in hits] == [PAYLOAD]
    xs = [x for x, _ in hits[0].corners]
    assert 90 <= min(xs) <= 110  # corners in page pixels, not the doubled copy's


def _line(text: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.99) -> Line:
    return Line(text, score, x0, y0, x1, y1)


def test_the_seller_row_touching_the_total_row_is_still_the_seller() -> None:
    # On a tilted photo the seller's 名称 box starts a pixel above the 价税合计 box's bottom.
    lines = [
        _line("称：个人", 290, 204, 362, 235, score=0.95),
        _line("纳税人识别号：", 198, 238, 321, 271),
        _line("价税合计（大写）", 217, 687, 355, 722),
        _line("（小写）¥2169.00", 998, 691, 1172, 725),
        _line("称：深圳市即客思维科技有限公司", 281, 724, 541, 759),
        _line("纳税人识别号：91440300MA5F5KP94F", 188, 758, 550, 793),
    ]
    total_row = lines[3]
    found = read_parties(lines, total_row)
    assert found["buyer_name"][0] == "个人"
    assert found["seller_name"][0] == "深圳市即客思维科技有限公司"
    assert found["seller_tax_id"][0] == "91440300MA5F5KP94F"


def test_misread_labels_on_a_blurred_photo_do_not_turn_other_lines_into_names() -> None:
    # "名称：" read as "将：" above the seller's tax ID; the capitals line sits above that.
    lines = [
        _line("价税合计（大写）", 213, 507, 327, 538),
        _line("伍拾贰器柒角", 415, 506, 540, 539),
        _line("小￥52.70", 918, 509, 1031, 542),
        _line("将：天津瑞佳讯贸易有限公司", 264, 541, 620, 569),
        _line("人识别号：91120222079642398Y", 229, 562, 529, 599),
    ]
    found = extract_fields(lines)
    assert found.fields["seller_name"][0] == "天津瑞佳讯贸易有限公司"
    assert found.fields["seller_tax_id"][0] == "91120222079642398Y"
    assert found.fields["amount_total"][0] == 5270  # "(小写)" misread as "小"
    without_name = [line for line in lines if not line.text.startswith("将")]
    assert "seller_name" not in extract_fields(without_name).fields  # not "伍拾贰器柒角"
    assert wants_full_read("将：天津瑞佳")  # a one-character label: read the whole line


def test_labels_with_a_character_lost_to_blur_still_lead_to_their_values() -> None:
    lines = [
        _line("开票日：20190508", 835, 214, 1042, 248),  # 开票日期
        _line("校码：76939056883466677916", 918, 271, 1165, 303),  # 校验码
        _line("价税合计（大学）", 281, 666, 391, 692),
        _line("（小52.70", 942, 661, 1062, 692),  # (小写)¥52.70
        _line("称：天津瑞佳讯贸易有限公司", 330, 698, 535, 727),
        _line("税人别号：91120222079642398Y", 268, 726, 585, 755),  # 纳税人识别号
    ]
    found = extract_fields(lines).fields
    assert found["issue_date"][0] == "2019-05-08"
    assert found["check_code"][0] == "76939056883466677916"
    assert found["amount_total"][0] == 5270
    assert found["seller_tax_id"][0] == "91120222079642398Y"


def _phone(invoices_dir: Path, name: str, seed: int) -> bytes:
    from bench.invoices import _decode as decode_image
    from bench.invoices import phone_like

    return phone_like(decode_image((invoices_dir / name).read_bytes()), seed)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "seed", "expected"),
    [
        # QR with ~2-pixel modules after the blur: read by the sharpened, doubled pass.
        ("tianjin_jd_e_invoice.png", 1, {"invoice_code": ("012001800311", "qr")}),
        # Seller's name row overlaps the 价税合计 row's box on this tilt.
        ("shenzhen_e_invoice.png", 5, {"buyer_name": ("个人", "ocr")}),
        # 江苏增值税普通发票 inside a screenshot, the stamp over 值税普: chosen by CTC scoring.
        ("jiangsu_common_screenshot.jpg", 1, {"invoice_type": ("增值税普通发票", "ocr")}),
        ("vat_special_sample.jpg", 1, {"invoice_type": ("增值税专用发票", "ocr")}),
    ],
)
def test_phone_photos_that_once_tripped_the_reader(
    reader: InvoiceReader,
    invoices_dir: Path,
    name: str,
    seed: int,
    expected: dict[str, tuple[str, str]],
) -> None:
    reading = reader.read(_phone(invoices_dir, name, seed))
    for field, (value, source) in expected.items():
        assert reading.fields[field].value == value
        assert reading.fields[field].source == source
