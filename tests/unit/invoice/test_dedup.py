"""Two uploads are the same invoice by code + number (number alone for 数电票), or by bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.invoices import Invoice, InvoiceKind, dedup_key, find_duplicate, kind_of
from handlers.invoice_texts import duplicate_text


def test_dedup_key_uses_code_and_number() -> None:
    assert dedup_key("012002100311", "76293190") == "012002100311:76293190"


def test_digital_invoices_are_keyed_by_number_alone() -> None:
    assert dedup_key(None, "25452081553046405072") == "25452081553046405072"
    assert dedup_key("", "25452081553046405072") == "25452081553046405072"


def test_a_number_is_required() -> None:
    with pytest.raises(ValueError):
        dedup_key("012002100311", " ")


def test_kind_from_printed_type() -> None:
    assert kind_of("电子发票（增值税专用发票）") is InvoiceKind.DIGITAL
    assert kind_of("增值税专用发票") is InvoiceKind.VAT_SPECIAL
    assert kind_of("增值税电子普通发票") is InvoiceKind.VAT_COMMON
    assert kind_of(None, "25452081553046405072") is InvoiceKind.DIGITAL


def _invoice(number: str, sha: str, at: datetime, by: int = 7) -> Invoice:
    return Invoice(
        company_id=1,
        number=number,
        code="012002100311",
        kind=InvoiceKind.VAT_COMMON,
        invoice_type="增值税电子普通发票",
        issue_date=None,
        amount_excl_tax_fen=4911,
        tax_fen=49,
        amount_total_fen=4960,
        buyer_name=None,
        buyer_tax_id=None,
        seller_name=None,
        seller_tax_id=None,
        check_code=None,
        image_sha256=sha,
        uploaded_by=by,
        uploaded_at=at,
    )


def test_duplicate_found_by_key_tells_when_and_who() -> None:
    first = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    existing = [
        _invoice("76293190", "a" * 64, first),
        _invoice("76293190", "b" * 64, first + timedelta(days=1)),
    ]
    found = find_duplicate("012002100311:76293190", "c" * 64, existing)
    assert found is not None and not found.by_same_image
    assert found.original.uploaded_at == first
    message = duplicate_text(found, "张会计")
    assert "张会计" in message and "2026-03-01 10:00" in message  # Beijing time


def test_same_bytes_are_a_duplicate_even_unread() -> None:
    existing = [_invoice("76293190", "a" * 64, datetime(2026, 3, 1, tzinfo=UTC))]
    found = find_duplicate(None, "a" * 64, existing)
    assert found is not None and found.by_same_image


def test_new_invoice_is_not_a_duplicate() -> None:
    existing = [_invoice("76293190", "a" * 64, datetime(2026, 3, 1, tzinfo=UTC))]
    assert find_duplicate("012002100311:76293191", "d" * 64, existing) is None


def test_naive_upload_time_is_refused() -> None:
    with pytest.raises(ValueError):
        _invoice("1", "a" * 64, datetime(2026, 3, 1))
