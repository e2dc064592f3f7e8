"""The words of Chinese statements: line labels, column headers, titles and form codes.

Both standards are covered: 小企业会计准则 (会小企01表 资产负债表, 会小企02表 利润表) and 企业会计准则
(会企01表, 会企02表, the 2019 layout and the older one). A label is matched after `normalise`
drops what varies between exports (indentation, "一、", "加：", "其中：", notes in parentheses
such as "（亏损以“－”号填列）", full-width forms), so "四、净利润（净亏损以“-”号填列）" is "净利润".
Keys are the names the rest of the system uses ("revenue", "total_assets").
"""

from __future__ import annotations

import re
import unicodedata

from nlu.statements.types import Column, SheetKind

_PARENS = re.compile(r"\([^()]*\)")
_LEADERS = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、]|[△*#☆★]+|加:|减:|其中:|其:|:)+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """A label or header as matched: no spaces, no notes in parentheses, no "一、" or "减：".

    >>> normalise("  四、净利润（净亏损以“－”号填列）")
    '净利润'
    >>> normalise("负债和所有者权益（或股东权益）总计")
    '负债和所有者权益总计'
    """
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub("", text)
    while True:
        stripped = _PARENS.sub("", text)
        if stripped == text:
            break
        text = stripped
    text = _LEADERS.sub("", text)
    return text.rstrip(":")


def _keys(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(label): key for key, labels in table.items() for label in labels}


INCOME_LABELS = _keys(
    {
        "revenue": ("营业收入",),
        "operating_cost": ("营业成本",),
        "taxes_and_surcharges": ("税金及附加", "营业税金及附加"),
        "selling_expenses": ("销售费用",),
        "admin_expenses": ("管理费用",),
        "rd_expenses": ("研发费用",),
        "finance_costs": ("财务费用",),
        "interest_expense": ("利息费用",),
        "interest_income": ("利息收入",),
        "other_income": ("其他收益",),
        "investment_income": ("投资收益",),
        "fair_value_gain": ("公允价值变动收益",),
        "credit_impairment": ("信用减值损失",),
        "asset_impairment": ("资产减值损失",),
        "asset_disposal_gain": ("资产处置收益",),
        "operating_profit": ("营业利润",),
        "non_operating_income": ("营业外收入",),
        "government_grants": ("政府补助",),
        "non_operating_expenses": ("营业外支出",),
        "total_profit": ("利润总额",),
        "income_tax": ("所得税费用", "所得税"),
        "net_profit": ("净利润",),
    }
)

BALANCE_LABELS = _keys(
    {
        "cash": ("货币资金",),
        "short_term_investments": ("短期投资",),
        "trading_financial_assets": ("交易性金融资产",),
        "notes_receivable": ("应收票据",),
        "accounts_receivable": ("应收账款",),
        "prepayments": ("预付账款", "预付款项"),
        "dividends_receivable": ("应收股利",),
        "interest_receivable": ("应收利息",),
        "other_receivables": ("其他应收款",),
        "inventory": ("存货",),
        "contract_assets": ("合同资产",),
        "other_current_assets": ("其他流动资产",),
        "total_current_assets": ("流动资产合计",),
        "long_term_bond_investments": ("长期债券投资",),
        "long_term_equity_investments": ("长期股权投资",),
        "fixed_assets_cost": ("固定资产原价",),
        "accumulated_depreciation": ("累计折旧",),
        "fixed_assets": ("固定资产账面价值", "固定资产"),
        "construction_in_progress": ("在建工程",),
        "intangible_assets": ("无形资产",),
        "long_term_prepaid_expenses": ("长期待摊费用",),
        "total_non_current_assets": ("非流动资产合计",),
        "total_assets": ("资产总计", "资产合计"),
        "short_term_loans": ("短期借款",),
        "notes_payable": ("应付票据",),
        "accounts_payable": ("应付账款",),
        "advances_from_customers": ("预收账款", "预收款项"),
        "contract_liabilities": ("合同负债",),
        "payroll_payable": ("应付职工薪酬",),
        "taxes_payable": ("应交税费",),
        "interest_payable": ("应付利息",),
        "profit_payable": ("应付利润",),
        "other_payables": ("其他应付款",),
        "total_current_liabilities": ("流动负债合计",),
        "long_term_loans": ("长期借款",),
        "long_term_payables": ("长期应付款",),
        "deferred_income": ("递延收益",),
        "total_non_current_liabilities": ("非流动负债合计",),
        "total_liabilities": ("负债合计",),
        "paid_in_capital": ("实收资本", "股本"),
        "capital_reserve": ("资本公积",),
        "surplus_reserve": ("盈余公积",),
        "retained_earnings": ("未分配利润",),
        "total_equity": ("所有者权益合计", "股东权益合计"),
        "total_liabilities_and_equity": (
            "负债和所有者权益总计",
            "负债及所有者权益总计",
            "负债与所有者权益总计",
            "负债和股东权益总计",
            "负债和所有者权益合计",
            "负债及所有者权益合计",
        ),
    }
)

TAX_LABELS = _keys(
    {
        "vat": ("增值税",),
        "surcharges": ("附加税", "附加税费", "城建税及附加", "附加税费合计"),
        "city_maintenance_tax": ("城市维护建设税", "城建税"),
        "education_surcharge": ("教育费附加",),
        "local_education_surcharge": ("地方教育附加", "地方教育费附加"),
        "iit": ("个人所得税", "个税"),
        "cit": ("企业所得税",),
        "stamp_duty": ("印花税",),
        "total": ("合计", "总计"),
    }
)

LABELS: dict[SheetKind, dict[str, str]] = {
    SheetKind.INCOME: INCOME_LABELS,
    SheetKind.BALANCE: BALANCE_LABELS,
    SheetKind.TAX: TAX_LABELS,
}

# The first cell of a statement's table header: the label column of a block.
LABEL_HEADERS = frozenset(
    normalise(h)
    for h in (
        "项目",
        "项目名称",
        "报表项目",
        "科目",
        "资产",
        "负债和所有者权益",
        "负债及所有者权益",
        "负债与所有者权益",
        "负债和股东权益",
        "税种",
        "税目",
        "税费种类",
        "税费项目",
    )
)
LINE_NO_HEADERS = frozenset({"行次", "行号", "行"})


def column_of(header: str) -> Column | None:
    """The role of an amount column from its header ("本年累计金额" -> YTD), or None."""
    h = normalise(header)
    if not h or len(h) > 12:
        return None
    if "累计" in h:
        return Column.YTD
    if "上年同期" in h or h.startswith(("上期", "上年金额", "上年数")):
        return Column.PRIOR_YEAR
    if h.startswith(("本月", "本期")) and not h.startswith(("本期应", "本期已", "本期实")):
        return Column.MONTH
    if h.startswith("期末"):
        return Column.END
    if h.startswith(("年初", "期初", "上年年末", "上年期末")):
        return Column.BEGIN
    if any(w in h for w in ("应纳", "应缴", "应交", "应补")):
        return Column.PAYABLE
    if any(w in h for w in ("已缴", "已纳", "实缴", "已交", "入库")):
        return Column.PAID
    return None


def kind_of_title(text: str) -> SheetKind | None:
    """A statement's kind from its title or sheet name."""
    t = normalise(text)
    if "资产负债表" in t:
        return SheetKind.BALANCE
    if "利润表" in t or "损益表" in t:
        return SheetKind.INCOME
    if ("税" in t and any(w in t for w in ("汇总", "申报", "缴纳", "统计", "明细"))) or t in {
        "税费",
        "税金",
        "纳税",
    }:
        return SheetKind.TAX
    return None


FORM_CODE = re.compile(r"会(小)?企0?([12])表")
# Lines only one standard prints: how a statement without its form code tells its standard.
SMALL_ONLY = frozenset(
    normalise(x)
    for x in (
        "短期投资",
        "长期债券投资",
        "固定资产原价",
        "固定资产账面价值",
        "应付利润",
        "商品维修费",
        "开办费",
        "业务招待费",
        "研究费用",
        "广告费和业务宣传费",
    )
)
GENERAL_ONLY = frozenset(
    normalise(x)
    for x in (
        "交易性金融资产",
        "合同资产",
        "使用权资产",
        "递延所得税资产",
        "合同负债",
        "租赁负债",
        "研发费用",
        "信用减值损失",
        "资产减值损失",
        "其他收益",
        "公允价值变动收益",
        "资产处置收益",
        "其他综合收益",
    )
)

# Rows that end a statement's table: signatures and notes under it.
FOOTER_STARTS = (
    "单位负责人",
    "企业负责人",
    "法定代表人",
    "会计机构负责人",
    "主管会计",
    "财务负责人",
    "制表人",
    "制表:",
    "编制人",
    "复核",
    "审核",
    "注:",
    "备注",
)
