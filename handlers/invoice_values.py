"""Values people type about invoices, read as they write them: the words they use for fields
("更正 金额 46.62", "改 税号 …"), shorthands for invoice types ("专票"), money with its marks
("￥46.6", "46元"), dates in characters ("2024年3月15日") and months in words ("上个月").
What is read here goes to the domain in plain form (`domain.invoice_uploads.correct`)."""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.clock import SHANGHAI
from domain.invoice_uploads import CorrectionInvalid, month_of, shift_month
from domain.invoice_uploads import parse_fen as parse_plain_fen

# What people type -> the field it corrects.
CORRECTABLE: dict[str, str] = {
    "号码": "number",
    "发票号码": "number",
    "代码": "code",
    "发票代码": "code",
    "日期": "issue_date",
    "开票日期": "issue_date",
    "金额": "amount_excl_tax",
    "不含税金额": "amount_excl_tax",
    "税额": "tax",
    "合计": "amount_total",
    "价税合计": "amount_total",
    "总额": "amount_total",
    "销售方": "seller_name",
    "销方": "seller_name",
    "购买方": "buyer_name",
    "购方": "buyer_name",
    "税号": "seller_tax_id",
    "销售方税号": "seller_tax_id",
    "购买方税号": "buyer_tax_id",
    "校验码": "check_code",
    "类型": "invoice_type",
    "发票类型": "invoice_type",
    "票种": "invoice_type",
}
# How people name the common kinds in a correction ("更正 类型 专票").
TYPE_SHORTHANDS: dict[str, str] = {
    "专票": "增值税专用发票",
    "普票": "增值税普通发票",
    "电子专票": "增值税电子专用发票",
    "电子普票": "增值税电子普通发票",
    "数电专票": "电子发票（增值税专用发票）",
    "数电普票": "电子发票（普通发票）",
}
MONEY_FIELDS = frozenset({"amount_excl_tax", "tax", "amount_total"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def plain_money(raw: str) -> str:
    """ "￥1，234.5元" -> "¥1,234.5": the marks people add, as the domain reads them."""
    text = raw.strip().replace("，", ",").replace("￥", "¥")
    return text.removesuffix("元").rstrip()


def parse_fen(raw: str) -> int:
    """ "46.62" / "¥46.62" / "46.62元" / "1,234.5" -> fen; at most two decimals."""
    return parse_plain_fen(plain_money(raw))


def typed_value(field_name: str, raw: str) -> str:
    """What someone typed for `field_name`, in the plain form the domain takes."""
    value = raw.strip()
    if field_name in MONEY_FIELDS:
        return plain_money(value)
    if field_name == "issue_date":
        m = _DATE.match(value)
        if m is None:
            return value  # the domain says how to write it (or reads "20240315")
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError as exc:
            raise CorrectionInvalid("date_invalid", text=value) from exc
    if field_name == "invoice_type":
        return TYPE_SHORTHANDS.get(value, value)
    return value


_REL = {"本月": 0, "这个月": 0, "这月": 0, "当月": 0, "本月份": 0, "上个月": -1, "上月": -1}
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?份?$")
_M = re.compile(r"^(\d{1,2})\s*月份?$")


def parse_period(text: str | None, now: datetime) -> str | None:
    """ "本月" / "上个月" / "2024-03" / "2024年3月" / "3月" -> "YYYY-MM" (None if not a month).
    A bare month later than this one means last year's."""
    this = month_of(now.astimezone(SHANGHAI).date())
    if not text:
        return this
    t = text.strip()
    if t in _REL:
        return shift_month(this, _REL[t])
    if re.fullmatch(r"\d{4}-\d{2}", t) and 1 <= int(t[5:]) <= 12:
        return t  # NLU's normalised form
    m = _YM.match(t)
    if m is not None and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _M.match(t)
    if m is not None and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        year = int(this[:4]) - (1 if month > int(this[5:]) else 0)
        return f"{year:04d}-{month:02d}"
    return None
