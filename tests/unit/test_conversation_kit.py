"""The router and forms, with fakes: order of precedence, slots, validation, expiry, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.conversation import Conversation
from domain.identity import Firm, Identity, Role
from handlers.app import build_root
from handlers.forms import Form, Invalid, start_form
from handlers.message import Inbound
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Ports, Turn
from tests.support.fake_nlu import KeywordNLU
from tests.support.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
FIRM = Firm(1, "测试代账", "wx1")


order_router = Router("order")


@order_router.form
class OrderForm(Form):
    """A two-slot form for the tests: a request type (entity or text) and a count."""

    name = "test_order"
    required_slots = ("request_type", "count")
    slot_entities = {"request_type": "request_type"}
    prompts = {"request_type": "办什么？", "count": "几份？"}

    async def validate_count(self, value: Any, turn: Turn) -> int:
        if not str(value).isdigit() or not 1 <= int(value) <= 9:
            raise Invalid("请回复1到9之间的数字。")
        return int(value)

    async def submit(self, turn: Turn) -> list[Reply]:
        s = turn.conversation.slots
        return [Text(f"已登记：{s['request_type']} x{s['count']}")]


@order_router.intent("raise_request", roles=[Role.CLIENT], refuse="客户才能下单。")
async def start_order(turn: Turn) -> list[Reply]:
    return await start_form(turn, OrderForm)


ROOT = build_root([order_router])


class Session:
    """One user's conversation driven turn by turn, state carried like the pipeline does."""

    def __init__(self, role: Role = Role.CLIENT) -> None:
        self.conv = Conversation("wx1", "o1")
        self.identity = Identity("o1", FIRM, role)
        self.uow = FakeUnitOfWork()
        self.nlu = KeywordNLU()
        self.now = NOW

    async def send(self, text: str = "", **kw: Any) -> list[str]:
        msg = Inbound("o1", kw.pop("msg_type", "text"), self.now, text=text, **kw)
        turn = Turn(msg, self.identity, self.conv, self.uow, Ports(self.nlu), self.now)
        replies = await ROOT.handle(turn)
        if self.conv.flow is not None:
            self.conv.updated_at = self.now
        return [r.text for r in replies if isinstance(r, Text)]


async def test_entity_in_first_message_fills_its_slot() -> None:
    s = Session()
    assert await s.send("我要办营业执照") == ["几份？"]
    assert s.conv.slots == {"request_type": "营业执照"}
    assert await s.send("2") == ["已登记：营业执照 x2"]
    assert s.conv.flow is None


async def test_invalid_answer_is_explained_and_asked_again_in_one_message() -> None:
    s = Session()
    await s.send("我要办营业执照")
    assert await s.send("很多") == ["请回复1到9之间的数字。\n几份？"]
    assert "count" not in s.conv.slots and s.conv.flow == "test_order"


async def test_quick_reply_answer_fills_the_requested_slot_without_nlu() -> None:
    s = Session()
    await s.send("我要办营业执照")
    calls = len(s.nlu.calls)
    assert await s.send("三份", menu_id="answer:3") == ["已登记：营业执照 x3"]
    assert len(s.nlu.calls) == calls


async def test_cancel_word_beats_an_active_form() -> None:
    s = Session()
    await s.send("我要办营业执照")
    assert await s.send("取消") == ["好的，已取消。有需要随时找我。"]
    assert s.conv.flow is None and s.conv.slots == {}


async def test_idle_form_expires_before_the_next_message_is_routed() -> None:
    s = Session()
    await s.send("我要办营业执照")
    s.now = NOW + timedelta(hours=1)
    replies = await s.send("2")
    assert replies[0].startswith("上次的办理步骤已超时，已为您自动取消。")
    assert s.conv.flow is None


async def test_role_filter_refuses_politely_and_strangers_are_asked_to_bind() -> None:
    assert await Session(Role.STAFF).send("我要办营业执照") == ["客户才能下单。"]
    stranger = await Session(Role.STRANGER).send("我要办营业执照")
    assert "绑定" in stranger[0]


async def test_fallback_when_nothing_matches() -> None:
    assert "没太明白" in (await Session().send("今天天气如何"))[0]


async def test_non_text_message_without_a_route_is_explained() -> None:
    replies = await Session().send(msg_type="voice", media_id="m1")
    assert "文字和图片" in replies[0]


async def test_menu_click_starts_afresh_and_skips_nlu() -> None:
    s = Session()
    await s.send("我要办营业执照")
    calls = len(s.nlu.calls)
    assert await s.send(msg_type="event", event="click", event_key="raise_request") == ["办什么？"]
    assert len(s.nlu.calls) == calls
    assert s.conv.slots == {}
