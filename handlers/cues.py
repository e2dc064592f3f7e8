"""What a message signals besides its intent: yes or no, a negation or hedge of an action,
thanks and small talk, English, a choice from a list, stars.

The parser names the intent; these cues decide whether acting on it is safe ("R1024明天应该能
完成" reads as `complete_task` but completes nothing) and read short answers to the questions
the bot asked. Pure functions of the text, so every rule has a unit test.
"""

from __future__ import annotations

import re

_PUNCT = r"\s。，,.!！?？~～…、；;:：\"“”'‘’()（）【】\[\]"
_TRIM = re.compile(rf"^[{_PUNCT}]+|[{_PUNCT}]+$")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Emoji and symbols that carry no words: "👍👍", "🌹", "😊".
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\ufe0f\u200d]")


def trim(text: str) -> str:
    return _TRIM.sub("", text.strip())


def meaningful(text: str) -> int:
    """How many characters carry words (CJK, Latin letters, digits)."""
    return len(_MEANINGFUL.findall(text))


# --- negations and hedges, per action ------------------------------------------------------

# A question about the action, or a time still to come, never performs it.
_QUESTION = r"[吗么嘛][？?。!！~～]*$|[？?]|要不要|是否|能不能|可不可以|会不会|行不行"
_LATER = (
    r"明天|后天|下周|改天|回头|过两天|过几天|晚点|晚些|待会|一会儿?|等(?:下|一下|等|会儿?)|稍等"
)
_HEDGE = r"应该|预计|估计|可能|大概|也许|争取|尽量|快(?:要|了|好了|完成|办完|弄完|做完|好|结)|马上就|差不多"

NEGATIONS: dict[str, re.Pattern[str]] = {
    # Staff finishing a request: "还没弄完", "先别结", "完成不了", "明天应该能完成".
    "complete": re.compile(
        r"还没|没有?(?:弄|办|做|完|好|结|搞)|未(?:完成|办结|办完)|不是|先别|别|不要|不用|"
        r"先不|暂(?:时)?不|不能|(?:完成|办结|结|弄完|做完|办完|搞定|好)不了|还差|"
        + "|".join((_QUESTION, _LATER, _HEDGE))
    ),
    # A client withdrawing a request: "要不要取消呢…算了还是先留着吧".
    "cancel": re.compile(
        r"留着|还是(?:办|要|留|继续)|继续办|接着办|不(?:要|用|想)?(?:取消|撤)|别(?:取消|撤)|"
        r"先别|考虑|想想|再说|犹豫|" + "|".join((_QUESTION, _LATER))
    ),
    # Staff taking a request: "这单我不接", "先别抢".
    "claim": re.compile(r"不(?:接|抢|要)|别(?:接|抢)|先别|没空|接不了|忙不过来|" + _LATER),
    # An admin handing a request over: "先别分给王会计", "要不要交给李会计".
    "assign": re.compile(r"先别|别|不要|不用|暂(?:时)?不|考虑|" + "|".join((_QUESTION, _LATER))),
    # A client submitting a form: "先别提交", "等下".
    "submit": re.compile(
        r"先别|别|不要|不用|先不|暂(?:时)?不|还没想|不(?:提交|确认)|再想想|考虑|"
        r"等(?:下|一下|等|会儿?)|稍等"
    ),
}


# Holding a withdrawal back, questions apart: "先别取消", "还是留着吧".
_HOLD_CANCEL = re.compile(
    r"留着|还是(?:办|要|留|继续)|继续办|接着办|不(?:要|用|想)?(?:取消|撤)|别(?:取消|撤)|"
    r"先别|考虑|想想|再说|犹豫|" + _LATER
)


def asks_whether_to_cancel(text: str) -> bool:
    """ "R1024能不能取消" / "提交了还能撤吗": a question about withdrawing, with no hold in
    it: answered (and offered), never performed."""
    t = text.strip()
    return re.search(_QUESTION, t) is not None and _HOLD_CANCEL.search(t) is None


def negates(action: str, text: str) -> bool:
    """True when `text` negates, questions or postpones `action` (see `NEGATIONS`)."""
    pattern = NEGATIONS.get(action)
    return bool(pattern and pattern.search(text.strip()))


