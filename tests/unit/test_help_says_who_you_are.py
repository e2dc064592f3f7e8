""" "Which company am I bound to" is `help`: the help reply starts with the speaker's binding."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.conversation import Conversation
from domain.identity import ClientCompany, Contact, Firm, Identity, Role, Staff
from handlers.app import build_root
from handlers.message import Inbound
from handlers.replies import Text
from handlers.turn import Ports, Turn
from tests.support.fake_nlu import KeywordNLU
from tests.unit.lifecycle.fakes import LifecycleUoW

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
FIRM = Firm(1, "测试代账", "wx1")
ROOT = build_root()


async def ask_help(identity: Identity) -> str:
    msg = Inbound(identity.openid, "text", NOW, text="帮助")
    conv = Conversation("wx1", identity.openid)
    turn = Turn(msg, identity, conv, LifecycleUoW(), Ports(KeywordNLU()), NOW)
    replies = await ROOT.handle(turn)
    return "\n".join(r.text for r in replies if isinstance(r, Text))


async def test_a_client_hears_which_company_they_are_bound_to() -> None:
    company = ClientCompany(7, 1, "青山餐饮有限公司", accountant_id=None)
    contact = Contact(3, 7, "陈先生", "13912345678", "o_c")
    reply = await ask_help(Identity("o_c", FIRM, Role.CLIENT, contact=contact, company=company))
    assert reply.startswith("陈先生，您已绑定青山餐饮有限公司，预留手机 139****5678。")
    assert "我可以帮您" in reply


async def test_staff_hear_their_role() -> None:
    staff = Staff(2, 1, "王会计", is_admin=False, openid="o_s")
    reply = await ask_help(Identity("o_s", FIRM, Role.STAFF, staff=staff))
    assert reply.startswith("王会计，您是测试代账的员工。") and "员工功能" in reply
