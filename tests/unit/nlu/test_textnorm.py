"""Robust input: what the parser folds before it reads a message, always keeping its length."""

from __future__ import annotations

import pytest

from nlu import intents as names
from nlu.embedded import EmbeddedParser
from nlu.textnorm import SLIPS, fix_slips, has_content, normalise, read_emoji, to_simplified

from .conftest import TODAY


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("請問我們公司這個月的帳做完了沒有", "请问我们公司这个月的账做完了没有"),
        ("營業執照辦到哪裡了", "营业执照办到哪里了"),
        ("發票開好了嗎", "发票开好了吗"),
        ("頭髮", "头发"),
        ("甚麼時候", "什么时候"),
        ("唔係呢間公司", "不是呢间公司"),
        ("冇收到", "没收到"),
    ],
)
def test_traditional_and_cantonese_become_simplified(raw: str, clean: str) -> None:
    assert to_simplified(raw) == clean
    assert len(normalise(raw)) == len(raw)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("我的发漂开了吗", "我的发票开了吗"),
        ("发飘拍给你", "发票拍给你"),
        ("这个月抱税了没", "这个月报税了没"),
        ("报水截止是哪天", "报税截止是哪天"),
        ("找一下我的快计", "找一下我的会计"),
        ("营业制造办好了吗", "营业执照办好了吗"),
        ("执招进渡怎么样", "执照进度怎么样"),
        ("公基金开户", "公积金开户"),
        ("增值睡交了没", "增值税交了没"),
        ("专漂额度用玩了", "专票额度用完了"),
        ("这个月利闰多少", "这个月利润多少"),
        ("我要投述", "我要投诉"),
        ("法人变跟要多久", "法人变更要多久"),
        ("还有欠废吗", "还有欠费吗"),
        ("公司住销", "公司注销"),
        ("欠费的帮我崔一下", "欠费的帮我催一下"),
        ("强单 r3021", "抢单 r3021"),
        ("代开发票完车了", "代开发票完成了"),
    ],
)
def test_voice_input_homophone_slips_are_fixed(raw: str, clean: str) -> None:
    assert fix_slips(raw) == clean
    assert normalise(raw) == clean


def test_every_slip_keeps_the_length_and_real_words_are_untouched() -> None:
    assert all(len(wrong) == len(right) for wrong, right in SLIPS.items())
    for text in (
        "我会记住的",
        "快记下来",
        "制造业公司注册",
        "漂亮",
        "睡觉去了",
        "水费单",
        "地址和名称都改",
        "报消息给我",
        "跟着变",
        "废纸交给我",
        "崔会计在吗",  # 崔 the surname
        "强调一下",
        "完车检",
    ):
        assert normalise(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("你哋搞掂未", "你们搞定没"),  # 未 closing a question is 没
        ("點樣俾錢", "怎样给钱"),
        ("幾耐先有結果", "多久先有结果"),
        ("年費幾多錢", "年费多少钱"),
        ("做咩咁耐", "做啥很久"),
        ("你哋识唔识搞", "你们会不会搞"),
        ("唔办住 取消先", "不办住 取消先"),
        ("行到边一步", "行到哪一步"),
        ("同嗰个会计倾两句", "同那个会计聊两句"),
    ],
)
def test_cantonese_words_a_hong_kong_client_types_fold_to_mandarin(raw: str, clean: str) -> None:
    assert normalise(raw) == clean
    assert len(normalise(raw)) == len(raw)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("发票拿到伐,阿拉等了一礼拜", "发票拿到吗,我们等了一礼拜"),
        ("执照哪能了", "执照怎么了"),
        ("勿是迭只", "不是这个"),
        ("侬好", "你好"),
        ("好伐", "好吗"),
        ("单子迭搭好传伐", "单子这里好传吗"),
        ("还欠倷多少铜钿", "还欠你多少钱款"),  # Shaoxing and Suzhou Wu
        ("收据寄拨我", "收据寄给我"),
        ("晓得哉", "知道了"),
        ("弗是格个", "不是这个"),
        ("你们给俺报上", "你们给我报上"),
        ("汝好", "你好"),  # Minnan
        ("注册要几钿", "注册要多少"),
    ],
)
def test_shanghainese_words_fold_to_mandarin(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("执照咋整", "执照咋办"),
        ("法人换了 麻溜给整了", "法人换了 赶紧给办了"),
        ("你嘎哈呢", "你干啥呢"),
        ("嗯呐 中", "是的 中"),
        ("这事弄啥嘞", "这事干什么"),
        ("中不中啊", "行不行啊"),
        ("发票木有收到", "发票没有收到"),
        ("整个月的账", "整个月的账"),  # 整个 "the whole" is not 办个
        ("介儿有人吗", "这儿有人吗"),
        ("执照嘛时候好", "执照啥时候好"),
        ("等哈 莫提交", "等下 别提交"),
        ("莫得问题", "没有问题"),
        ("莫非是我记错了", "莫非是我记错了"),
        ("唔是 我唔是呾这个", "不是 我不是说这个"),  # Teochew
        ("开出来未?", "开出来没?"),
        ("尚未完成", "尚未完成"),  # 未 inside a phrase stays
        ("未来三个月", "未来三个月"),
        ("专票开咗未啊 客户催", "专票开了没啊 客户催"),  # 未 before a sentence particle
        ("还未开始", "还未开始"),
        ("谢谢恁啊", "谢谢你啊"),  # Shandong 恁 "you"
        ("算咧,嫑办咧", "算了,别办了"),  # Shaanxi
        ("额来咧 额娃的事", "我来了 我娃的事"),
        ("额度还剩多少", "额度还剩多少"),  # 额度 "quota" is not "I"
        ("伓是 伓要", "不是 不要"),  # Fuzhou
        ("得啦 唔该晒", "得啦 多谢了"),  # Cantonese
        ("发票金额不对", "发票金额不对"),
        ("你们得不得办", "你们能不能办"),  # Yunnan
        ("读一下新闻句号", "读一下新闻. "),  # a screen reader's punctuation
    ],
)
def test_dongbei_henan_tianjin_and_chongqing_words_fold_to_mandarin(raw: str, clean: str) -> None:
    assert normalise(raw) == clean
    assert len(normalise(raw)) == len(raw)


def test_wu_question_particle_only_at_the_end_of_a_clause() -> None:
    assert normalise("伐木公司注册") == "伐木公司注册"
    assert normalise("征伐") == "征伐"
    assert normalise("跟上步伐") == "跟上步伐"


def test_full_width_and_case_fold_as_before() -> None:
    assert normalise("ＯＫ，Ｒ２０３１") == "ok,r2031"


def test_meaningful_emoji_inside_words_become_words_others_spaces() -> None:
    assert read_emoji("会计太给力了👍") == "会计太给力了赞"
    assert read_emoji("还没办好😡") == "还没办好气"
    assert read_emoji("好的🎉") == "好的 "
    assert len(normalise("谢谢👍🏻")) == len("谢谢👍🏻")


def test_emoji_alone_still_has_nothing_to_understand() -> None:
    for text in ("👍", "😡😡", "👌"):
        assert normalise(text) == text
        assert not has_content(normalise(text))


def test_offsets_survive_folding(parser: EmbeddedParser) -> None:
    text = "幫我辦個營業制造，加急"
    result = parser.parse_sync(text, TODAY)
    assert result.intent == names.RAISE_REQUEST
    (kind,) = [e for e in result.entities if e.entity == names.REQUEST_TYPE]
    assert kind.value == "营业执照" and text[kind.start : kind.end] == "營業制造"
