"""Business checks on a reading: tax ID checksum, sums, dates, QR vs OCR, capitals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.invoice_checks import (
    InvoiceFacts,
    check_capitals,
    check_date,
    check_qr_agrees,
    check_sum,
    is_valid_uscc,
    run_checks,
)
from handlers.invoice_texts import check_text


@pytest.mark.parametrize(
    "code",
    [
        "91120222079642398Y",
        "91410100MA44HUD80N",
        "91440300MA5F5KP94F",
        "91120118MA06YHFMX5",
        "913205009093786543",
        "91350100M000100Y43",
    ],
)
def test_valid_unified_social_credit_codes(code: str) -> None:
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    "code",
    ["91120222079642398X", "91120222079642389Y", "9112022207964239", "91120222O79642398Y", ""],
)
def test_invalid_unified_social_credit_codes(code: str) -> None:
    assert not is_valid_uscc(code)


def test_sum_check_passes_and_fails_visibly() -> None:
    assert check_sum(InvoiceFacts(amount_excl_tax_fen=4911, tax_fen=49, amount_total_fen=4960)).ok  # type: ignore[union-attr]
    failed = check_sum(InvoiceFacts(amount_excl_tax_fen=4911, tax_fen=49, amount_total_fen=4970))
    assert failed is not None and not failed.ok and "49.70" in check_text(failed)
    assert check_sum(InvoiceFacts(amount_excl_tax_fen=4911)) is None


def test_date_in_the_future_uses_beijing_time() -> None:
    # 16:30 UTC on 31 Dec is already 1 Jan in Beijing: an invoice dated 1 Jan is not in the future.
    now = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert check_date(InvoiceFacts(issue_date="2026-01-01"), now).ok  # type: ignore[union-attr]
    assert not check_date(InvoiceFacts(issue_date="2026-01-02"), now).ok  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        check_date(InvoiceFacts(issue_date="2026-01-01"), datetime(2025, 12, 31))


def test_qr_and_ocr_disagreement_names_the_fields() -> None:
    facts = InvoiceFacts(
        qr_vs_ocr={
            "invoice_number": ("76293190", "76293196"),
            "issue_date": ("2021-12-29", "2021-12-29"),
        }
    )
    result = check_qr_agrees(facts)
    assert result is not None and not result.ok and "发票号码" in check_text(result)


def test_capitals_against_figures() -> None:
    assert check_capitals(InvoiceFacts(capital_amount_fen=4960, amount_total_fen=4960)).ok  # type: ignore[union-attr]
    assert not check_capitals(InvoiceFacts(capital_amount_fen=4960, amount_total_fen=4690)).ok  # type: ignore[union-attr]


def test_run_checks_shows_failures_and_skips_what_was_not_read() -> None:
    facts = InvoiceFacts(
        issue_date="2021-12-29",
        amount_excl_tax_fen=4911,
        tax_fen=49,
        amount_total_fen=4960,
        seller_tax_id="91120118MA06YHFMX4",
        buyer_tax_id="410305123456789",  # 15 characters: old format, not checked
    )
    results = {r.name: r for r in run_checks(facts, datetime(2026, 1, 1, tzinfo=UTC))}
    assert set(results) == {"seller_tax_id", "sum", "date"}
    assert not results["seller_tax_id"].ok and "校验位" in check_text(results["seller_tax_id"])
