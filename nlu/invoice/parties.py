"""The buyer (购买方) and seller (销售方) blocks of an invoice: each party's name and tax ID.

Both layouts in circulation print 名称 above 纳税人识别号 / 统一社会信用代码 for each party; the
classic form puts the buyer above the goods table and the seller below 价税合计, the 数电票 form
puts the buyer left and the seller right. Split from `nlu.invoice.extract` because telling the
two parties apart is its own piece of geometry; the label patterns live here and extraction uses
them too (the buyer block bounds where the classic form prints its code and number).
"""

from __future__ import annotations

import re

from nlu.invoice.layout import Line, right_of
from nlu.invoice.taxid import repair_tax_id

NAME_LABEL = re.compile(r"^(名称|名|称)[:;.]?")
TAX_ID_LABEL = re.compile(
    r"(纳税人识别号|纳税人.{0,3}号|税人.{0,2}号|识别号|信用代码|纳税人识别|税号)[^:]*?[:;]?"
)
_TAX_ID = re.compile(r"[0-9A-Z]{15,20}")
# Right after its label, an old-style short ID (some local forms print 9 characters) is accepted.
_TAX_ID_AFTER_LABEL = re.compile(r"^[0-9A-Z]{8,20}$")
# Characters of the 密码区 cipher block: a line full of them is never a name.
CIPHER = re.compile(r"[<>*/+]")


def after_label(text: str, label: re.Pattern[str]) -> str:
    """The text after `label` in `text` (all of it when the label is not there)."""
    found = label.search(text)
    return text[found.end() :] if found else text


# Other labels of the form: a line carrying one of them is never a party's name.
_OTHER_LABEL = re.compile(r"价税合计|大写|小写|识别号|开户行|地址|电话|账号")
_CAPITAL_CHARS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整")


def _is_name_value(text: str) -> bool:
    return (
        len(text) >= 2
        and re.search(r"[\u4e00-\u9fff]", text) is not None
        and len(CIPHER.findall(text)) <= 1
        and not NAME_LABEL.match(text)
        and not _OTHER_LABEL.search(text)
        # The 价税合计 amount in capitals ("伍拾贰圆柒角") on the row above the seller block.
        and sum(ch in _CAPITAL_CHARS for ch in text) < 0.6 * len(text)
    )


def read_parties(lines: list[Line], total_anchor: Line | None) -> dict[str, tuple[str, float]]:
    """Buyer and seller name and tax ID: field name -> (value, confidence).

    On classic forms the seller block is below the 价税合计 line (`total_anchor`); on 数电票 the
    seller is on the right half.
    """
    xs = [line.x0 for line in lines] + [line.x1 for line in lines]
    anchors = [
        line
        for line in lines
        if re.search(r"价税合计|小写|纳税人识别号|开票日期|发票号码|合计|税额", line.norm)
    ]
    left = min((a.x0 for a in anchors), default=min(xs))
    right = max((a.x1 for a in anchors), default=max(xs))
    mid = (left + right) / 2

    def is_seller(line: Line) -> bool:
        # Centres, not edges: on a tilted photo the seller's first row can overlap the
        # 价税合计 row's box by a pixel or two.
        if total_anchor is not None and line.cy > total_anchor.y1:
            return True
        return line.x0 > mid - 0.05 * (right - left)

    names: dict[str, tuple[str, float]] = {}
    ids: dict[str, tuple[str, float]] = {}
    id_labels: dict[str, Line] = {}
    for line in lines:
        text = line.norm
        if TAX_ID_LABEL.search(text):
            party = "seller" if is_seller(line) else "buyer"
            id_labels.setdefault(party, line)
            value = _tax_id_value(after_label(text, TAX_ID_LABEL))
            score = line.score
            if value is None:
                for neighbour in right_of(line, lines, max_gap=6 * line.height)[:2]:
                    if TAX_ID_LABEL.search(neighbour.norm) or NAME_LABEL.match(neighbour.norm):
                        break  # the other party's block on the same row
                    value = _tax_id_value(neighbour.norm)
                    if value is not None:
                        score = min(score, neighbour.score)
                        break
            if value is not None and (party not in ids or ids[party][1] < score):
                ids[party] = (value, score)
            continue
        label = NAME_LABEL.match(text)
        if label is None or re.search(r"项目|货物|劳务|服务名称", text):
            continue
        party = "seller" if is_seller(line) else "buyer"
        value = text[label.end() :].lstrip(":;")
        score = line.score
        if value.startswith("称"):
            value = value[1:].lstrip(":;")
        if not _is_name_value(value):
            value = ""
            for neighbour in right_of(line, lines, max_gap=8 * line.height)[:3]:
                if TAX_ID_LABEL.search(neighbour.norm) or re.match(r"名称", neighbour.norm):
                    break  # the other party's block on the same row
                candidate = neighbour.norm.lstrip(":;")
                if re.match(r"^.[:;]", candidate):
                    candidate = candidate[2:]  # "称：" with the 称 misread
                if _is_name_value(candidate):
                    value, score = candidate, min(score, neighbour.score)
                    break
        if value and (party not in names or names[party][1] < score):
            names[party] = (value, score)
    for party, id_label in id_labels.items():
        if party not in names:
            found = _name_above(id_label, lines)
            if found is not None:
                names[party] = found
    fields: dict[str, tuple[str, float]] = {}
    for party, (value, score) in names.items():
        fields[f"{party}_name"] = (value, score)
    for party, (value, score) in ids.items():
        fields[f"{party}_tax_id"] = (value, score)
    return fields


def _name_above(id_label: Line, lines: list[Line]) -> tuple[str, float] | None:
    """The name printed on the row above a tax-ID label, when its own label was misread.

    Both layouts print 名称 directly above 纳税人识别号 / 统一社会信用代码.
    """
    reach = 2.2 * id_label.height
    above = [
        line
        for line in lines
        if line.full
        and line.y1 <= id_label.cy
        and id_label.y0 - line.y1 < reach
        and line.x1 > id_label.x0
        and line.x0 < id_label.x1 + 3 * id_label.height
    ]
    for line in sorted(above, key=lambda item: (-item.y1, item.x0)):
        text = line.norm
        text = re.sub(r"^(名称|名|称|.)[:;]", "", text).lstrip(":;")
        if _is_name_value(text) and not TAX_ID_LABEL.search(text):
            return text, 0.85 * line.score
    return None


def _tax_id_value(text: str) -> str | None:
    text = text.upper().strip(":;")
    if _TAX_ID_AFTER_LABEL.match(text):
        return repair_tax_id(text)
    found = _TAX_ID.search(text)
    return repair_tax_id(found.group(0)) if found else None
