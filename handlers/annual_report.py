"""工商年报 in chat: staff mark a client company's annual report filed ("年报完成 青禾",
"年报已报 青禾"), which stops its reminders for this year's window (`domain.annual_report`)."""

from __future__ import annotations

from domain import annual_report
from domain.actors import actor_of
from handlers.books import _company_for_staff
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("annual_report")

DONE_RE = r"(?:年报完成|年报已报|年报报完了|年报已完成|已报年报|报完年报)\s*[:：]?\s*(\S+)"


@router.pattern(DONE_RE)
async def annual_report_done(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None
    found = await _company_for_staff(turn, turn.arg)
    if isinstance(found, list):
        return found
    company, year, newly = await annual_report.mark_done(
        turn.uow, actor_of(turn.identity), found.id, turn.now
    )
    if not newly:
        return [Text(f"{company.name}的{year - 1}年度工商年报之前已登记为完成，不会再提醒客户。")]
    return [
        Text(f"已登记：{company.name}的{year - 1}年度工商年报已报送✅ 今年不会再提醒这家客户。")
    ]
