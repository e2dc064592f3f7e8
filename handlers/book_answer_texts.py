"""The words of the books in chat: answers about figures with their comparisons, the filing
checklist, reminders, "本月已申报", and the risk warnings (the renderers and the phone pages
word warnings with `warning_text` too), and the refusals of who may read the books."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from domain.book_answers import BooksAnswer, SpanKind, Totals
from domain.books import yuan
from domain.filing import Checklist, ChecklistItem, ChecklistState, Party

Words = Mapping[str, Any]

TOPICS = ("profit", "revenue", "cost", "tax", "cash", "receivable", "filing", "overview")
TAX_NAMES = {"vat": "增值税", "surcharges": "附加税费", "iit": "个人所得税", "cit": "企业所得税"}
STATE_NAMES = {
    ChecklistState.FILED: "已申报",
    ChecklistState.OVERDUE: "已逾期",
    ChecklistState.WAITING_CLIENT: "等客户资料",
    ChecklistState.IN_PROGRESS: "处理中",
}


def money(fen: int) -> str:
    return f"{yuan(fen)}元"


def day_zh(d: date) -> str:
    return f"{d.month}月{d.day}日"


def span_zh(label: str, kind: SpanKind) -> str:
    if kind is SpanKind.MONTH:
        return f"{label[:4]}年{int(label[5:7])}月"
    if kind is SpanKind.QUARTER:
        return f"{label[:4]}年第{label[6]}季度"
    return f"{label}年"


def change(current: int, before: int | None, what: str) -> str:
    """ "比上月多 4,100.00元（+14.4%）", "与上月持平", "" when there is nothing to compare."""
    if before is None:
        return ""
    diff = current - before
    if diff == 0:
        return f"与{what}持平"
    word = "多" if diff > 0 else "少"
    pct = f"（{diff * 100 / abs(before):+.1f}%）" if before else ""
    return f"比{what}{word} {money(abs(diff))}{pct}"


def _pick(totals: Totals, topic: str) -> int | None:
    return {
        "profit": totals.net_profit,
        "revenue": totals.revenue,
        "cost": totals.operating_cost,
        "tax": totals.taxes_payable,
        "cash": totals.cash,
        "receivable": totals.accounts_receivable,
    }.get(topic)


FIGURE_NAMES = {
    "profit": "净利润",
    "revenue": "营业收入",
    "cost": "营业成本",
    "tax": "应交税金",
    "cash": "账上货币资金",
    "receivable": "应收账款",
}


def _comparisons(answer: BooksAnswer, topic: str, current: int) -> str:
    unit = {SpanKind.MONTH: "上月", SpanKind.QUARTER: "上季度", SpanKind.YEAR: "去年同期"}
    parts = []
    if answer.previous is not None and (before := _pick(answer.previous, topic)) is not None:
        parts.append(change(current, before, unit[answer.span.kind]))
    if answer.last_year is not None and (ago := _pick(answer.last_year, topic)) is not None:
        what = "去年同月" if answer.span.kind is SpanKind.MONTH else "去年同季度"
        parts.append(change(current, ago, what))
    parts = [p for p in parts if p]
    return "，" + "，".join(parts) if parts else ""


def not_kept_yet(answer: BooksAnswer) -> str:
    month = answer.missing[0]
    when = f"，预计{day_zh(answer.expected_by)}前做好" if answer.expected_by else ""
    latest = f"目前最新的是{span_zh(answer.latest, SpanKind.MONTH)}的账。" if answer.latest else ""
    return f"{span_zh(month, SpanKind.MONTH)}的账还没做好{when}。{latest}"


def filing_line(checklist: Checklist | None) -> str:
    if checklist is None:
        return "本月的申报清单还没生成，会计会尽快安排。"
    period = span_zh(checklist.period, SpanKind.MONTH)
    if checklist.filed_at is not None:
        taxes = "，".join(
            f"{i.label.removeprefix('申报')} {money(i.amount_fen)}"
            for i in checklist.items
            if i.files and i.amount_fen is not None
        )
        return f"{period}的税已申报完成✅" + (f"（{taxes}）" if taxes else "") + "。"
    open_client = checklist.open_items(Party.CLIENT)
    head = f"{period}的税还没申报，截止日期是{day_zh(checklist.deadline)}。"
    if open_client:
        names = "、".join(i.label for i in open_client)
        return head + f"还需要您这边：{names}。"
    return head + "资料都齐了，会计正在处理。"


def answer_text(answer: BooksAnswer, topic: str, link: str = "") -> str:
    """One short answer: the figure, its comparisons, what is missing, the page's link (an
    `<a href>` WeChat shows as a link)."""
    tail = f"\n{link}" if link else ""
    if topic == "filing":
        return filing_line(answer.filing) + tail
    when = span_zh(answer.span.label, answer.span.kind)
    current = answer.current
    if current is None:
        return not_kept_yet(answer) + tail
    partial = ""
    if answer.missing:
        got = "、".join(f"{int(p[5:7])}月" for p in current.months)
        partial = f"（目前只有{got}的账，{not_kept_yet(answer)}）"
    if topic == "overview":
        lines = [f"{answer.company} {when}{partial}："]
        for key in ("revenue", "profit", "tax", "cash"):
            value = _pick(current, key)
            if value is not None:
                lines.append(
                    f"{FIGURE_NAMES[key]} {money(value)}{_comparisons(answer, key, value)}"
                )
        return "\n".join(lines) + tail
    value = _pick(current, topic)
    if value is None:  # taxes without a tax summary
        return f"{when}的账里没有附上纳税明细，应交税金要问问您的会计哦。" + tail
    name = FIGURE_NAMES[topic]
    if topic in ("cash", "receivable"):
        end = span_zh(current.months[-1], SpanKind.MONTH)
        text = f"截至{end}末，{name} {money(value)}{_comparisons(answer, topic, value)}。"
    else:
        text = f"{when}{name} {money(value)}{_comparisons(answer, topic, value)}。{partial}"
        if topic == "profit" and value < 0:
            text += "这个期间是亏损的，需要的话可以约会计一起看看原因。"
        if topic == "tax" and current.taxes:
            text += (
                "其中"
                + "，".join(
                    f"{TAX_NAMES.get(k, k)} {money(v)}" for k, v in current.taxes.items() if v
                )
                + "。"
            )
    return text + tail


# -- the checklist ---------------------------------------------------------------------------


def item_line(item: ChecklistItem) -> str:
    mark = "✅" if item.done else "⬜"
    extra = f"（{money(item.amount_fen)}）" if item.done and item.amount_fen is not None else ""
    due = "" if item.done else f"，{day_zh(item.due)}前"
    return f"{mark} {item.label}{extra}{due}"


def checklist_text(checklist: Checklist, company: str, for_client: bool) -> str:
    period = span_zh(checklist.period, SpanKind.MONTH)
    head = f"{company} {period}申报清单（截止{day_zh(checklist.deadline)}）："
    mine = [i for i in checklist.items if i.party is Party.CLIENT]
    theirs = [i for i in checklist.items if i.party is Party.STAFF]
    lines = [head, "需要您提供：" if for_client else "客户资料："]
    lines += [item_line(i) for i in mine]
    lines.append("会计处理：")
    lines += [item_line(i) for i in theirs]
    if for_client and any(not i.done for i in mine):
        lines.append("资料准备好了直接告诉我，比如“工资表确认了”。")
    return "\n".join(lines)


def ticked_text(label: str, already: bool, open_left: int, filed_now: bool) -> str:
    if already:
        return f"“{label}”之前已经确认过了，不用再操作😊"
    if filed_now:
        return f"好的，“{label}”已完成。本月的税已全部申报✅，已通知客户。"
    if open_left:
        return f"收到，“{label}”已确认✅ 还有{open_left}项待完成。"
    return f"收到，“{label}”已确认✅ 您这边的资料都齐了，剩下的交给会计。"


def overview_text(rows: list[tuple[str, ChecklistState, str]], period: str) -> str:
    if not rows:
        return "您名下暂时没有客户公司。"
    counts = {s: sum(1 for _, st, _ in rows if st is s) for s in STATE_NAMES}
    head = (
        f"我的客户 {span_zh(period, SpanKind.MONTH)}申报："
        f"已申报 {counts[ChecklistState.FILED]} 家，等客户 {counts[ChecklistState.WAITING_CLIENT]} 家，"
        f"处理中 {counts[ChecklistState.IN_PROGRESS]} 家，逾期 {counts[ChecklistState.OVERDUE]} 家"
    )
    lines = [head] + [f"· {name}：{STATE_NAMES[st]}{more}" for name, st, more in rows]
    lines.append("完成一项回复：完成 公司简称 事项，例如“申报完成 青禾 增值税 1234.56”。")
    return "\n".join(lines)


# -- warnings --------------------------------------------------------------------------------


def wan(fen: int) -> str:
    """Fen as 万元 with at most one decimal: "24.6万元", "30万元" (rounded down: a line is
    never shown as reached before it is)."""
    tenths = fen // 100_000
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}万元" if tenth else f"{whole}万元"


def warning_text(rule: str, key: str, f: Mapping[str, Any], accountant: str = "") -> str:
    who = accountant or "您的会计"
    if rule == "quarter_near":
        return (
            f"您本季度销售额已达 {wan(f['sales'])}，距 {wan(f['line'])}免税额度还剩 {wan(f['left'])}，"
            f"超过后整季都要缴增值税，开票前可以先问问{who}。"
        )
    if rule == "quarter_over":
        return (
            f"您本季度销售额已达 {wan(f['sales'])}，超过了 {wan(f['line'])}的免税额度，"
            f"本季度的销售额都要缴增值税。{who}会帮您核算，有疑问随时问。"
        )
    if rule == "annual_near":
        return (
            f"近12个月销售额已达 {wan(f['sales'])}，接近 {wan(f['line'])}。超过后必须登记为一般纳税人，"
            f"税负和开票方式都会变，建议先和{who}商量下一步安排。"
        )
    if rule == "annual_over":
        return (
            f"近12个月销售额已达 {wan(f['sales'])}，超过了 {wan(f['line'])}，需要登记为一般纳税人了。"
            f"{who}会联系您办理。"
        )
    if rule == "low_tax_burden":
        return (
            f"{key[:4]}年{int(key[5:7])}月增值税税负率 {f['burden_bp'] / 100:.2f}%，"
            f"明显低于同行业参考值 {f['reference_bp'] / 100:.2f}%，容易引起税务关注。"
            f"{who}会核对进项和收入，看看是否需要调整。"
        )
    if rule == "zero_filing":
        return (
            f"已经连续{f['months']}个月零申报了。长期零申报可能被税务重点关注，"
            f"如果有业务收入请及时告诉{who}。"
        )
    if rule == "missing_invoices":
        due = f["due"]
        return (
            f"{int(key[5:7])}月的进项发票还没收到（{int(due[5:7])}月{int(due[8:10])}日前要确认）。"
            f"没有进项，这个月的税可能会多交，方便的话拍照发给我，或联系{who}。"
        )
    return f"账务提醒：{rule}"


TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "books_need_binding": lambda f: "查看账务需要先绑定为客户哦。",
    "books_not_found": lambda f: "没有找到这家公司的账，您只能查看自己公司的账务。",
    "books_need_owner": lambda f: (
        f"公司的账目需要{f['owner'] or '公司负责人'}同意后才能查看。"
        f"可以请{f['owner'] or 'TA'}在公众号里回复“让{f['name'] or '您的名字'}也能看账”。"
    ),
    "books_owner_only": lambda f: f"只有{f['owner'] or '公司负责人'}可以设置谁能看账哦。",
    "books_owner_always_reads": lambda f: f"{f['name']}是公司的账目负责人，一直都能看账。",
    "contact_not_in_company": lambda f: (
        f"{f['company']}的联系人里没有找到“{f['name']}”，请用登记的名字，或请会计先添加TA。"
    ),
    "books_which_company": lambda f: "请说一下要查哪家公司，例如“青禾 这个月利润多少”。",
    "books_not_your_client": lambda f: f"{f['company']}不是您服务的客户，不能查看它的账务。",
    "period_in_future": lambda f: (
        "这个期间还没到呢，可以问问已经过去的月份，比如“上个月利润多少”。"
    ),
    "statement_file_not_found": lambda f: "没有找到这份报表文件，请从账目页面重新下载。",
    "filing_item_unknown": lambda f: "清单里没有这一项，回复“申报清单”看看本月需要做的事。",
    "filing_item_for_staff": lambda f: f"“{f['item']}”由会计完成，您不用操作😊",
    "filing_amount_not_for_item": lambda f: (
        f"“{f['item']}”不需要填金额，直接回复“完成 公司 {f['item']}”就行。"
    ),
    "annual_report_for_staff": lambda f: "工商年报由会计登记完成，报好后我们会告诉您😊",
    "company_not_served": lambda f: "这家公司不是您服务的客户，不能登记它的年报。",
    "archive_empty": lambda f: "文件是空的，请重新选择。",
    "archive_too_large": lambda f: (
        f"文件太大了（{f['size'] / 1048576:.1f}MB），归档文件最大{f['limit'] // 1048576}MB，"
        "可以压缩或拆分后再上传。"
    ),
    "archive_not_allowed": lambda f: "只能上传PDF或图片（JPG、PNG），这个文件不是这几种格式。",
    "archive_broken": lambda f: "文件不完整或已损坏，打不开。请重新导出或重新拍照后再上传。",
    "archive_kind_unknown": lambda f: "请选择文件类别：申报回执、报表或其他。",
    "archive_bad_form": lambda f: "表单内容不对，请在页面上重新选择后再上传。",
    "archive_for_staff": lambda f: "档案文件由会计上传，您可以在这里查看和下载。",
    "archive_bad_period": lambda f: "请选择一个已经开始的月份，例如2026-09。",
    "archive_document_not_found": lambda f: "没有找到这份文件，请从档案页面重新下载。",
}