# Intents that change a request's state, and the action whose negations hold them back.
STATE_CHANGING: dict[str, str] = {
    "complete_task": "complete",
    "claim_task": "claim",
    "assign_task": "assign",
    "cancel_request": "cancel",
}


def negated_intent(intent: str, text: str) -> bool:
    action = STATE_CHANGING.get(intent)
    return action is not None and negates(action, text)


# --- yes, no, thanks -------------------------------------------------------------------------

YES_WORDS = frozenset(
    {
        "yes",
        "y",
        "ok",
        "okay",
        "confirm",
        "confirmed",
        "sure",
        "yep",
        "yeah",
        "go ahead",
        "submit",
        "ok 确认",
        "确认",
        "确定",
        "是",
        "是的",
        "对",
        "对的",
        "对对",
        "没错",
        "没问题",
        "提交",
        "好",
        "好的",
        "好滴",
        "行",
        "可以",
        "嗯",
        "嗯嗯",
        "中",
        "妥",
        "就这样",
        "确认提交",
        "确定提交",
        "提交吧",
        "确认吧",
    }
)
# A yes inside a longer reply: "好了提交吧", "对，确认", "没问题就这样".
_YES_IN = re.compile(
    r"确认|确定|提交|没问题|就这样|就这么办|可以的?|是的|对的?|好的?|行|嗯|ok", re.I
)
NO_WORDS = frozenset(
    {
        "no",
        "n",
        "不",
        "不是",
        "不对",
        "不用",
        "不要",
        "不了",
        "先不",
        "先不用",
        "先别",
        "算了",
        "错了",
        "不行",
        "别",
        "否",
        "先留着",
        "留着",
    }
)
_NO_IN = re.compile(r"^(?:不|没|别|先别|先不|算了|错)")


_CLAUSES = re.compile(rf"[{_PUNCT}]+")
_ASKING = re.compile(_QUESTION)
# "不对，是一般户": a correction, whatever yes-like word follows it.
_CORRECTING = re.compile(r"不对|不是|错了|改成|改为|换成|应该是")
# A yes that ends a longer reply and cannot be a filler ("yes, confirm", "老板说了，没问题").
_STRONG_YES = frozenset(
    {"confirm", "confirmed", "submit", "go ahead", "确认", "确定", "没问题", "可以", "就这样"}
)
# The words that end a longer reply with a clear go-ahead: "老板同意了，提交吧".
_SUBMIT_END = re.compile(
    r"(?:那就|就|确认|确定|就这样|没问题)?(?:提交|确认|确定|办)吧?|就这么办吧?"
)


def is_yes(text: str) -> bool:
    t = trim(text).lower()
    if not t:
        return False
    if t in YES_WORDS:
        return True
    if is_no(t) or negates("submit", t) or _ASKING.search(t) or _CORRECTING.search(t):
        return False
    if len(t) <= 8 and bool(_YES_IN.search(t)):
        return True
    return ends_with_go_ahead(t)


def ends_with_go_ahead(text: str) -> bool:
    """A longer reply whose last clause is a clear go-ahead ("老板同意了，提交吧", "对 就这样
    提交吧"), with no hold anywhere in it."""
    t = trim(text).lower()
    if negates("submit", t):
        return False
    clauses = [c for c in _CLAUSES.split(t) if c]
    if len(clauses) < 2:
        return False
    # "好的，确认提交，谢谢您": the thanks after the go-ahead ends nothing.
    while len(clauses) >= 2 and is_thanks(clauses[-1]):
        clauses.pop()
    last = clauses[-1]
    return _SUBMIT_END.fullmatch(last) is not None or last in _STRONG_YES


# What restates an action in an answer to "确认…吗？": "对，不要了" confirms a withdrawal.
_RESTATES: dict[str, re.Pattern[str]] = {
    "cancel": re.compile(
        r"^(?:对|是|嗯|好|确认|确定)?[的啊呀吧]?[，,\s]*(?:不要了|不办了|撤(?:了|掉|销)?吧?|取消(?:吧|掉)?|不弄了|不做了)"
    ),
    "complete": re.compile(
        r"^(?:对|是|嗯|好|确认|确定)?[的啊呀吧]?[，,\s]*(?:办完了|弄完了|做完了|完成了?|办结吧?|结了吧?|搞定了)"
    ),
}


