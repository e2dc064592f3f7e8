"""The books in chat: "这个月利润多少", "今年营收多少", "上个季度交了多少税", "账上还有多少钱",
"报税了吗" (intent `view_account`), the month's filing checklist for clients ("工资表确认了",
"申报清单") and for staff ("申报完成 青禾 增值税 1234.56", "本月申报").

Who may read which company's books is the domain's decision (`domain.book_access`); this module
reads the words: which figure, which period, which company (staff name it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain import book_access, book_answers, filing_service
from domain.actors import actor_of
from domain.book_access import companies_served
from domain.clock import local
from domain.errors import Invalid, NotFound
from domain.filing import Party, find_item, item_names
from domain.identity import ClientCompany, Role
from handlers.book_answer_texts import (
    answer_text,
    checklist_text,
    overview_text,
    ticked_text,
)
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn
from nlu import intents

router = Router("books")
FILING_DONE = "filing_done"  # a tapped "done" under a reminder: "filing_done:payroll"
PEOPLE = (Role.CLIENT, Role.STAFF, Role.ADMIN)

# Which figure the words ask about; the first that matches wins.
TOPIC_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(rx))
    for topic, rx in (
        ("filing", r"报税了|报了税|申报了|报了没|报了吗|报没报|申报.*(?:没|吗|完)|税.*报了"),
        ("tax", r"税"),
        ("profit", r"利润|赚|盈利|亏|净利"),
        ("revenue", r"营收|收入|销售额|营业额|卖了多少|进账"),
        ("cost", r"成本|花了|支出|开销|费用"),
        ("receivable", r"应收|欠我|没收回|回款|欠款"),
        ("cash", r"账上|现金|余额|货币资金|还有多少钱|银行存款|存款|钱"),
    )
)
_THIS_YEAR = re.compile(r"今年|本年|年初到现在|年初至今|这一年")
_LAST_YEAR = re.compile(r"去年(?!\d|[一二三四五六七八九十]+月|同期|第)")
_YEAR_ONLY = re.compile(r"(20\d\d)年(?![\d一二三四五六七八九十]+月|第|[1-4一二三四]季)")
COMPANY_SUFFIX = re.compile(r"(?:股份)?有限(?:责任)?公司$|公司$")


def topic_of(text: str) -> str:
    for topic, rx in TOPIC_WORDS:
        if rx.search(text):
            return topic
    return "overview"


def year_in(text: str, now: datetime) -> str | None:
    """ "今年" / "去年" / "2025年" (a whole year, not a month of it)."""
    year = local(now).year
    if _THIS_YEAR.search(text):
        return str(year)
    if _LAST_YEAR.search(text):
        return str(year - 1)
    m = _YEAR_ONLY.search(text)
    return m.group(1) if m else None


async def period_in(turn: Turn) -> str | None:
    """The period the message names, as the parser resolved it against the turn's own date
    (`Turn.understand` passes it: "上个月" at 00:30 on 1 January is December)."""
    parsed = await turn.understand()
    for ent in parsed.entities:
        if ent.entity == "period":
            return ent.value
    return None


def name_keys(name: str) -> list[str]:
    """The ways staff shorten a company's name: "杭州青禾餐饮管理有限公司" -> the full name,
    "杭州青禾餐饮管理", "青禾餐饮管理", "青禾餐饮", "青禾"."""
    core = COMPANY_SUFFIX.sub("", name)
    keys = {name, core}
    for start in (0, 2):
        for size in (2, 4):
            part = core[start : start + size]
            if len(part) == size:
                keys.add(part)
    keys.add(core[2:])
    return sorted((k for k in keys if len(k) >= 2), key=len, reverse=True)


def companies_named(text: str, companies: Sequence[ClientCompany]) -> list[ClientCompany]:
    """The companies `text` names, longest match first; several when the words fit several."""
    best: dict[int, int] = {}
    for c in companies:
        for key in name_keys(c.name):
            if key in text or (len(text) >= 2 and text in c.name):
                best[c.id] = max(best.get(c.id, 0), len(key))
                break
    if not best:
        return []
    top = max(best.values())
    return [c for c in companies if best.get(c.id) == top]


async def _company_for_staff(turn: Turn, words: str) -> ClientCompany | list[Reply]:
    served = await companies_served(turn.uow, actor_of(turn.identity))
    named = companies_named(words, served)
    if len(named) == 1:
        return named[0]
    if named:
        names = "、".join(c.name for c in named[:5])
        return [Text(f"“{words}”对应多家公司：{names}。请说得更具体一些。")]
    if not served:
        return [Text("您名下暂时没有客户公司。")]
    examples = "、".join(name_keys(c.name)[-1] for c in served[:3])
    return [Text(f"请带上公司简称，例如“{examples} 这个月利润多少”。只能查看您服务的客户。")]


def _link(turn: Turn, company_id: int | None, period: str) -> str:
    base = turn.ports.mobile_url
    if not base:
        return ""
    query = f"?period={period}" + (f"&company={company_id}" if company_id else "")
    return f'<a href="{base}/books{query}">查看账目明细</a>'


@router.intent(intents.VIEW_ACCOUNT, roles=PEOPLE, refuse="查看账务需要先绑定为客户哦。")
async def view_books(turn: Turn) -> list[Reply]:
    text = turn.message.clean_text
    actor = actor_of(turn.identity)
    company_id = None
    if turn.identity.is_staff:
        found = await _company_for_staff(turn, text)
        if isinstance(found, list):
            return found
        company_id = found.id
    topic = topic_of(text)
    spec = year_in(text, turn.now) or await period_in(turn)
    try:
        answer = await book_answers.books_answer(turn.uow, actor, spec, turn.today, company_id)
    except Invalid as exc:
        if exc.code == "bad_period":
            answer = await book_answers.books_answer(turn.uow, actor, None, turn.today, company_id)
        else:
            raise
    if topic == "filing" and answer.filing is None:
        company = await turn.uow.identities.get_company(answer.company_id)
        if company is not None:
            await filing_service.ensure_checklist(
                turn.uow, company, filing_service.current_period(turn.now), turn.now
            )
            answer = await book_answers.books_answer(turn.uow, actor, spec, turn.today, company_id)
    link = _link(turn, company_id, answer.span.label)
    return [Text(answer_text(answer, topic, link))]


# -- the checklist: clients ----------------------------------------------------------------

CHECKLIST_RE = r"(?:本月|这个月|这月)?(?:申报清单|报税清单|申报进度|清单|要交什么资料|要准备什么资料|需要什么资料)[?？吗]?"
DONE_WORDS = re.compile(
    r"(?:确认|核对|发|给|提供|传|上传|交|准备|弄|对)(?:给)?(?:你们|您|你)?"
    r"(?:了|好了|过了|完了|完毕|好啦|完啦|过去了)"
    r"|已(?:经)?(?:确认|发|提供|上传|交|核对)|没问题"
)
NOT_DONE = re.compile(
    r"没(?!问题)|未|还不|不对|不行|有问题|吗|[?？]|怎么|什么时候|哪|开|帮我|给我|请|要"
)
# The item is named first and said done right after it ("工资表确认了", "银行流水发你们了"):
# "交完了，给我开张发票" is about something else.
DONE_AFTER_ITEM_MAX_GAP = 8


def said_done(text: str, names: tuple[str, ...]) -> bool:
    done = DONE_WORDS.search(text)
    if done is None:
        return False
    for name in names:
        at = text.find(name)
        if at >= 0 and at + len(name) <= done.start() <= at + len(name) + DONE_AFTER_ITEM_MAX_GAP:
            return True
    return False


@router.pattern(CHECKLIST_RE)
async def show_checklist(turn: Turn) -> list[Reply] | None:
    if turn.identity.role is not Role.CLIENT:
        return None
    actor = actor_of(turn.identity)
    checklist = await filing_service.checklist_for(turn.uow, actor, turn.now)
    company = turn.identity.company
    name = company.name if company is not None else ""
    quick = tuple(
        QuickReply(
            f"{FILING_DONE}:{i.key}", f"{i.label.removeprefix('确认').removeprefix('提供')}已好"
        )
        for i in checklist.open_items(Party.CLIENT)
    )
    text = checklist_text(checklist, name, for_client=True)
    if turn.ports.mobile_url:
        text += f'\n<a href="{turn.ports.mobile_url}/checklist">在手机上查看和勾选</a>'
    return [Text(text, quick)]


@router.reader()
async def client_ticks(turn: Turn) -> list[Reply] | None:
    """ "工资表确认了", "银行流水发你了": the client ticks their own item."""
    msg = turn.message
    if turn.identity.role is not Role.CLIENT or not msg.has_text or msg.menu_id:
        return None
    text = msg.clean_text
    if len(text) > 30 or not DONE_WORDS.search(text) or NOT_DONE.search(text):
        return None
    actor = actor_of(turn.identity)
    checklist = await filing_service.checklist_for(turn.uow, actor, turn.now)
    item = find_item(checklist, text)
    if item is None or item.party is not Party.CLIENT:
        return None
    if not said_done(text, item_names(checklist, item)):
        return None
    return await _tick(turn, item.key)


@router.intent(FILING_DONE, roles=(Role.CLIENT,))
async def tapped_done(turn: Turn) -> list[Reply]:
    return await _tick(turn, turn.arg)


async def _tick(turn: Turn, key: str) -> list[Reply]:
    done = await filing_service.tick(turn.uow, actor_of(turn.identity), key, turn.now)
    left = len(done.checklist.open_items(Party.CLIENT))
    return [Text(ticked_text(done.item.label, done.already, left, False))]


# -- the checklist: staff ------------------------------------------------------------------

STAFF_TICK_RE = (
    r"(?:申报完成|已申报|完成|已完成|做完)\s*[:：]?\s*(\S+?)\s+(\S+?)"
    r"(?:\s+([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*元?)?"
)
_STAFF_TICK = re.compile(STAFF_TICK_RE)


def fen_of(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(Decimal(text.replace(",", "")) * 100)
    except InvalidOperation:
        return None


@router.pattern(STAFF_TICK_RE)
async def staff_ticks(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None
    m = _STAFF_TICK.fullmatch(turn.message.clean_text)
    if m is None:
        return None
    company_words, item_words, amount = m.group(1), m.group(2), m.group(3)
    found = await _company_for_staff(turn, company_words)
    if isinstance(found, list):
        return found
    actor = actor_of(turn.identity)
    checklist = await filing_service.checklist_for(turn.uow, actor, turn.now, found.id)
    said = item_words if not turn.message.clean_text.startswith("申报") else f"申报{item_words}"
    item = find_item(checklist, item_words) or find_item(checklist, said)
    if item is None:
        names = "、".join(i.label for i in checklist.items)
        return [Text(f"{found.name}的清单里没有“{item_words}”。本月事项：{names}。")]
    done = await filing_service.tick(
        turn.uow, actor, item.key, turn.now, company_id=found.id, amount_fen=fen_of(amount)
    )
    left = len(done.checklist.open_items())
    return [
        Text(f"{found.name}：" + ticked_text(done.item.label, done.already, left, done.filed_now))
    ]


@router.pattern(r"(?:本月申报|申报情况|申报进度|我的客户申报|客户申报情况|本月报税)[?？]?")
async def staff_overview(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None
    rows = await filing_service.staff_overview(turn.uow, actor_of(turn.identity), turn.now)
    listed = []
    for r in rows:
        waiting = [i.label for i in r.checklist.open_items(Party.CLIENT)]
        more = f"（缺：{'、'.join(waiting)}）" if waiting and r.checklist.filed_at is None else ""
        listed.append((r.company.name, r.state, more))
    return [Text(overview_text(listed, filing_service.current_period(turn.now)))]


# -- who may see the books -----------------------------------------------------------------

ALLOW_RE = r"(?:让|允许)(\S{1,10}?)(?:也)?(?:能|可以)?(?:看|查看|查)(?:账|账目|公司的账)了?"
STOP_RE = r"(?:不让|别让|不要让|禁止)(\S{1,10}?)(?:再)?(?:看|查看|查)(?:账|账目|公司的账)了?"
NOT_A_CONTACT = ("会计", "老师", "你们", "税务", "我")
OWNER_RE = r"(?:设为|设置)?账目负责人\s*(\S+)\s+(\S+)"


async def _set_viewer(turn: Turn, allowed: bool) -> list[Reply] | None:
    if turn.identity.role is not Role.CLIENT:
        return None
    if any(word in turn.arg for word in NOT_A_CONTACT):
        return None  # "让会计看看账": the accountant, not a contact
    try:
        contact = await book_access.allow_viewer(
            turn.uow, actor_of(turn.identity), turn.arg, allowed
        )
    except NotFound:
        return None  # no contact of that name: the words meant something else
    if allowed:
        return [
            Text(
                f"好的，{contact.name}现在也能查看公司账目了。想收回时回复“不让{contact.name}看账”。"
            )
        ]
    return [Text(f"好的，{contact.name}已不能再查看公司账目。")]


@router.pattern(STOP_RE)
async def stop_viewer(turn: Turn) -> list[Reply] | None:
    return await _set_viewer(turn, False)


@router.pattern(ALLOW_RE)
async def allow_viewer(turn: Turn) -> list[Reply] | None:
    return await _set_viewer(turn, True)


@router.pattern(OWNER_RE)
async def mark_owner(turn: Turn) -> list[Reply] | None:
    if not turn.identity.is_staff:
        return None
    m = re.fullmatch(OWNER_RE, turn.message.clean_text)
    if m is None:
        return None
    found = await _company_for_staff(turn, m.group(1))
    if isinstance(found, list):
        return found
    contact = await book_access.mark_owner(
        turn.uow, actor_of(turn.identity), found.id, m.group(2), turn.now
    )
    return [Text(f"已将{contact.name}设为{found.name}的账目负责人，TA可以决定还有谁能看账。")]
