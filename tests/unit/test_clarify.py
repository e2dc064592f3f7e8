"""Asking instead of guessing, and reading doubtful voice back, through the real router."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.conversation import Conversation
from domain.identity import Firm, Identity, Role
from handlers import clarify, texts
from handlers.app import build_root
from handlers.message import Inbound
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Ports, Turn
from nlu.types import Entity, ParseResult
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
FIRM = Firm(1, "测试代账", "wx1")


class ScriptedNLU:
    """Fixed readings per text: (intent, confidence, alternatives)."""

    SCRIPT: dict[str, tuple[str, float, tuple[str, ...]]] = {
        "执照那个事": ("check_progress", 0.42, ("check_progress", "raise_request")),
        "单子呢": ("my_tasks", 0.45, ("my_tasks", "check_progress")),
        "办执照": ("raise_request", 0.97, ()),
        "我要投诉": ("complain", 0.95, ()),
        "查一下那个": ("check_progress", 0.5, ()),
        "嗯嗯啊": ("nlu_fallback", 0.2, ()),
        "你好": ("greet", 0.5, ()),
    }

    async def parse(self, text: str, today: date | None = None) -> ParseResult:
        intent, confidence, alternatives = self.SCRIPT.get(text, ("nlu_fallback", 0.1, ()))
        entities: tuple[Entity, ...] = ()
        if "执照" in text:
            i = text.index("执照")
            entities = (Entity("request_type", "营业执照", i, i + 2),)
        ranking = tuple((a, confidence) for a in alternatives) or ((intent, confidence),)
        return ParseResult(text, intent, confidence, entities, ranking, alternatives)


probe = Router("probe")


def _echo(name: str) -> Any:
    async def handler(turn: Turn) -> list[Reply]:
        parsed = await turn.understand()
        return [Text(f"{name}:{turn.message.text}:{parsed.entity('request_type')}")]

    return handler


for intent, roles in (
    ("check_progress", [Role.CLIENT]),
    ("raise_request", [Role.CLIENT]),
    ("complain", [Role.CLIENT]),
    ("my_tasks", [Role.STAFF]),
):
    probe.intent(intent, roles=roles, refuse="不行")(_echo(intent))

ROOT = build_root([probe])


class Session:
    def __init__(self, role: Role = Role.CLIENT) -> None:
        self.conv = Conversation("wx1", "o1")
        self.identity = Identity("o1", FIRM, role)
        self.uow = FakeUnitOfWork()
        self.now = NOW
        self.last: list[Reply] = []

    async def send(self, text: str = "", **kw: Any) -> str:
        msg = Inbound("o1", kw.pop("msg_type", "text"), self.now, text=text, **kw)
        turn = Turn(msg, self.identity, self.conv, self.uow, Ports(ScriptedNLU()), self.now)
        self.last = await ROOT.handle(turn)
        if self.conv.flow is not None:
            self.conv.updated_at = self.now
        return "\n".join(r.text for r in self.last if isinstance(r, Text))

    def taps(self) -> list[tuple[str, str]]:
        return [(q.id, q.label) for r in self.last if isinstance(r, Text) for q in r.quick_replies]


async def test_two_close_readings_become_one_question_with_two_taps() -> None:
    s = Session()
    reply = await s.send("执照那个事")
    assert reply == "您是想 ①查业务进度 ②办新业务？"
    assert s.taps() == [
        ("clarify:check_progress", "查业务进度"),
        ("clarify:raise_request", "办新业务"),
    ]


async def test_a_tap_continues_with_the_original_message_and_its_entities() -> None:
    s = Session()
    await s.send("执照那个事")
    reply = await s.send("办新业务", menu_id="clarify:raise_request")
    assert reply == "raise_request:执照那个事:营业执照"
    assert s.conv.flow is None


async def test_a_typed_number_or_label_answers_the_question() -> None:
    s = Session()
    await s.send("执照那个事")
    assert await s.send("2") == "raise_request:执照那个事:营业执照"
    await s.send("执照那个事")
    assert await s.send("查业务进度") == "check_progress:执照那个事:营业执照"


async def test_something_else_is_read_as_a_new_message() -> None:
    s = Session()
    await s.send("执照那个事")
    assert await s.send("我要投诉") == "complain:我要投诉:None"
    assert s.conv.flow is None


async def test_readings_the_speaker_cannot_mean_are_not_offered() -> None:
    client, staff = Session(Role.CLIENT), Session(Role.STAFF)
    assert await client.send("单子呢") == "check_progress:单子呢:None"
    # Staff may mean either (they check requests' progress too): they are asked.
    assert await staff.send("单子呢") == "您是想 ①看我的任务 ②查业务进度？"


async def test_no_question_inside_a_form_step() -> None:
    s = Session()
    s.conv.flow, s.conv.requested_slot = "raise_request", "description"
    reply = await s.send("执照那个事")
    assert "您是想" not in reply


async def test_an_unanswered_question_lapses_quietly() -> None:
    s = Session()
    await s.send("执照那个事")
    s.now = NOW + timedelta(hours=2)
    assert await s.send("我要投诉") == "complain:我要投诉:None"


async def test_a_tap_on_an_old_question_still_works() -> None:
    s = Session()
    assert (
        await s.send("办新业务", menu_id="clarify:raise_request") == "raise_request:办新业务:None"
    )


async def test_confident_voice_is_answered_like_text() -> None:
    s = Session()
    assert await s.send("我要投诉", msg_type="voice", media_id="v1") == "complain:我要投诉:None"


async def test_doubtful_voice_is_read_back_and_yes_continues() -> None:
    s = Session()
    reply = await s.send("查一下那个", msg_type="voice", media_id="v1")
    assert reply == "您说的是“查一下那个”吗？"
    assert s.taps() == [("clarify:check_progress", "是的，查业务进度"), ("clarify:no", "不是")]
    assert await s.send("是的") == "check_progress:查一下那个:None"


async def test_doubtful_voice_no_asks_to_say_it_again() -> None:
    s = Session()
    await s.send("查一下那个", msg_type="voice", media_id="v1")
    assert await s.send("不是", menu_id="clarify:no") == clarify.SAY_AGAIN
    assert s.conv.flow is None


async def test_ambiguous_voice_says_what_was_heard_and_asks() -> None:
    s = Session()
    reply = await s.send("执照那个事", msg_type="voice", media_id="v1")
    assert reply == "您说的是“执照那个事”吗？您是想 ①查业务进度 ②办新业务？"


async def test_voice_not_understood_says_what_was_heard() -> None:
    s = Session()
    reply = await s.send("嗯嗯啊", msg_type="voice", media_id="v1")
    assert reply.startswith("您说的是“嗯嗯啊”吗？") and "打字" in reply


async def test_harmless_short_voice_is_just_answered() -> None:
    s = Session()
    assert "您说的是" not in await s.send("你好", msg_type="voice", media_id="v1")


async def test_voice_without_words_asks_to_say_it_again() -> None:
    s = Session()
    assert await s.send("", msg_type="voice", media_id="v1") == texts.VOICE_UNHEARD
