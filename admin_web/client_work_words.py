"""The panel's words for a client's invoices, books upload and the firm's checklist templates:
invoice fields and checks, taxpayer kinds, and what is wrong with a template."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.checklist_templates import Problem
from domain.filing import Party, TaxpayerKind
from domain.invoice_checks import CheckResult

FIELD_ZH: Mapping[str, str] = {
    "invoice_type": "发票类型",
    "number": "发票号码",
    "code": "发票代码",
    "issue_date": "开票日期",
    "amount_excl_tax": "金额（不含税）",
    "tax": "税额",
    "amount_total": "价税合计",
    "seller_name": "销售方",
    "buyer_name": "购买方",
    "seller_tax_id": "销售方税号",
    "buyer_tax_id": "购买方税号",
    "check_code": "校验码",
}
CHECK_ZH: Mapping[str, str] = {
    "seller_tax_id": "销售方税号校验不通过",
    "buyer_tax_id": "购买方税号校验不通过",
    "sum": "金额 + 税额 ≠ 价税合计",
    "date": "开票日期有误",
    "qr_ocr": "二维码与票面识别不一致",
    "capitals": "大写金额与价税合计不一致",
}
KIND_ZH: Mapping[TaxpayerKind, str] = {
    TaxpayerKind.SMALL: "小规模纳税人",
    TaxpayerKind.GENERAL: "一般纳税人",
}
PARTY_ZH: Mapping[Party, str] = {Party.CLIENT: "客户", Party.STAFF: "会计"}
PROBLEM_ZH: Mapping[str, str] = {
    "checklist_empty": "清单至少要有一项。",
    "checklist_too_many": "清单最多 {limit} 项。",
    "checklist_no_return": "至少保留一项“申报”事项（例如申报增值税），否则这个月永远不会标记为已申报。",
    "item_label_missing": "第 {row} 项：请填写名称。",
    "item_label_too_long": "第 {row} 项：名称最多 {limit} 个字。",
    "item_label_repeated": "第 {row} 项：“{label}”重复了。",
    "item_days_out_of_range": "第 {row} 项：截止天数请填 0 到 {limit} 之间的整数。",
    "item_key_invalid": "第 {row} 项：请刷新页面后重试。",
    "item_return_for_client": "第 {row} 项：申报事项只能由会计完成。",
    "item_books_for_client": "第 {row} 项：记账事项只能由会计完成。",
    "days_not_number": "第 {row} 项：截止天数请填整数。",
}


def check_zh(check: CheckResult) -> str:
    return CHECK_ZH.get(check.name, "校验不通过")


def problems_zh(found: Sequence[Problem]) -> list[str]:
    out = []
    for p in found:
        facts = {"row": p.row, **dict(p.facts)}
        try:
            out.append(PROBLEM_ZH[p.code].format(**facts))
        except (KeyError, IndexError):
            out.append("清单模板有问题，请检查。")
    return out
