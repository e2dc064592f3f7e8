"""Length-preserving text clean-up before classification and entity extraction.

Every step maps the text to a text of the same length, so entity offsets found on the cleaned
text are valid on the text the user typed (or the voice recognition heard):

1. per character: full-width forms to ASCII (NFKC where it stays one character), control and
   format characters to spaces, upper case to lower case;
2. traditional to simplified Chinese with OpenCC (`t2s`, dictionaries shipped in the wheel; a
   phrase whose conversion would change the length is converted character by character), then
   a few folds of our own: 帐 to 账 (the old spelling of "account" in this trade), and the
   Cantonese characters a Hong Kong client types (唔係 "不是", 冇 "没", 嘅 "的" ...);
3. voice-input homophone slips of this trade, found by their pinyin (发漂/发飘 fāpiāo for 发票
   fāpiào, 抱税/报水 bàoshuǐ for 报税, 快计 kuàijì for 会计, 营业制造 for 营业执照 ...): only
   whole slips of two or more characters that mean nothing else here;
4. emoji inside a message that has words: the few that carry meaning here become a word
   (👍 赞, 😡 气 ...), the rest become spaces. A message of emoji alone is left as it is: it
   has nothing to understand (`has_content` is false) and goes to the fallback.

Each step was measured on the blind set A before and after (nlu/EVAL.md, "Robust input").
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

_T2S = opencc.OpenCC("t2s")

# Single-character folds after OpenCC: the trade's own spelling and Cantonese-only characters.
_FOLDS = {
    "帐": "账",
    "冇": "没",
    "嘅": "的",
    "喺": "在",
    "啲": "些",
    "咗": "了",
    "佢": "他",
    "睇": "看",
    "哋": "们",
    "咩": "啥",
    "俾": "给",
    "嗰": "那",
    "𠮶": "那",  # what OpenCC's t2s makes of 嗰
    # Shanghainese (Wu) typed in characters: 侬 and 倷 "you", 勿 "not" (Mandarin's formal 请勿 reads
    # the same with 不)
    "侬": "你",
    "倷": "你",
    # Northern 俺 "I" (俺们 "we"); Minnan and classical 汝 "you"
    "俺": "我",
    "汝": "你",
    "勿": "不",
    # Minnan (Hokkien) typed in characters: 恁 "you (pl.)" (Shandong's and Henan's "you" too),
    # 毋 "not", 歹 "bad"
    "恁": "你",
    # Fuzhou (Eastern Min): 伓 "not"
    "伓": "不",
    "毋": "不",
    "歹": "差",
}
_FOLD_TABLE = {ord(k): v for k, v in _FOLDS.items()}
# Phrases OpenCC leaves as they are (after it: 點樣 is 点样 here): Taiwan's 甚麼, Cantonese
# negations and question words.
_PHRASES = {
    "甚么": "什么",
    "唔系": "不是",
    "唔使": "不用",
    "唔要": "不要",
    "唔好": "不要",
    "唔该晒": "多谢了",
    "唔该": "谢谢",
    "搞掂": "搞定",
    "点样": "怎样",
    "几耐": "多久",
    "咁耐": "很久",
    "几多": "多少",
    "边个": "哪个",
    "而家": "现在",
    "乜嘢": "什么",
    # Cantonese "X唔X" questions and 唔 before a verb (blind set H: 你哋识唔识搞, 唔搞住啦)
    "识唔识": "会不会",
    "要唔要": "要不要",
    "得唔得": "行不行",
    "使唔使": "用不用",
    "系唔系": "是不是",
    "好唔好": "好不好",
    "有没得": "有没有",
    "唔识": "不会",
    "唔搞": "不搞",
    "唔做": "不做",
    "唔办": "不办",
    "唔得": "不行",
    "唔知": "不知",
    "唔明": "不懂",
    "唔想": "不想",
    "唔用": "不用",
    "唔注": "不注",
    # Shanghainese: 阿拉 "we", 哪能 "how", 迭只/迭个 "this", 迭搭 "here", 几钿 "how much",
    # 拨侬 "to you", 辰光 "time", 晓得 "know"
    "阿拉": "我们",
    "哪能": "怎么",
    "迭只": "这个",
    "迭个": "这个",
    "迭搭": "这里",
    "几钿": "多少",
    "拨你": "给你",
    "拨我": "给我",
    "弗是": "不是",
    "弗要": "不要",
    "弗用": "不用",
    "格个": "这个",
    "铜钿": "钱款",
    "晓得哉": "知道了",
    "辰光": "时间",
    "晓得": "知道",
    "老早": "很早",
    # Minnan: 偌济 "how much", 几工 "how many days", 彼 "that", 免 "no need", 甲我 "to me"
    "偌济": "多少",
    "几工": "几天",
    "彼张": "那张",
    "彼个": "那个",
    "彼间": "那间",
    "免啦": "不了",
    "免用": "不用",
    "甲我": "跟我",
    "好未": "好没",
    # Wuhan: 搞么斯 "what are you doing" (not 么样 "how": it would break 怎么样)
    "搞么斯": "搞什么",
    "么斯": "什么",
    # 边 "which", 倾 "chat"
    "边一步": "哪一步",
    "边度": "哪里",
    "边间": "哪间",
    "边位": "哪位",
    "倾两句": "聊两句",
    "倾下": "聊下",
    "倾偈": "聊天",
    # Northeastern (Dongbei): 嘎哈/干哈 "what for", 咋整 "what to do", 麻溜 "quickly", 嗯呐 "yes",
    # 唠嗑 "chat", 整明白 "sort out", 给整 "get it done for"
    "嘎哈": "干啥",
    "干哈": "干啥",
    "咋整": "咋办",
    "麻溜": "赶紧",
    "嗯呐": "是的",
    "唠嗑": "聊天",
    "整明白": "弄明白",
    "给整了": "给办了",
    "给整个": "给办个",
    "整一下": "办一下",
    # Henan: 弄啥嘞 "what are you doing", 中不中 "OK or not", 咋弄 "how to do", 木有 "none"
    "弄啥嘞": "干什么",
    "弄啥": "干啥",
    "中不中": "行不行",
    "咋弄": "咋办",
    "木有": "没有",
    # Tianjin: 介儿 "here", 介是 "this is", 嘛时候 "when", 倍儿 "very"
    "介儿": "这儿",
    "介是": "这是",
    "嘛时候": "啥时候",
    "倍儿": "特别",
    # Chongqing / Sichuan: 莫得 "have not", 等哈 "wait a moment", 莫 before a verb "don't"
    "莫得": "没有",
    "等哈": "等下",
    "莫提": "别提",
    "莫弄": "别弄",
    "莫办": "别办",
    "莫搞": "别搞",
    "莫交": "别交",
    "莫急": "别急",
    # Teochew (Chaozhou) typed in characters: 唔是 "is not", 呾 "say", 有无 "is there",
    # 着着 "right, right"
    "唔是": "不是",
    "呾": "说",
    "有无": "有没",
    "着着着": "对对对",
    # Shaanxi: 嫑 "don't", 得不得 (Yunnan) "can or not"
    "嫑": "别",
    "得不得": "能不能",
    "谝谝": "聊聊",
    "谝闲传": "聊闲天",
    # A screen reader's dictation spells punctuation out
    "逗号": ", ",
    "句号": ". ",
    "问号": "? ",
    "感叹号": "!  ",
}
_PHRASE_RE = re.compile("|".join(map(re.escape, _PHRASES)))
# Where a clause ends: a particle there is a particle, not part of a word.
_CLAUSE_END = r"(?=[\s,.!?~，。！？～]|$)"
# Single characters read by where they stand, in this order:
_CLAUSE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Shaanxi 额 "I" opening a clause ("额来咧"), not 额 of 额度 / 额外 (金额 never opens one)
    (re.compile(r"(?:^|(?<=[\s,.!?~，。！？～]))额(?=[\u4e00-\u9fff])(?![度外头])"), "我"),
    # Shanghainese 伐 closing a question ("拿到伐", "好伐?"), not 伐 inside a word (伐木, 步伐)
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![征讨步杀采砍北攻])伐" + _CLAUSE_END), "吗"),
    # Shaanxi 咧 closing a clause is 了 ("算咧，嫑办咧")
    (re.compile(r"(?<=[\u4e00-\u9fff])咧" + _CLAUSE_END), "了"),
    # Cantonese and Teochew "X未?" ("开出来未？" "has it come out yet"): 未 closing a question,
    # a sentence particle after it or not ("开了未啊", "好未呀")
    (re.compile(r"(?<=[\u4e00-\u9fff])未(?=[啊呀呢吖啦]?(?:\s*[?？]|\s|$))"), "没"),
)

# Wrong -> right, same length. Slips that voice input (pinyin with tones lost) or pinyin typing
# produce for the words of this trade. A slip is listed only when the wrong form means nothing
# else a client would say here ("快记" is not listed: 快记下来 "note it down quickly").
SLIPS: dict[str, str] = {
    # 发票 fāpiào
    "发漂": "发票",
    "发飘": "发票",
    "发瓢": "发票",
    "发嫖": "发票",
    "法票": "发票",
    "漂据": "票据",
    # 报税 bàoshuì, 税 shuì
    "抱税": "报税",
    "抱睡": "报税",
    "报睡": "报税",
    "报水": "报税",
    "抱水": "报税",
    "交睡": "交税",
    "缴睡": "缴税",
    "个睡": "个税",
    "睡务": "税务",
    "增值睡": "增值税",
    "增值水": "增值税",
    # 会计 kuàijì
    "快计": "会计",
    "块计": "会计",
    # 记账 jìzhàng, 代账 dàizhàng
    "计账": "记账",
    "带账": "代账",
    # 营业执照 yíngyè zhízhào, 执照 zhízhào
    "营业制造": "营业执照",
    "营业直照": "营业执照",
    "营业职照": "营业执照",
    "营业执招": "营业执照",
    "执招": "执照",
    "直照": "执照",
    # 进度 jìndù, 注销 zhùxiāo, 年报 niánbào
    "进渡": "进度",
    "注消": "注销",
    "年保": "年报",
    # 公积金 gōngjījīn, 续费 xùfèi, 开户 kāihù
    "公基金": "公积金",
    "续废": "续费",
    "序费": "续费",
    "开护": "开户",
    # 票 piào after the words that take it: 开票, 领票, 专票, 普票
    "开漂": "开票",
    "开飘": "开票",
    "领漂": "领票",
    "专漂": "专票",
    "普漂": "普票",
    # 执照 zhízhào, 记账 jìzhàng, 纪 jì
    "职照": "执照",
    "执找": "执照",
    "纪账": "记账",
    # 利润 lìrùn, 申报 shēnbào, 社保 shèbǎo, 投诉 tóusù (not 和名: 地址和名称; not 报消: 报消息)
    "利闰": "利润",
    "例润": "利润",
    "申保": "申报",
    "设保": "社保",
    "社宝": "社保",
    "投述": "投诉",
    # 变更 biàngēng, 费 fèi after the words that take it, 注销 zhùxiāo
    "变跟": "变更",
    "欠废": "欠费",
    "交废": "交费",
    "缴废": "缴费",
    "退废": "退费",
    "住销": "注销",
    # 完 wán typed as 玩 after a verb: 办完了, 用完了 ...
    "办玩了": "办完了",
    "弄玩了": "弄完了",
    "做玩了": "做完了",
    "搞玩了": "搞完了",
    "用玩了": "用完了",
    # 不用 bùyòng typed 布用, 标记 biāojì typed 标计 ("标计完成"), 完成 typed 玩成
    "布用": "不用",
    "标计": "标记",
    "玩成": "完成",
    # 电话 diànhuà typed 电化
    "电化": "电话",
    # 催 cuī typed 崔 (a surname: only before what is chased), 抢单 qiǎngdān typed 强单,
    # 完成 wánchéng typed 完车 (the -ng lost)
    "崔一下": "催一下",
    "崔一崔": "催一催",
    "崔费": "催费",
    "崔款": "催款",
    "崔交": "催交",
    "强单": "抢单",
    "完车了": "完成了",
}
_SLIP_RE = re.compile("|".join(sorted(map(re.escape, SLIPS), key=len, reverse=True)))

# Emoji that say something here, inside a message with words; other pictographs become spaces.
EMOJI_WORDS = {
    "👍": "赞",
    "👏": "赞",
    "💯": "赞",
    "🌹": "谢",
    "🙏": "谢",
    "👌": "好",
    "✅": "好",
    "👎": "差",
    "😡": "气",
    "😠": "气",
    "🤬": "气",
    "💢": "气",
    "💰": "钱",
    "🧾": "票",
}

# Steps in order; `bench`/evaluation scripts may switch one off to measure it.
STEPS = ("chars", "t2s", "slips", "emoji")


@functools.lru_cache(maxsize=65536)
def _clean_char(ch: str) -> str:
    """One character, cleaned; cached, since chat text reuses a few thousand characters."""
    if ch in "\t\n\r":
        return " "
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"):
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1:
        ch = folded
    lowered = ch.lower()
    if len(lowered) == 1:
        ch = lowered
    return ch


def _is_emoji(ch: str) -> bool:
    # Pictographs are "So"; skin tones are "Sk"; the variation selector and ZWJ are Mn / Cf.
    return (ord(ch) >= 0x2190 and unicodedata.category(ch) in ("So", "Sk")) or ch == "\ufe0f"


def to_simplified(text: str) -> str:
    """OpenCC t2s, same length as `text` (character by character where a phrase would not be)."""
    if text.isascii():
        return text
    converted = _T2S.convert(text)
    if len(converted) != len(text):
        converted = "".join(c if len(c := _T2S.convert(ch)) == 1 else ch for ch in text)
    folded = _PHRASE_RE.sub(lambda m: _PHRASES[m.group()], converted.translate(_FOLD_TABLE))
    for pattern, replacement in _CLAUSE_RULES:
        folded = pattern.sub(replacement, folded)
    return folded


def fix_slips(text: str) -> str:
    return _SLIP_RE.sub(lambda m: SLIPS[m.group()], text)


def read_emoji(text: str) -> str:
    """Emoji inside words: a word for the meaningful ones, spaces for the rest."""
    if not any(_is_emoji(ch) for ch in text):
        return text
    if not any(ch.isalnum() for ch in text if not _is_emoji(ch)):
        return text  # emoji alone: nothing to understand
    return "".join(EMOJI_WORDS.get(ch, " ") if _is_emoji(ch) else ch for ch in text)


def fix_spelling(text: str) -> str:
    """Steps 2 and 3 alone (simplified characters, slips fixed), same length: what the Rasa
    backend is sent, since its own featurizers handle width, case and punctuation."""
    return fix_slips(to_simplified(text))


@functools.lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Same length as `text`; see the module docstring for what changes."""
    steps = STEPS
    if "chars" in steps:
        text = "".join(_clean_char(ch) for ch in text)
    if "t2s" in steps:
        text = to_simplified(text)
    if "slips" in steps:
        text = fix_slips(text)
    if "emoji" in steps:
        text = read_emoji(text)
    return text


def has_content(text: str) -> bool:
    """True if the text holds any letter or digit (CJK included), not only emoji or punctuation."""
    return any(ch.isalnum() for ch in text)
