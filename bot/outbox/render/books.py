"""The wording of the books' notices: the filing reminder (with a "done" tap per item), the
client's tick told to the accountant, "本月已申报" with the amounts, and the risk warnings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.outbox.render.message import Renderer
from domain.clock import fmt_local
from domain.notices import (
    AnnualReportReminder,
    BooksWarned,
    FilingComplete,
    FilingItemDone,
    FilingReminder,
    NoticeKind,
    QuickReply,
)
from handlers.book_answer_texts import day_zh, money, warning_text
from handlers.books import FILING_DONE


def _month(period: str) -> str:
    return f"{int(period[5:7])}月"


def _reminder(f: FilingReminder, at: datetime) -> Mapping[str, str]:
    items = "\n".join(f"⬜ {i.label}（{day_zh(i.due)}前）" for i in f.items)
    left = f"距本月申报截止还有 {f.days_left} 天" if f.days_left > 0 else "今天是本月申报截止日"
    return {
        "company": f.company,
        "month": _month(f.period),
        "deadline": day_zh(f.deadline),
        "left": left,
        "items": items,
        "time": fmt_local(at),
    }


def _reminder_replies(f: FilingReminder) -> tuple[QuickReply, ...]:
    return tuple(QuickReply(f"{FILING_DONE}:{i.key}", f"{i.label}已好") for i in f.items)


def _reminder_fields(f: FilingReminder, at: datetime) -> Mapping[str, str]:
    return {
        "company": f.company,
        "items": "、".join(i.label for i in f.items)[:20],
        "deadline": day_zh(f.deadline),
    }


def _item_done(f: FilingItemDone, at: datetime) -> Mapping[str, str]:
    left = f"，还差 {f.client_items_open} 项" if f.client_items_open else "，客户资料已齐"
    return {
        "company": f.company,
        "month": _month(f.period),
        "item": f.item.label,
        "by": f.by,
        "left": left,
        "time": fmt_local(at),
    }


def _complete(f: FilingComplete, at: datetime) -> Mapping[str, str]:
    amounts = "\n".join(
        f"{t.label.removeprefix('申报')}：{money(t.amount_fen)}"
        for t in f.taxes
        if t.amount_fen is not None
    )
    return {
        "company": f.company,
        "month": _month(f.period),
        "amounts": f"\n{amounts}" if amounts else "",
        "time": fmt_local(at),
    }


def _complete_fields(f: FilingComplete, at: datetime) -> Mapping[str, str]:
    total = sum(t.amount_fen or 0 for t in f.taxes)
    return {"company": f.company, "month": _month(f.period), "amount": money(total)}


def _warned(f: BooksWarned, at: datetime) -> Mapping[str, str]:
    text = warning_text(f.rule, f.key, f.figures, f.accountant)
    return {"company": f.company, "text": text, "time": fmt_local(at)}


def _warned_fields(f: BooksWarned, at: datetime) -> Mapping[str, str]:
    return {"company": f.company, "rule": f.rule}


def _annual(f: AnnualReportReminder, at: datetime) -> Mapping[str, str]:
    left = f"还有 {f.days_left} 天截止" if f.days_left > 0 else "今天截止"
    return {
        "company": f.company,
        "last_year": str(f.year - 1),
        "deadline": day_zh(f.deadline),
        "left": left,
        "time": fmt_local(at),
    }


def _annual_fields(f: AnnualReportReminder, at: datetime) -> Mapping[str, str]:
    return {"company": f.company, "deadline": f"{f.year}年{day_zh(f.deadline)}"}


RENDERERS: dict[NoticeKind, Renderer] = {
    NoticeKind.FILING_REMINDER: Renderer(
        "【{month}报税提醒】{company}：{left}（截止{deadline}）。还需要您提供：\n{items}\n"
        "准备好了点下面的按钮，或直接回复“工资表确认了”。",
        _reminder,
        quick_replies=_reminder_replies,
        template_fields=_reminder_fields,
        title="报税资料提醒",
    ),
    NoticeKind.FILING_ITEM_DONE: Renderer(
        "{company}的{by}已确认“{item}”（{month}申报）{left}。",
        _item_done,
        title="客户资料已确认",
    ),
    NoticeKind.FILING_COMPLETE: Renderer(
        "{company}{month}的税本月已申报✅{amounts}\n有疑问随时问我们。",
        _complete,
        template_fields=_complete_fields,
        title="本月已申报",
    ),
    NoticeKind.BOOKS_WARNING: Renderer(
        "【账务提醒】{company}：{text}",
        _warned,
        template_fields=_warned_fields,
        title="账务风险提醒",
    ),
    NoticeKind.ANNUAL_REPORT: Renderer(
        "【工商年报提醒】{company}：{last_year}年度的工商年报需在{deadline}前报送，{left}。"
        "逾期会被列入经营异常名录。需要我们代报的话，把股东出资和社保人数等信息发给会计就好；"
        "已经报过的请告诉我们。",
        _annual,
        template_fields=_annual_fields,
        title="工商年报提醒",
    ),
}
