"""Length-preserving text clean-up before classification and entity extraction.

Every step maps one character to one character, so entity offsets found on the cleaned text are
valid on the text the user typed: full-width forms to ASCII (NFKC where it stays one character),
control and format characters to spaces, upper case to lower case, and the traditional characters
our clients actually use (發票, 執照, 進度 ...) to simplified ones.
"""

from __future__ import annotations

import functools
import unicodedata

# Traditional -> simplified, one character each; the common ones in accounting-service chat.
_TRAD = (
    "發票執照辦進度幫開報稅會計費單帳號條務請問還麼們這個與對錢塊員為時間體狀態處理說話謝謝"
    "嗎啊電話聯繫戶註銷變更記賬審計冊標權營業證書點繳納給讓實際應該當們種類認領後來過東們"
    "樣產業務專門態優惠價錢預約詢問題確認傳資料圖片張拍劃轉帳銀頭麻煩煩惱歡迎見壞慢總經紀"
    "這裡個麼樣沒關係謝們啟動態況請問幫忙領導層級網絡線上遠無負責長別還滿意評價差勁專業態"
)
_SIMP = (
    "发票执照办进度帮开报税会计费单帐号条务请问还么们这个与对钱块员为时间体状态处理说话谢谢"
    "吗啊电话联系户注销变更记账审计册标权营业证书点缴纳给让实际应该当们种类认领后来过东们"
    "样产业务专门态优惠价钱预约询问题确认传资料图片张拍划转帐银头麻烦烦恼欢迎见坏慢总经纪"
    "这里个么样没关系谢们启动态况请问帮忙领导层级网络线上远无负责长别还满意评价差劲专业态"
)
_EXTRA = {
    "隻": "只",
    "甚": "什",
    "裏": "里",
    "週": "周",
    "檔": "档",
    "紙": "纸",
    "補": "补",
    "續": "续",
    "稅": "税",
    "額": "额",
    "貨": "货",
    "購": "购",
    "買": "买",
    "賣": "卖",
    "約": "约",
    "齊": "齐",
    "處": "处",
    "據": "据",
    "雜": "杂",
    "難": "难",
    "聽": "听",
    "嘛": "嘛",
    "囉": "啰",
    "們": "们",
    "換": "换",
    "遷": "迁",
    "址": "址",
    "搬": "搬",
    "積": "积",
    "險": "险",
    "認": "认",
    "證": "证",
    "歲": "岁",
    "陽": "阳",
    "來": "来",
    "麥": "麦",
    "錯": "错",
    "誤": "误",
    "晚": "晚",
    "復": "复",
    "懂": "懂",
    "覺": "觉",
    "愛": "爱",
    "氣": "气",
    "糾": "纠",
    "紛": "纷",
    "訴": "诉",
    "投": "投",
    "傳": "传",
    "邊": "边",
    "嗨": "嗨",
    "層": "层",
    "務": "务",
    "詳": "详",
    "細": "细",
    "項": "项",
    "輸": "输",
    "監": "监",
    "學": "学",
    "鐘": "钟",
    "幾": "几",
    "兩": "两",
    "萬": "万",
    "億": "亿",
    "塊": "块",
    "圓": "圆",
    "筆": "笔",
    "簡": "简",
    "門": "门",
    "問": "问",
    "閒": "闲",
}
_TABLE: dict[int, str] = {ord(t): s for t, s in zip(_TRAD, _SIMP, strict=True)}
_TABLE.update({ord(t): s for t, s in _EXTRA.items()})


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
    return _TABLE.get(ord(ch), ch)


def normalise(text: str) -> str:
    """Same length as `text`; see the module docstring for what changes."""
    return "".join(_clean_char(ch) for ch in text)


def has_content(text: str) -> bool:
    """True if the text holds any letter or digit (CJK included), not only emoji or punctuation."""
    return any(ch.isalnum() for ch in text)
