"""Business checks on what was read from an invoice. Failed checks are shown to people, never
hidden, so each result carries the facts its wording needs (`handlers.invoice_texts`).

The input is `InvoiceFacts`, plain values (amounts in fen, ISO dates); a mapper at the edge fills
it from perception's reading, so the domain never imports `nlu`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.clock import SHANGHAI

# GB 32100-2015: the 18-character unified social credit code (统一社会信用代码).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict on a reading: its name, whether it passed, and the facts behind it
    (the figures that did not add up, the fields that disagree), worded at the edge."""

    name: str
    ok: bool
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What a check needs to know about one reading."""

    invoice_number: str | None = None
    issue_date: str | None = None  # YYYY-MM-DD
    amount_excl_tax_fen: int | None = None
    tax_fen: int | None = None
    amount_total_fen: int | None = None
    buyer_tax_id: str | None = None
    seller_tax_id: str | None = None
    capital_amount_fen: int | None = None
    # Fields read both from the QR code and by OCR: name -> (qr value, ocr value).
    qr_vs_ocr: dict[str, tuple[str, str]] = field(default_factory=dict)


def uscc_check_char(first17: str) -> str | None:
    """The check character for the first 17 characters, or None if they are not valid ones."""
    if len(first17) != 17 or any(ch not in _USCC_ALPHABET for ch in first17):
        return None
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    code = code.strip().upper()
    return len(code) == 18 and uscc_check_char(code[:17]) == code[17]


def check_tax_id(tax_id: str | None, name: str) -> CheckResult | None:
    """18-character IDs must pass GB 32100-2015; older 15/17/20-character IDs are not checked.
    `name`: "seller_tax_id" or "buyer_tax_id"."""
    if not tax_id or len(tax_id) != 18:
        return None
    if is_valid_uscc(tax_id):
        return CheckResult(name, True)
    return CheckResult(name, False, {"tax_id": tax_id})


def check_sum(facts: InvoiceFacts) -> CheckResult | None:
    excl, tax, total = facts.amount_excl_tax_fen, facts.tax_fen, facts.amount_total_fen
    if excl is None or tax is None or total is None:
        return None
    if excl + tax == total:
        return CheckResult("sum", True)
    return CheckResult("sum", False, {"excl_tax_fen": excl, "tax_fen": tax, "total_fen": total})


def check_date(facts: InvoiceFacts, now: datetime) -> CheckResult | None:
    """The issue date may not be later than today in Beijing time."""
    if facts.issue_date is None:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    try:
        issued = date.fromisoformat(facts.issue_date)
    except ValueError:
        return CheckResult("date", False, {"issue_date": facts.issue_date, "problem": "invalid"})
    today = now.astimezone(SHANGHAI).date()
    if issued > today:
        return CheckResult("date", False, {"issue_date": facts.issue_date, "problem": "future"})
    return CheckResult("date", True)


def check_qr_agrees(facts: InvoiceFacts) -> CheckResult | None:
    if not facts.qr_vs_ocr:
        return None
    differ = [name for name, (qr, ocr) in facts.qr_vs_ocr.items() if qr != ocr]
    if not differ:
        return CheckResult("qr_ocr", True)
    return CheckResult("qr_ocr", False, {"fields": differ})


def check_capitals(facts: InvoiceFacts) -> CheckResult | None:
    if facts.capital_amount_fen is None or facts.amount_total_fen is None:
        return None
    if facts.capital_amount_fen == facts.amount_total_fen:
        return CheckResult("capitals", True)
    return CheckResult(
        "capitals",
        False,
        {"capital_fen": facts.capital_amount_fen, "total_fen": facts.amount_total_fen},
    )


def run_checks(facts: InvoiceFacts, now: datetime) -> list[CheckResult]:
    """All checks that apply to what was read, in a stable order."""
    results = [
        check_tax_id(facts.seller_tax_id, "seller_tax_id"),
        check_tax_id(facts.buyer_tax_id, "buyer_tax_id"),
        check_sum(facts),
        check_date(facts, now),
        check_qr_agrees(facts),
        check_capitals(facts),
    ]
    return [result for result in results if result is not None]