def confirms(action: str, text: str) -> bool:
    """Yes to "确认<action>…吗？": a plain yes, or the action said again ("对，不要了" to a
    withdrawal), never a message that holds the action back."""
    t = trim(text).lower()
    if not t or negates(action, t):
        return False
    restate = _RESTATES.get(action)
    if restate is not None and restate.search(t):
        return True
    return is_yes(t)


def is_no(text: str) -> bool:
    t = trim(text).lower()
    if t in YES_WORDS:
        return False
    return t in NO_WORDS or (len(t) <= 6 and bool(_NO_IN.search(t)))


_THANKS = re.compile(r"谢谢|多谢|感谢|谢啦|谢了|辛苦|thank|thx|3q", re.I)
# What may stand beside thanks in a message that is only thanks: names, fillers, emoji.
_THANKS_FILLER = re.compile(
    r"谢谢|多谢|感谢|谢啦|谢了|辛苦(?:了|啦|你了|您了)?|thanks?|thx|3q|你们?|您|大家|"
    r"[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗]?(?:会计|老师|主管|经理)|好的|好|嗯|哈+|啊|呀|哦|"
    r"小云|小助手|助手|客服|小?姑娘|美女|师傅|亲|晓得了?|知道了?|明白了?|收到|懂了|"
    r"帮(?:了|我)?(?:大|很多|不少)?忙了?|麻烦(?:你|您|她|他)?了|费心了?|她|他|"
    r"这个月|这段时间|这阵子|最近|这几天|这周|一直|"
    r"\b(?:for|your|all|the|help|this|week|month|again|everything|guys)\b|"
    r"非常|十分|太|真的?|了|啦|呢|哈|的|so much|very much|you",
    re.I,
)


def is_thanks(text: str) -> bool:
    """Thanks and nothing more ("谢谢王会计，辛苦啦🌹")."""
    if not _THANKS.search(text):
        return False
    rest = _THANKS_FILLER.sub("", _EMOJI.sub("", text))
    return meaningful(rest) == 0


_CHAT = re.compile(
    r"哈+|呵+|嘿+|嗯+|哦+|噢+|好嘞|好哒|好的?|行|收到|知道了|明白了?|ok|okay|了|啦|呀|啊|的|吧",
    re.I,
)


def is_small_talk(text: str) -> bool:
    """Acknowledgements and laughter with nothing to act on ("哈哈好的", "收到", "👍")."""
    words = _EMOJI.sub("", text)
    if meaningful(words) == 0:
        return bool(_EMOJI.search(text))
    return meaningful(_CHAT.sub("", words)) == 0


_FEELINGS = re.compile(r"难|烦|累|唉|哎|愁|压力|郁闷|头疼|崩溃|😩|😭|😔|😞|😢|😫")
_WAITING = re.compile(
    r"等|久|慢|催|还没|没人|人管|理我|回复|回我|进度|多久|几天|半天|怎么还|到底|效率|着急|急死"
)


def feels_bad(text: str) -> bool:
    """A sigh about life or business ("生意太难做了，房租又涨了")."""
    return _FEELINGS.search(text) is not None


def about_waiting(text: str) -> bool:
    """Impatience: waiting, slowness, nobody answering ("还有人管吗？？等半天了")."""
    return _WAITING.search(text) is not None


def is_english(text: str) -> bool:
    """A message written in English prose: no Chinese characters, at least two words apart,
    and mostly letters (markup or code pasted in is not a sentence)."""
    text = text.strip()
    if not text or _CJK.search(text) or " " not in text:
        return False
    prose = sum(ch.isascii() and (ch.isalpha() or ch in " ',.?!") for ch in text)
    return len(_LATIN_WORD.findall(text)) >= 2 and prose / len(text) >= 0.8


# --- choices and stars -----------------------------------------------------------------------

