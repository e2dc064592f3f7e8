"""Reading a client's words about a request they are raising: which business type they mean
(skipping the one they negate: "不是注销，是地址迁移"), the urgency said in passing ("挺急的"),
the clauses that describe the work, and whether the message corrects something.

"帮我办个营业执照，新开一家分店要用，不急" is a type, a description and an urgency in one
message: the form asks for none of them. A clause counts as description when something is
left of it after taking away the type and urgency words and the words every request is
wrapped in ("帮我办个", "我们要", "吧").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain import lifecycle
from handlers import cues
from handlers.turn import Turn
from nlu.intents import REQUEST_TYPE, URGENCY

_CLAUSE = re.compile(r"[，,。.!！?？；;~～\n…]+|\s+")
# The wrapping of a request: greetings, "help me do a", pronouns, particles.
_FILLER = re.compile(
    r"你好|您好|在吗|麻烦(?:你们?|您)?|请(?:问)?|帮(?:我们?|忙|我)?|给(?:我们?|您)|我们?|咱们?|"
    r"想|要|需要|打算|准备|"
    r"(?:办|做|弄|搞|开|申请|注册|处理|安排)(?:理|一下|一个|个|下|了)?|一下|一个|一家|个|下|"
    r"把|公司|的|了|吧|呢|啊|哈|呀|嘛|哦|噢|嗯|就|还|再|也|都|那|这|就行|就好|可以|行|谢谢|"
    r"对|是|还是|那就|其实|应该|改成|换成|改为|业务类型|类型|紧急程度|需求说明|"
    r"不对|不是|错了|写错|弄错|搞错|说错|打错|搞混|"
    r"\b(?:wait|sorry|oh|hmm|actually|well|ok|okay|pls|please|hi|hello|we|need|i)\b",
    re.ASCII | re.I,
)
# Words that mark a message as correcting what was said before.
CORRECTION = re.compile(
    r"不对|不是|错了|写错|弄错|搞错|说错|打错|搞混|改成|换成|改为|改叫|应该是|其实是|更正|改一下"
)
REPLACE = re.compile(r"(?:改成|换成|改为|改叫|应该是|应为)[:：]?\s*([^，,。；;！!？?\n]+)")
_NEGATED_BEFORE = re.compile(r"(?:不是|不办|不要|不用|别|不做)[^，,。]{0,2}$")
_NORMAL = re.compile(
    r"(?:不|没)(?:太|是|很|怎么|用|着|算|那么|有|特别|加|需要?|必|非常|十分|这么){0,3}急|慢慢|普通(?!发票|票)|正常|"
    r"一般(?!纳税人|户|账户)|常规|不赶|"
    r"不用(?:太)?快|\bno (?:rush|hurry)\b|\bnot (?:urgent|in a hurry|a rush)\b|\bwhenever\b",
    # ASCII: "个bank account" has a word boundary between 个 and b.
    re.ASCII | re.I,
)
_URGENT = re.compile(
    r"急|尽快|越快越好|赶时间|马上要|今天(?:就)?要|明天(?:就)?要|当天要|加快|"
    r"\basap\b|\burgent(?:ly)?\b|\brush\b|\bquickly\b",
    re.ASCII | re.I,
)
# Business types named in English ("register a trademark", "bank account"): the client's
# English is read as the type it names (first match in the message wins).
ENGLISH_TYPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.ASCII | re.I), kind)
    for pattern, kind in (
        (r"\btrade ?marks?\b", "商标注册"),
        (r"\bbank account\b|\bcorporate account\b", "银行开户"),
        (r"\bbusiness licen[cs]e\b|\bregister (?:a|our|the) (?:company|business)\b", "营业执照"),
        (r"\bannual (?:report|filing)\b", "工商年报"),
        (r"\btax registration\b|\bregister for tax\b", "税务登记"),
        (r"\bbook-?keeping\b|\baccounting service\b", "代理记账"),
        (r"\bsocial (?:security|insurance)\b", "社保开户"),
        (r"\bhousing (?:fund|provident)\b", "公积金开户"),
        (r"\baudit\b", "财务审计"),
        (r"\btax planning\b", "税务筹划"),
        (
            r"\bderegist\w*|\b(?:close|shut) (?:down )?(?:the|our|my|this) (?:company|business)\b",
            "注销",
        ),
        (r"\blegal rep\w*|\bshareholders?\b|\bequity change\b", "工商变更"),
        (r"\b(?:change of|new) (?:office )?address\b|\brelocat\w*", "地址迁移"),
        (r"\bgeneral taxpayer\b", "一般纳税人认定"),
    )
)


# Everyday words for a business when the message names no type outright ("开张发票给客户").
EVERYDAY_TYPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (
            r"领(?:取|用)?(?:点|些|一些|一批|几本|一本|几张)?(?:增值税)?(?:电子)?(?:专用|普通|专|普)?"
            r"(?:发)?票|申领|买(?:点)?(?:发)?票|票\s*(?:快|都)?(?:不够|用完|没了|用光)",
            "发票申领",
        ),
        (r"(?:开|代开)(?:张|个|一张|几张|些)?(?:专|普)?(?:发)?票", "代开发票"),
        (r"做账|记账|报税|代账", "代理记账"),
        (r"(?:开|注册|成立)(?:个|家|一家|一个)?(?:新)?公司|(?:开|办)(?:个)?执照", "营业执照"),
        (r"[换改]法人|法人[换改变]|股东|股权|经营范围|公司改名|增资|减资", "工商变更"),
        (
            r"搬家|搬到|搬迁|迁址|换(?:个)?地址|地址[变换改]|改(?:一下|下)?(?:公司|注册)?地址",
            "地址迁移",
        ),
        (r"(?:关|关掉|注销)(?:了|掉)?(?:这个|那个)?公司", "注销"),
        (
            r"对公(?:账)?户|一般(?:账)?户|基本(?:账)?户|(?:开|办)(?:个|一个)?(?:银行)?(?:账)?户",
            "银行开户",
        ),
        (r"审计", "财务审计"),
        (r"商标", "商标注册"),
        (r"年报", "工商年报"),
        (r"一般纳税人", "一般纳税人认定"),
    )
)


def everyday_type(text: str) -> str | None:
    """The business everyday words name ("开张发票" -> 代开发票), else None."""
    for pattern, kind in EVERYDAY_TYPES:
        if pattern.search(text):
            return kind
    return None


def english_type(text: str) -> str | None:
    """The business type an English phrase names ("register a trademark" -> 商标注册)."""
    for pattern, kind in ENGLISH_TYPES:
        if pattern.search(text):
            return kind
    return None


@dataclass(frozen=True)
class RequestReading:
    type: str | None  # the type asked for (negated ones skipped), first in the message
    negated: tuple[str, ...]  # types the message says it is not
    urgency: str | None  # "urgent" | "normal"
    details: str  # the description clauses, joined
    correction: bool  # the message corrects something said before
    others: tuple[str, ...] = ()  # further types asked for ("执照和税务登记")
    subtype: str = ""  # the client's narrower words for the type ("换法人" for 工商变更)


def urgency_of(text: str) -> str | None:
    """ "挺急的" -> urgent, "不急的" -> normal; None when the text says nothing of it."""
    if _NORMAL.search(text):
        return "normal"
    if _URGENT.search(text):
        return "urgent"
    return None


async def read_request(turn: Turn) -> RequestReading:
    text = turn.message.clean_text
    parsed = await turn.understand()
    # What the catalogue offers now: a type the words name that it does not (withdrawn since,
    # or read by an NLU that has not caught up yet) is no type at all.
    offered = await lifecycle.offered_types(turn.uow, turn.identity.firm.id)
    types: list[str] = []
    named: dict[str, str] = {}  # type -> the words the client used for it ("法人变更")
    negated: list[str] = []
    negated_words: set[str] = set()
    covered = [False] * len(text)
    urgency: str | None = None
    for ent in parsed.entities:
        if ent.entity not in (REQUEST_TYPE, URGENCY):
            continue
        if ent.entity == REQUEST_TYPE and ent.value not in offered:
            continue
        for i in range(max(ent.start, 0), min(ent.end, len(text))):
            covered[i] = True
        if ent.entity == URGENCY:
            urgency = urgency or ent.value
        elif _NEGATED_BEFORE.search(text[: ent.start]):
            negated.append(ent.value)
            negated_words.add(text[max(ent.start, 0) : ent.end])
        elif ent.value not in types:
            types.append(ent.value)
            named[ent.value] = text[max(ent.start, 0) : ent.end]
    for said in (*_NORMAL.finditer(text), *_URGENT.finditer(text)):
        for i in range(said.start(), said.end()):
            covered[i] = True
    # "不是法人变更，是股权变更": both are 工商变更, and the second one is meant.
    chosen = next((t for t in types if t not in negated or named.get(t) not in negated_words), None)
    if chosen is None and not types:
        guess = everyday_type(text) or english_type(text)
        chosen = guess if guess in offered else None
    # A narrower name than the type ("法人变更" for 工商变更) tells the accountant what to do:
    # it heads the description.
    words = named.get(chosen or "", "")
    subtype = words if words and words not in (chosen or "") else ""
    # The description is the original text from the first clause that says something beyond
    # the type and urgency to the last one (separators kept as typed).
    first, last = -1, -1
    start = 0
    for m in [*_CLAUSE.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        rest = "".join(text[i] for i in range(start, end) if not covered[i])
        if cues.meaningful(_FILLER.sub("", rest)) >= 2:
            first = start if first < 0 else first
            last = end
        start = m.end() if m is not None else len(text)
    details = text[first:last].strip() if first >= 0 else ""
    if subtype and details and subtype not in details:
        details = f"{subtype}：{details}"
    return RequestReading(
        type=chosen,
        negated=tuple(negated),
        # The client's own words win over the entity: "没那么急" has "急" in it.
        urgency=urgency_of(text) or urgency,
        details=details,
        correction=bool(CORRECTION.search(text)),
        others=tuple(t for t in types if t != chosen and t not in negated),
        subtype=subtype,
    )


def replace_in(description: str, text: str) -> str | None:
    """ "改成明远优选" applied to "名字叫明远": the longest part of the new words found in the
    description is replaced by them. None when the message names no replacement or the
    description holds nothing of it."""
    m = REPLACE.search(text)
    if m is None:
        return None
    new = cues.trim(m.group(1))
    if len(new) < 2:
        return None
    for size in range(len(new), 1, -1):
        for i in range(len(new) - size + 1):
            part = new[i : i + size]
            at = description.find(part)
            if at < 0:
                continue
            # "建设银行" for "工商银行": the new words' head replaces as many characters
            # before the part they share ("银行"), and "文三路99号" for "文三路88号" its tail
            # as many after, when those are the same kind of characters.
            head, tail = new[:i], new[i + size :]
            start, end = at, at + size
            if head and _alike(description[max(at - len(head), 0) : at], head):
                start = at - len(head)
            if tail and _alike(description[end : end + len(tail)], tail):
                end += len(tail)
            return description[:start] + new + description[end:]
    return None


def _kind(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if "\u4e00" <= ch <= "\u9fff":
        return "cjk"
    return "latin" if ch.isascii() and ch.isalpha() else "other"


def _alike(old: str, new: str) -> bool:
    """Same length, and character by character the same kind (digits for digits…)."""
    return len(old) == len(new) and all(
        _kind(a) == _kind(b) != "other" for a, b in zip(old, new, strict=True)
    )
