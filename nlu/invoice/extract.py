"""Invoice fields from recognised text lines: labels found by text, values found by geometry.

Works on both layouts in circulation: the classic VAT form (buyer block above the goods table,
seller block below 价税合计, labels like 名称/纳税人识别号 with the value after a colon or in the
next box on the row) and the 数电票 form (buyer left, seller right, 统一社会信用代码/纳税人识别号).
Nothing here knows any particular invoice; it knows how Chinese VAT invoices are laid out.
The buyer and seller blocks (name, tax ID) are read in `nlu.invoice.parties`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlu.invoice.capitals import looks_like_capitals, parse_capital_amount
from nlu.invoice.layout import Line, normalise, right_of, same_row
from nlu.invoice.parties import CIPHER, NAME_LABEL, TAX_ID_LABEL, after_label, read_parties
from nlu.invoice.qr_payload import yuan_to_fen
from nlu.invoice.title import read_invoice_type

_AMOUNT = re.compile(r"-?\d{1,12}\.\d{2}")
_AMOUNT_LINE = re.compile(r"^[¥Y羊半*]?\(?-?\d{1,12}\.\d{2}\)?$")
_DATE = re.compile(r"(\d{4})[年\-./]?(\d{1,2})[月\-./]?(\d{1,2})")

# Words whose presence in a line's first few characters means the whole line is worth reading.
_WANTED_PREFIX = re.compile(
    r"发票|增值|电子|代码|号码|No|N0|№|日期|开票|校验|名称|^名|^称|纳税|识别|信用|统一|社会"
    r"|合计|价税|大写|小写|¥|购买|销售|税额|金额"
)
# 校验码, also with one character lost to blur ("校码", "验码").
CHECK_CODE_LABEL = re.compile(r"校验码|校验|校码|验码")
_CAPITAL_CHARS = re.compile(r"[壹贰叁肆伍陆柒捌玖拾佰仟圆角整]")


def wants_full_read(prefix: str) -> bool:
    """Judge a long line from its recognised left end: is the rest worth recognising?"""
    text = normalise(prefix)
    if text.startswith(("代开", "地址", "开户行", "机器编号")):
        return False  # labels of lines we never need
    if len(CIPHER.findall(text)) >= 2 and not re.search(r"[\u4e00-\u9fff]", text):
        return False  # the 密码区 cipher block
    if _WANTED_PREFIX.search(text) or _CAPITAL_CHARS.search(text):
        return True
    if re.match(r"^[\u4e00-\u9fff][:;]", text):
        return True  # "称：" with the 称 misread: a party's name follows
    # Long runs of digits/capitals: a code, number, tax ID or check code without its label.
    return bool(re.fullmatch(r"[0-9A-Z]{5,}", text))


@dataclass(slots=True)
class Extraction:
    """Fields found by OCR: name -> (value, confidence). Amounts in fen."""

    fields: dict[str, tuple[str | int, float]] = field(default_factory=dict)
    capital_text: str | None = None
    capital_fen: int | None = None
    tax_rates: tuple[str, ...] = ()
    keyword_hits: int = 0

    def put(self, name: str, value: str | int | None, confidence: float) -> None:
        if value is None or value == "":
            return
        if name not in self.fields or self.fields[name][1] < confidence:
            self.fields[name] = (value, round(max(0.0, min(1.0, confidence)), 3))


def extract_fields(lines: list[Line]) -> Extraction:
    out = Extraction()
    if not lines:
        return out
    out.keyword_hits = _keyword_hits(lines)
    found = read_invoice_type(lines)
    if found is not None:
        out.put("invoice_type", *found)
    _code_and_number(lines, out)
    _labelled(lines, out, "issue_date", re.compile(r"开票日期|日期|开票日"), _date_value)
    _labelled(lines, out, "check_code", CHECK_CODE_LABEL, _check_code_value)
    total_row = _amounts(lines, out)
    for name, (value, score) in read_parties(lines, total_row).items():
        out.put(name, value, score)
    rates = []
    for line in lines:
        for rate in re.findall(r"(?<![\d.])(\d{1,2}(?:\.\d)?)%", line.norm):
            if f"{rate}%" not in rates:
                rates.append(f"{rate}%")
        if "免税" in line.norm and "免税" not in rates:
            rates.append("免税")
    out.tax_rates = tuple(rates)
    return out


_KEYWORDS = (
    "发票",
    "代码",
    "号码",
    "开票日期",
    "校验码",
    "价税合计",
    "小写",
    "大写",
    "纳税人识别号",
    "合计",
    "税额",
    "金额",
    "税率",
    "购买方",
    "销售方",
    "名称",
    "密码区",
    "备注",
    "收款人",
    "开票人",
)


def _keyword_hits(lines: list[Line]) -> int:
    text = "".join(line.norm for line in lines)
    return sum(1 for word in _KEYWORDS if word in text)


# -- labelled values ---------------------------------------------------------------------------


def _labelled(lines, out, name, label, parse) -> None:  # type: ignore[no-untyped-def]
    for line in lines:
        text = line.norm
        if not label.search(text):
            continue
        value = parse(after_label(text, label).lstrip(":;"))
        if value is not None:
            out.put(name, value, line.score)
            continue
        neighbours = right_of(line, lines, max_gap=10 * line.height)[:4]
        joined = "".join(n.norm for n in neighbours)
        value = parse(joined)
        if value is not None:
            score = min([line.score, *(n.score for n in neighbours)])
            out.put(name, value, 0.95 * score)


def _date_value(text: str) -> str | None:
    found = _DATE.search(text)
    if not found:
        return None
    year, month, day = (int(part) for part in found.groups())
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _check_code_value(text: str) -> str | None:
    digits = re.sub(r"[^0-9]", "", text)
    return digits[:20] if len(digits) >= 20 else None


def _code_and_number(lines: list[Line], out: Extraction) -> None:
    _labelled(
        lines,
        out,
        "invoice_code",
        re.compile(r"发票代码|^代码"),
        lambda t: _digits_exact(t, (12, 10)),
    )
    _labelled(
        lines,
        out,
        "invoice_number",
        re.compile(r"发票号码|^号码"),
        lambda t: _digits_exact(t, (20, 8)),
    )
    for line in lines:
        found = re.match(r"^(?:No|NO|N0|№|Nº|N)[.:]?(\d{8})$", line.norm)
        if found:
            out.put("invoice_number", found.group(1), 0.97 * line.score)
    if "invoice_code" in out.fields and "invoice_number" in out.fields:
        return
    # Classic paper forms print the code and number large at the top without labels.
    # They sit above the buyer block (名称/纳税人识别号 labels), whatever surrounds the invoice.
    block = [
        line for line in lines if NAME_LABEL.match(line.norm) or TAX_ID_LABEL.search(line.norm)
    ]
    heights = sorted(line.height for line in lines)
    typical = heights[len(heights) // 2]
    if block:
        block_top = min(line.y0 for line in block)
        upper = [
            line for line in lines if block_top - 7 * typical < line.y0 and line.y1 <= block_top
        ]
    else:
        # No buyer block read: look beside the "No 12345678" number, if it was read.
        numbered = [line for line in lines if re.match(r"^(?:No|NO|N0|№)", line.norm)]
        upper = [
            line
            for line in lines
            if any(abs(line.cy - anchor.cy) < 2 * anchor.height for anchor in numbered)
        ]
    by_height = sorted(upper, key=lambda line: -line.height)
    for line in by_height:
        text = line.norm
        if "invoice_code" not in out.fields and re.fullmatch(r"\d{10}|\d{12}", text):
            out.put("invoice_code", text, 0.85 * line.score)
        if "invoice_number" not in out.fields and re.fullmatch(r"\d{8}", text):
            out.put("invoice_number", text, 0.85 * line.score)


def _digits_exact(text: str, lengths: tuple[int, ...]) -> str | None:
    found = re.match(r"\d+", text)
    if not found:
        return None
    digits = found.group(0)
    for length in lengths:
        if len(digits) == length:
            return digits
    return None


# -- amounts -----------------------------------------------------------------------------------


def _amount_of(text: str) -> int | None:
    found = _AMOUNT.search(text.replace(",", ""))
    return yuan_to_fen(found.group(0)) if found else None


def _amounts(lines: list[Line], out: Extraction) -> Line | None:
    """合计 row -> amount before tax and tax; (小写) -> total; 大写 -> capitals. Returns the
    价税合计 line (the boundary between buyer and seller blocks on classic forms)."""
    total_anchor: Line | None = None
    for line in lines:
        text = line.norm
        if "价税合计" in text or "大写" in text:
            total_anchor = total_anchor or line
        if "小写" in text:
            rest = text.split("小写", 1)[1]
            fen = _amount_of(rest)
            if fen is None:
                for neighbour in right_of(line, lines, max_gap=8 * line.height)[:2]:
                    fen = _amount_of(neighbour.norm)
                    if fen is not None:
                        break
            if fen is not None:
                out.put("amount_total", fen, line.score)
            total_anchor = total_anchor or line
    if "amount_total" not in out.fields and total_anchor is not None:
        # The "(小写)" label misread ("小¥52.70", "(小52.70"): the right-most figure after ¥,
        # 小 or a bracket on the 价税合计 row.
        figures = [
            line
            for line in lines
            if same_row(line, total_anchor) and re.search(r"[¥小)]-?\d{1,12}\.\d{2}$", line.norm)
        ]
        if figures:
            rightmost = max(figures, key=lambda line: line.x1)
            amount = re.split(r"[¥小)]", rightmost.norm)[-1]
            out.put("amount_total", _amount_of(amount), 0.9 * rightmost.score)
    # Capitals: prefer the line on the 价税合计 row.
    candidates = [line for line in lines if looks_like_capitals(line.norm)]
    if total_anchor is not None:
        candidates.sort(key=lambda line: (not same_row(line, total_anchor), line.y0))
    for line in candidates:
        fen = parse_capital_amount(line.norm)
        if fen is not None:
            out.capital_text = line.text
            out.capital_fen = fen
            if "amount_total" not in out.fields:
                out.put("amount_total", fen, 0.9 * line.score)
            break

    # The 合计 row: "合计" in one box, or "合" and "计" apart.
    sum_labels = [line for line in lines if re.fullmatch(r"合计:?", line.norm)]
    if not sum_labels:
        heads = [line for line in lines if line.norm == "合"]
        for head in heads:
            if any(line.norm == "计" and same_row(head, line) for line in lines):
                sum_labels.append(head)
    for label in sum_labels:
        row = [
            line
            for line in lines
            if line is not label and same_row(label, line, 0.3) and _AMOUNT_LINE.match(line.norm)
        ]
        row.sort(key=lambda line: line.x0)
        if len(row) >= 2:
            out.put("amount_excl_tax", _amount_of(row[0].norm), row[0].score)
            out.put("tax", _amount_of(row[-1].norm), row[-1].score)
            break
        if len(row) == 1:
            out.put("amount_excl_tax", _amount_of(row[0].norm), 0.8 * row[0].score)
    if "tax" not in out.fields and total_anchor is not None:
        # No 合计 label read: the row of ¥ figures just above 价税合计 is the sum row.
        above = [
            line
            for line in lines
            if line.y1 <= total_anchor.y0 + 0.3 * total_anchor.height
            and re.fullmatch(r"[¥]-?\d{1,12}\.\d{2}", line.norm)
        ]
        if above:
            nearest = max(above, key=lambda line: line.y1)
            row = sorted(
                (line for line in above if same_row(line, nearest)), key=lambda line: line.x0
            )
            if len(row) >= 2:
                out.put("amount_excl_tax", _amount_of(row[0].norm), 0.9 * row[0].score)
                out.put("tax", _amount_of(row[-1].norm), 0.9 * row[-1].score)
    return total_anchor
