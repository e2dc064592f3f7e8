"""Rating the accountant after a request completes: 服务态度 and 办理速度 (1-5 or 好评/中评/差评)
and an optional comment. The completion notice's buttons start it with the first score filled
(`rate_accountant:R1024:5`); "给王会计打5分" / "差评" work too. Changes allowed for 7 days.

```mermaid
stateDiagram-v2
    [*] --> attitude: tap 去评价 / "我要评价"
    [*] --> speed: tap 好评/中评/差评 on the completion notice (attitude filled)
    [*] --> comment: a score without an aspect in free text (both filled)
    attitude --> speed: 1-5 / 好评 / 中评 / 差评
    attitude --> attitude: anything else (explain, ask again)
    speed --> comment: 1-5 / 好评 / 中评 / 差评
    comment --> [*]: text or 跳过: saved; a score <= 2 opens a complaint for the admins
    [*] --> [*]: after a completion: "三颗星" / "⭐⭐⭐⭐" / "4" / "差评，拖了半个月" (recorded at once)
    [*] --> attitude: after a completion, praise or critique in words (kept as the comment)
    attitude --> [*]: 取消
    speed --> [*]: 取消
    comment --> [*]: 取消
```
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from domain import feedback, ratings
from domain.actors import actor_of
from domain.errors import DomainError
from domain.identity import Role
from domain.ratings import Rating
from domain.requests import Status
from handlers import cues
from handlers.error_texts import error_text
from handlers.forms import Form, Invalid, start_form
from handlers.rating_words import rating_summary, score_of
from handlers.refs import merge, request_number
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.text_safety import inert
from handlers.turn import Turn
from nlu.intents import ASPECT, RATING

router = Router("ratings")

# "态度5分" / "速度：三星": an aspect word, then its score within a few characters.
ASPECT_SCORE = re.compile(r"(态度|服务|速度|效率|专业)[^0-9一二两三四五]{0,4}([1-5一二两三四五])")
ASPECT_SLOTS = {
    "态度": "attitude",
    "服务": "attitude",
    "专业": "attitude",
    "速度": "speed",
    "效率": "speed",
}

SCORE_BUTTONS = (
    QuickReply("answer:5", "好评(5分)"),
    QuickReply("answer:4", "4分"),
    QuickReply("answer:3", "中评(3分)"),
    QuickReply("answer:2", "2分"),
    QuickReply("answer:1", "差评(1分)"),
)


def summary(rating: Rating) -> str:
    return rating_summary(rating.attitude, rating.speed, rating.comment)


def _score(value: Any) -> int:
    """A score as people give it: "4", "四星吧", "⭐⭐⭐⭐", "给4分", "好评"."""
    raw = str(value)
    score = score_of(raw)
    if score is None:
        score = overall_score(raw)
    if score is None or not 1 <= score <= 5:
        raise Invalid("请回复1到5分，或“好评”“中评”“差评”。")
    return score


@router.form
class RateForm(Form):
    name = "rate_accountant"
    required_slots = ("attitude", "speed", "comment")
    optional_slots = frozenset({"comment"})

    async def ask_attitude(self, turn: Turn) -> list[Reply]:
        number = turn.conversation.slots["number"]
        return [Text(f"请为 {number} 的服务态度打分：", SCORE_BUTTONS)]

    async def ask_speed(self, turn: Turn) -> list[Reply]:
        attitude = turn.conversation.slots.get("attitude")
        head = f"服务态度{attitude}分，收到。" if attitude else ""
        return [Text(f"{head}办理速度您打几分？", SCORE_BUTTONS)]

    async def ask_comment(self, turn: Turn) -> list[Reply]:
        return [
            Text(
                "还有什么想对我们说的吗？直接回复就行，没有请回复“跳过”。",
                (QuickReply("answer:跳过", "跳过"),),
            )
        ]

    async def interject(self, slot: str, turn: Turn) -> list[Reply] | None:
        """Thanks while a score is asked: a warm word, and the question again."""
        msg = turn.message
        if (
            slot != "comment"
            and msg.has_text
            and not msg.menu_id
            and cues.is_thanks(msg.clean_text)
        ):
            return [Text("不客气😊"), *await self.ask(slot, turn)]
        return None

    async def validate_attitude(self, value: Any, turn: Turn) -> int:
        return _score(value)

    async def validate_speed(self, value: Any, turn: Turn) -> int:
        return _score(value)

    async def validate_comment(self, value: Any, turn: Turn) -> str | None:
        text = str(value).strip()
        return None if text in ("跳过", "skip") else text[:500]

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        outcome = await feedback.rate(
            turn.uow,
            actor_of(turn.identity),
            s["number"],
            int(s["attitude"]),
            int(s["speed"]),
            s.get("comment") or "",
            turn.now,
        )
        return [Text(rated_text(outcome))]


def rated_text(outcome: ratings.RateOutcome) -> str:
    head = "已更新您的评价。" if outcome.changed else "谢谢您的评价！"
    text = f"{head}（{inert(summary(outcome.rating))}）"
    if outcome.complaint is not None:
        text += (
            f"\n很抱歉这次没让您满意。我们已请主管跟进（跟进单号 {outcome.complaint.number}），"
            "会尽快联系您。"
        )
    elif not outcome.changed:
        text += "\n7天内如想修改，再评一次即可。"
    return text


async def scores_in(turn: Turn) -> dict[str, int]:
    """Scores typed in words: "态度5分，速度3分", "给王会计打5分" (both aspects), "差评"."""
    text = turn.message.clean_text
    found: dict[str, int] = {}
    for word, raw in ASPECT_SCORE.findall(text):
        score = score_of(raw)
        if score is not None:
            found.setdefault(ASPECT_SLOTS[word], score)
    if found:
        return found
    parsed = await turn.understand()
    value = parsed.entity(RATING)
    if value is None or not value.isdigit():
        return {}
    aspect = parsed.entity(ASPECT)
    if aspect in ASPECT_SLOTS:
        return {ASPECT_SLOTS[aspect]: int(value)}
    return {"attitude": int(value), "speed": int(value)}


@router.intent(
    "rate_accountant",
    roles=(Role.CLIENT,),
    refuse="评价是客户功能哦。员工可以回复“我的统计”查看评价。",
)
async def rate_accountant(turn: Turn) -> list[Reply]:
    number = await request_number(turn)
    if number is None:
        latest = await feedback.latest_ratable(turn.uow, actor_of(turn.identity))
        if latest is None:
            return [Text("您还没有办结的业务可以评价哦。业务办完后我会请您评价。")]
        number = latest.number
    try:
        _req, earlier = await feedback.ratable(turn.uow, actor_of(turn.identity), number)
    except DomainError as exc:
        return [Text(error_text(exc))]
    if earlier is not None and turn.now - earlier.created_at > ratings.CHANGE_WINDOW:
        return [Text(f"{number} 已经评价过了，评价提交7天后不能再修改。")]
    preset: dict[str, Any] = {"number": number}
    _, _, tapped = turn.arg.partition(":")
    tapped, _, scope = tapped.partition(":")
    if tapped and scope == "all":  # one score for the whole service (`score_buttons`)
        preset["attitude"] = preset["speed"] = score_of(tapped)
    elif tapped:
        preset["attitude"] = score_of(tapped)
    elif turn.message.clean_text:
        preset.update(await scores_in(turn))
    replies = await start_form(turn, RateForm, **preset)
    if earlier is not None:
        return merge(
            f"您已评价过 {number}（{inert(summary(earlier))}），这次会更新为新的评价。", replies
        )
    return replies


# --- the rating the completion notice asked for ---------------------------------------------

# How long after completion a client's next words are read as the rating first.
RATING_EXPECTED = timedelta(days=3)
# "三颗星", "10颗星", "4分", "给2星": a score, possibly out of range.
SCORE_RE = re.compile(r"([0-9]{1,3}|[一二两三四五六七八九十]{1,2})\s*(?:颗|个)?\s*(?:星|分)")
BARE_SCORE_RE = re.compile(r"\s*([0-9]{1,2})\s*[。!！]*")
_CN = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
# Words of an evaluation: praise, critique, the aspects.
REVIEW_RE = re.compile(
    r"态度|速度|效率|专业|服务|满意|给力|靠谱|负责|耐心|热情|太慢|有点慢|挺慢|很慢|很快|挺快|拖了|拖拖拉拉|"
    r"不错|很好|挺好|太好|很差|太差|一般般?|点赞|👍|好评|差评|中评|表扬"
)
# The score's own words, taken out of the comment.
_SCORE_WORDS = re.compile(
    r"(?:给|打|评)?(?:个)?\s*(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,2})\s*(?:颗|个)?\s*(?:星|分)(?:好评|吧)?|"
    r"五星好评|好评|差评|中评|[⭐★🌟]+"
)


def _number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + _CN.get(raw[1:], 0)
    return _CN.get(raw[0], 0) * (10 if raw.endswith("十") and len(raw) == 2 else 1)


def overall_score(text: str) -> int | None:
    """One score for the whole service: stars, "三颗星", "4分", "差评", a digit alone; it may
    be out of range (the caller explains the range)."""
    star = cues.stars(text)
    if star is not None:
        return star
    m = SCORE_RE.search(text) or BARE_SCORE_RE.fullmatch(text)
    if m is not None:
        return _number(m.group(1))
    for word, score in (("五星好评", 5), ("好评", 5), ("中评", 3), ("差评", 1)):
        if word in text:
            return score
    return None


_ASPECT_WORDS = re.compile(ASPECT_SCORE.pattern + r"\s*(?:颗|个)?\s*(?:分|星)?")


def comment_of(text: str) -> str:
    rest = cues.trim(_SCORE_WORDS.sub("", _ASPECT_WORDS.sub("", text)))
    return rest if cues.meaningful(rest) >= 2 else ""


def score_buttons(number: str) -> tuple[QuickReply, ...]:
    return tuple(
        QuickReply(f"rate_accountant:{number}:{n}:all", label)
        for n, label in ((5, "5星"), (4, "4星"), (3, "3星"), (2, "2星"), (1, "1星"))
    )


@router.reader()
async def expected_rating(turn: Turn) -> list[Reply] | None:
    """After "请为…打个分", the client's next words are read as the rating first: stars,
    "三颗星", a digit, "差评，拖了半个月" (a low score with its reason: recorded at once, an
    apology, admins told), praise or critique in words (kept as the comment; the score is
    asked), thanks (a warm answer and the invitation again)."""
    msg, ident = turn.message, turn.identity
    text = msg.clean_text
    if ident.role is not Role.CLIENT or msg.menu_id or not msg.has_text or not text:
        return None
    score = overall_score(text)
    review = REVIEW_RE.search(text) is not None
    thanks = cues.is_thanks(text)
    if score is None and not review and not thanks:
        return None
    req = await feedback.latest_ratable(turn.uow, actor_of(ident))
    if (
        req is None
        or req.status is not Status.COMPLETED
        or turn.now - (req.completed_at or req.created_at) > RATING_EXPECTED
    ):
        return None
    handler = req.handler_name or "会计"
    if thanks and score is None:
        return [
            Text(
                f"不客气，能帮上忙我们也很开心😊 我会转告{handler}。"
                f"方便的话给{handler}这次的服务打个分吧：",
                score_buttons(req.number),
            )
        ]
    if score is not None and not 1 <= score <= 5:
        return [Text("评分是1到5星哦，5星最好。您想打几星？", score_buttons(req.number))]
    found: dict[str, int] = {}
    for word, raw in ASPECT_SCORE.findall(text):
        value = score_of(raw)
        if value is not None:
            found.setdefault(ASPECT_SLOTS[word], value)
    comment = comment_of(text)
    whole = len(found) == 2 or (score is not None and len(found) == 0)
    low = min([*found.values(), score or 5]) <= ratings.LOW_SCORE
    if whole and low and not comment:
        # A bare "差评": what went wrong is worth one question before the admins are told.
        both = {"attitude": found.get("attitude", score), "speed": found.get("speed", score)}
        replies = await start_form(turn, RateForm, number=req.number, **both)
        return merge("很抱歉这次没让您满意。", replies)
    if whole:
        attitude = found.get("attitude", score or 0)
        speed = found.get("speed", score or 0)
        outcome = await feedback.rate(
            turn.uow, actor_of(ident), req.number, attitude, speed, comment, turn.now
        )
        return [Text(rated_text(outcome))]
    preset: dict[str, Any] = {"number": req.number, **found}
    if comment:
        preset["comment"] = comment[:500]
    replies = await start_form(turn, RateForm, **preset)
    head = f"谢谢您的评价，已记下：“{inert(comment)}”。" if comment else "收到，谢谢您！"
    return merge(head, replies)
