"""Business checks on what was read from an invoice. Failed checks are shown to people, never
hidden, so each result carries a Chinese message.

The input is `InvoiceFacts`, plain values (amounts in fen, ISO dates); a mapper at the edge fills
it from perception's reading, so the domain never imports `nlu`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.clock import SHANGHAI

# GB 32100-2015: the 18-character unified social credit code (统一社会信用代码).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    message_zh: str


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


def check_tax_id(label_zh: str, tax_id: str | None, name: str) -> CheckResult | None:
    """18-character IDs must pass GB 32100-2015; older 15/17/20-character IDs are not checked."""
    if not tax_id or len(tax_id) != 18:
        return None
    if is_valid_uscc(tax_id):
        return CheckResult(name, True, f"{label_zh}纳税人识别号校验通过")
    return CheckResult(
        name, False, f"{label_zh}纳税人识别号 {tax_id} 校验位不对，可能识别有误，请核对"
    )


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def check_sum(facts: InvoiceFacts) -> CheckResult | None:
    excl, tax, total = facts.amount_excl_tax_fen, facts.tax_fen, facts.amount_total_fen
    if excl is None or tax is None or total is None:
        return None
    if excl + tax == total:
        return CheckResult("sum", True, "金额 + 税额 = 价税合计")
    return CheckResult(
        "sum", False, f"金额 {_yuan(excl)} + 税额 {_yuan(tax)} ≠ 价税合计 {_yuan(total)}，请核对"
    )


def check_date(facts: InvoiceFacts, now: datetime) -> CheckResult | None:
    """The issue date may not be later than today in Beijing time."""
    if facts.issue_date is None:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    try:
        issued = date.fromisoformat(facts.issue_date)
    except ValueError:
        return CheckResult("date", False, f"开票日期 {facts.issue_date} 不是有效日期")
    today = now.astimezone(SHANGHAI).date()
    if issued > today:
        return CheckResult("date", False, f"开票日期 {facts.issue_date} 晚于今天，请核对")
    return CheckResult("date", True, "开票日期有效")


_FIELD_ZH = {
    "invoice_type": "发票类型",
    "invoice_code": "发票代码",
    "invoice_number": "发票号码",
    "issue_date": "开票日期",
    "check_code": "校验码",
    "amount_excl_tax": "金额",
}


def check_qr_agrees(facts: InvoiceFacts) -> CheckResult | None:
    if not facts.qr_vs_ocr:
        return None
    differ = [name for name, (qr, ocr) in facts.qr_vs_ocr.items() if qr != ocr]
    if not differ:
        return CheckResult("qr_ocr", True, "二维码与票面文字一致")
    names = "、".join(_FIELD_ZH.get(name, name) for name in differ)
    return CheckResult("qr_ocr", False, f"二维码与票面文字不一致：{names}，请核对")


def check_capitals(facts: InvoiceFacts) -> CheckResult | None:
    if facts.capital_amount_fen is None or facts.amount_total_fen is None:
        return None
    if facts.capital_amount_fen == facts.amount_total_fen:
        return CheckResult("capitals", True, "大写金额与小写金额一致")
    return CheckResult(
        "capitals",
        False,
        f"大写金额 {_yuan(facts.capital_amount_fen)} 与小写金额 {_yuan(facts.amount_total_fen)} 不一致",
    )


def run_checks(facts: InvoiceFacts, now: datetime) -> list[CheckResult]:
    """All checks that apply to what was read, in a stable order."""
    results = [
        check_tax_id("销售方", facts.seller_tax_id, "seller_tax_id"),
        check_tax_id("购买方", facts.buyer_tax_id, "buyer_tax_id"),
        check_sum(facts),
        check_date(facts, now),
        check_qr_agrees(facts),
        check_capitals(facts),
    ]
    return [result for result in results if result is not None]
