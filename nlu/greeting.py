"""A greeting in front of a request: "您好 这个月账做好没" wants the books, not a hello.

The guideline (nlu/INTENTS.md, greet) says the request wins over the greeting, but a short
request after a long, very frequent greeting word is often outweighed by it in a bag of
features: the blind set H lost five lines that way ("您好 那个 注消 不要了" read as greet). When
the classifier's answer is `greet` and the text opens with a greeting, the rest is ranked on
its own; if the rest is confidently something else, that is the answer. A greeting with an
introduction ("您好，我是新来的出纳") stays a greeting because its rest ranks as greet or
below the threshold.

A greeting followed only by who is speaking ("您好，打扰了，我是财务部的郝会计") is a greeting
whatever the classifier says (`is_introduction`): "会计" in a self-introduction otherwise pulls
it to contact_accountant.
"""

from __future__ import annotations

import re

# Matched on normalised text (lower case, simplified, full-width folded). Written out rather
# than learned: the set is small and closed, and a learned one would need the very data whose
# weight is the problem.
_OPENERS = (
    "您好",
    "你好",
    "哈喽",
    "哈啰",
    "哈罗",
    "嗨",
    "hi",
    "hello",
    "hey",
    "喂+",
    "在吗",
    "在么",
    "在嘛",
    "在不在",
    "(?:有没有人|有没人|有人)(?:在度|在)?(?:吗|么|没有|没|不)?",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "早安",
    "早晨",
    "老师好",
    "打扰了",
    "打扰",
    "打扰一下",
)
_PREFIX = re.compile(
    r"^\s*(?:(?:" + "|".join(_OPENERS) + r")[\s,.!?~，。！？～、呀啊呢哈啦咯嘛哦喔]*)+"
)
# A rest shorter than this is a tail of the greeting ("您好呀"), not a request.
MIN_REST_CHARS = 2
# What the rest must be, and how sure: a request of some kind. A rest that is chit-chat, a
# yes or a no, or only fairly likely ("喂 有人没": "有人没" leans to check_progress at 0.5)
# leaves the greeting standing.
NOT_A_REQUEST = frozenset({"greet", "affirm", "deny", "out_of_scope", "nlu_fallback"})
MIN_REST_CONFIDENCE = 0.55


# A rest that only says whom the greeting is for ("早安呀会计", "你好 王老师").
_ADDRESS = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,2}(?:会计|老师|姐|哥|总|经理|老板|同志|师傅)"
    # ... or only where: "在不在 有人吗 你们这边"
    r"|(?:你们|您们|贵司)?(?:这边|那边|这里|那里)?)[\s呀啊呢哈啦]*$"
)


def split_greeting(text: str) -> str | None:
    """The text after a leading greeting, or None when there is no greeting or nothing after
    it worth reading."""
    match = _PREFIX.match(text)
    if match is None or match.end() == 0:
        return None
    rest = text[match.end() :].strip()
    return rest if len(rest) >= MIN_REST_CHARS else None


def is_address(rest: str) -> bool:
    """Whether what follows a greeting only says whom it is for ("早安呀会计")."""
    return _ADDRESS.match(rest) is not None and not is_introduction(rest)


# A courtesy that may close an introduction ("我是会计部的白会计，打扰您了").
_COURTESIES = r"打扰(?:您|你)?了|打扰一下|请多关照|(?:今天)?又?来?麻烦(?:您|你)了|特此(?:问候|致意)"
_COURTESY = re.compile(_COURTESIES)
# "我是老弄堂面馆的阿强", "我杨会计", "这边是财务部小李": who is speaking, one clause, no ask.
_INTRO = re.compile(
    r"^(?:(?:我是|我叫|我们是|这边是|这里是|本人是?)[^\s,.!?;，。！？；]{1,16}"
    r"|我[\u4e00-\u9fff]{1,2}(?:会计|出纳|总|姐|哥|经理|老板)"
    # "葛会计报到", "小邹报道": checking in by name
    r"|(?!税务|工商|社保)[\u4e00-\u9fff]{1,6}(?:报到|报道)(?:啦|了)?)[\s.!~。！～呀啊呢哈啦咯嘛哦喔]*"
    # ... then perhaps what the company does or that this is the first time here ("做蜂蜜的公司
    # 那个", "今天第一次使用本助手")
    r"(?:[,，]?\s*(?:(?:做|开|卖|搞)[\u4e00-\u9fff]{1,10}?的(?:公司|厂|店)?(?:那个|那家)?"
    r"|(?:今天)?(?:第一次|头一回|刚开始)(?:用|使用)[\u4e00-\u9fff]{0,6})[\s.!~。！～]*)?"
    # ... and a courtesy after it
    r"(?:[,，]?\s*(?:" + _COURTESIES + r")[\s.!~。！～]*)?$"
)
# Words that turn an introduction into a request or a question ("我是张总 想问下年报").
_ASKS = re.compile(r"[要想办帮请查问能催交注找吗么没呢?？]|可以|怎么|什么|多少")


def is_introduction(rest: str) -> bool:
    """Whether what follows a greeting only says who is speaking (then the whole message is a
    greeting, by the guideline, however strongly a role word such as 会计 pulls elsewhere)."""
    match = _INTRO.match(rest)
    said = _COURTESY.sub("", rest.removeprefix("我是"))
    return match is not None and _ASKS.search(said) is None
