"""The QR payload of Chinese VAT e-invoices and 数电票."""

from __future__ import annotations

from nlu.invoice.qr_payload import parse_qr_payload, yuan_to_fen


def test_classic_e_invoice_payload() -> None:
    payload = parse_qr_payload(
        "01,10,012002100311,76293190,49.11,20211229,00534480932978422076,FEB7"
    )
    assert payload is not None
    assert payload.invoice_type == "增值税电子普通发票"
    assert payload.invoice_code == "012002100311"
    assert payload.invoice_number == "76293190"
    assert payload.amount_excl_tax_fen == 4911
    assert payload.issue_date == "2021-12-29"
    assert payload.check_code == "00534480932978422076"


def test_trailing_comma_is_tolerated() -> None:
    payload = parse_qr_payload(
        "01,10,012001800311,33207675,46.62,20190508,76939056883466677916,E1BD,"
    )
    assert payload is not None and payload.check_code == "76939056883466677916"


def test_digital_invoice_has_no_code_and_a_20_digit_number() -> None:
    payload = parse_qr_payload("01,31,,25452081553046405072,12217.57,20250313,,2403")
    assert payload is not None
    assert payload.invoice_code is None
    assert payload.check_code is None
    assert payload.invoice_number == "25452081553046405072"
    assert payload.invoice_type == "电子发票（增值税专用发票）"
    assert payload.amount_excl_tax_fen == 1221757


def test_other_qr_codes_are_not_invoices() -> None:
    assert parse_qr_payload("https://weixin.qq.com/r/abc") is None
    assert parse_qr_payload("01,10,abc,76293190,49.11,20211229,x,FEB7") is None
    assert parse_qr_payload("01,10,012002100311,7629,49.11,20211229,,FEB7") is None


def test_yuan_to_fen_never_uses_floats() -> None:
    assert yuan_to_fen("0.1") == 10
    assert yuan_to_fen("1919.47") == 191947
    assert yuan_to_fen("-14.16") == -1416
    assert yuan_to_fen("12") == 1200
    assert yuan_to_fen("1.234") is None