_ORDINALS = (
    ("1", "一", "第一", "第一个", "第1个", "前面那个", "前一个", "上面那个"),
    ("2", "二", "两", "第二", "第二个", "第2个", "后面那个", "后一个", "下面那个"),
    ("3", "三", "第三", "第三个", "第3个"),
    ("4", "四", "第四", "第四个", "第4个"),
    ("5", "五", "第五", "第五个", "第5个"),
)


def ordinal(text: str) -> int | None:
    """ "第二个" / "2" -> 1 (an index); None when the text is no ordinal."""
    t = trim(text).rstrip("单")
    for i, words in enumerate(_ORDINALS):
        if t in words:
            return i
    return None


_STAR = re.compile("[\u2b50\u2605\U0001f31f]")


def stars(text: str) -> int | None:
    """ "⭐⭐⭐⭐" -> 4; None when the message has no star symbols."""
    count = len(_STAR.findall(text))
    return count or None


# --- a reading preferred between two close ones ------------------------------------------------

# The last clause says the work is done: "这单完成", "都弄完了", "搞定啦".
_DONE_END = re.compile(
    r"(?:这单|这个单?|那单|都|全部|已经|已|总算|终于|也)?"
    r"(?:完成|办完|弄完|做完|搞定|办结|结单|办好|弄好|做好)(?:了|啦|咯|喽)?(?:哈|吧)?"
)


_NUMBER = re.compile(r"#?[Rr]?\d{3,}")


def says_done(text: str) -> bool:
    """ "R1001商标申请已经递交并受理了，这单完成": its last clause closes the work."""
    clauses = [c for c in _CLAUSES.split(trim(_NUMBER.sub("", text))) if c]
    if not clauses or negates("complete", text):
        return False
    return _DONE_END.fullmatch(clauses[-1]) is not None


def prefer(readings: list[str], text: str) -> list[str]:
    """Settle two close readings when the words decide: a report that ends "这单完成" is a
    completion, not a progress note."""
    if set(readings[:2]) == {"complete_task", "add_progress"} and says_done(text):
        return ["complete_task", *readings[2:]]
    return readings


# --- questions about the bot itself ----------------------------------------------------------

_WHAT_CAN_I_DO = re.compile(
    r"能(?:干|做|办)(?:啥|什么|些什么)|可以(?:干|做|办)(?:啥|什么|些什么)|有(?:什么|哪些|啥)功能|"
    r"怎么用|如何使用|怎么操作|咋用|使用说明|功能介绍|what can (?:i|you) do|how (?:do i|to) use",
    re.I,
)
# Staff asking how a command works: "怎么接单啊", "进度咋报".
_STAFF_HOW = re.compile(
    r"(?:怎么|咋|如何|怎样)(?:样)?(?:才能)?(?:接单|抢单|认领|报进度|更新进度|写进度|办结|结单|完成|"
    r"分配|派单|指派|转派|看任务|查任务)|"
    r"(?:接单|抢单|进度|办结|派单|完成了?|办完了?|弄完了?)(?:以后|之后|后)?(?:要|该|应该)?(?:怎么|咋)(?:弄|操作|报|做|办)"
)


_HOURS = re.compile(
    r"(?:周末|周[六日天]|星期[六日天]|礼拜[六日天]|节假日|假期|放假|晚上|中午|下班后)[^，,。？?]{0,4}"
    r"(?:上班|值班|营业|办公|有人|开门)|"
    r"几点(?:上班|下班|开门|关门)|(?:上班|工作|营业|办公)时间"
)


def asks_hours(text: str) -> bool:
    """ "你们周末有人上班吗", "几点下班": a question about the firm's working hours."""
    return _HOURS.search(text) is not None and bool(_ASKING.search(text) or "几点" in text)


def asks_what_i_can_do(text: str) -> bool:
    """ "我这边能干啥", "这个怎么用": a question about what the chat does."""
    return _WHAT_CAN_I_DO.search(text) is not None


def staff_asks_how(text: str) -> bool:
    """ "怎么接单啊": a question about a staff command, not the command."""
    return _STAFF_HOW.search(text) is not None
