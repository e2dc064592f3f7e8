"""The books in chat, end to end in the sandbox with the real parser: staff import a month with
`yunkuaiji books import`, the client asks in their own words and gets the figures with the
comparisons; staff ask about a client they keep, not one they don't; the checklist story from
"申报清单" to "本月已申报" as the client receives it through the WeChat emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from domain.actors import Actor
from domain.binding import create_invite
from domain.clock import FixedClock
from domain.identity import InviteKind
from storage.uow import SqlUnitOfWork
from tests.support.book_months import keep_month, month_of
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox
from tests.support.statement_files import LAYOUTS

pytestmark = pytest.mark.slow

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
YUNFAN = "杭州云帆科技有限公司"
QINGHE = "杭州青禾餐饮管理有限公司"


@pytest.fixture(scope="module")
def parser() -> Any:
    from nlu.backends import build_parser

    return build_parser("embedded", "")


async def _bind(uow: Any, firm_id: int, kind: InviteKind, target: int, openid: str) -> None:
    invite = await create_invite(uow, Actor.system(firm_id), kind, target, NOW)
    await uow.identities.use_invite(firm_id, invite.code, openid, NOW)
    await uow.identities.bind_openid(invite, openid)


@pytest.fixture
async def chat(
    sqlite_url: str, tmp_path: Path, parser: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SandboxChat]:
    settings = make_settings(sqlite_url, tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("WECHAT_APPID", settings.wechat_appid)
    async with running_sandbox(settings, clock=FixedClock(NOW), nlu=parser) as chat:
        async with SqlUnitOfWork(chat.sessions) as uow:
            ids, firm = uow.identities, chat.pipeline.firm
            wang = await ids.add_staff(firm.id, "王会计")
            li = await ids.add_staff(firm.id, "李会计")
            yunfan = await ids.add_company(firm.id, YUNFAN, accountant_id=wang.id)
            qinghe = await ids.add_company(firm.id, QINGHE, accountant_id=li.id)
            liu = await ids.add_contact(yunfan.id, "刘先生")
            cashier = await ids.add_contact(yunfan.id, "王出纳")
            await _bind(uow, firm.id, InviteKind.STAFF, wang.id, "o_wang")
            await _bind(uow, firm.id, InviteKind.STAFF, li.id, "o_li")
            await _bind(uow, firm.id, InviteKind.CONTACT, liu.id, "o_liu")
            await _bind(uow, firm.id, InviteKind.CONTACT, cashier.id, "o_cashier")
            # August 2026 and September 2025 were kept before: the comparisons' other sides.
            staff = Actor.of_staff(wang)
            august = month_of("2026-08", YUNFAN, revenue=11_000_000, net_profit=2_000_000)
            await keep_month(uow, staff, yunfan.id, august, NOW)
            last_year = month_of("2025-09", YUNFAN, revenue=9_000_000, net_profit=2_618_751)
            await keep_month(uow, staff, yunfan.id, last_year, NOW)
            await uow.commit()
        del qinghe
        yield chat


async def staff_import(tmp_path: Path, capsys: Any) -> dict[str, Any]:
    """September 2026 from the accountant's .xlsx export, through the command line."""
    import json

    path = tmp_path / "yunfan-2026-09.xlsx"
    path.write_bytes(LAYOUTS["small_xlsx"].make())
    capsys.readouterr()
    args = ["--env-file", str(tmp_path / "none.env"), "books", "import", str(path)]
    code = await asyncio.to_thread(main, [*args, "--company", YUNFAN])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0, out
    result: dict[str, Any] = json.loads(out)
    return result


async def test_the_client_asks_in_their_words_and_gets_the_figures(
    chat: SandboxChat, tmp_path: Path, capsys: Any
) -> None:
    imported = await staff_import(tmp_path, capsys)
    assert imported["period"] == "2026-09" and imported["month"]["net_profit"] == 2_618_751

    reply = await chat.say("o_liu", "上个月赚了多少钱")
    assert reply is not None
    assert "2026年9月净利润 26,187.51元" in reply
    assert "比上月多 6,187.51元（+30.9%）" in reply  # August: 20,000.00
    assert "与去年同月持平" in reply  # September 2025 made the same

    reply = await chat.say("o_liu", "账上还有多少钱")
    assert reply is not None and "截至2026年9月末，账上货币资金 356,789.12元" in reply

    reply = await chat.say("o_liu", "9月营收多少")
    assert reply is not None and "营业收入 128,500.00元" in reply
    assert "比上月多 18,500.00元（+16.8%）" in reply

    reply = await chat.say("o_liu", "上个月交了多少税")
    assert (
        reply is not None and "应交税金 3,190.39元" in reply
    )  # the four taxes: 1,285 + 77.10 + 450 + 1,378.29
    assert "增值税 1,285.00元" in reply

    reply = await chat.say("o_liu", "这个月利润多少")  # October's books come in November
    assert reply is not None and "2026年10月的账还没做好，预计11月16日前做好" in reply

    reply = await chat.say("o_liu", "下个月利润多少")
    assert reply is not None and "还没到" in reply and "元" not in reply


async def test_staff_ask_about_a_client_they_keep_and_only_those(
    chat: SandboxChat, tmp_path: Path, capsys: Any
) -> None:
    await staff_import(tmp_path, capsys)
    reply = await chat.say("o_wang", "云帆科技上个月利润多少")
    assert reply is not None and "净利润 26,187.51元" in reply
    reply = await chat.say("o_li", "云帆科技上个月利润多少")
    assert reply is not None and "26,187.51" not in reply and "只能查看您服务的客户" in reply


async def test_the_checklist_story_to_filed_as_the_client_sees_it(chat: SandboxChat) -> None:
    await chat.say("o_wang", "你好")  # inside the 48-hour window: 客服 messages reach him
    reply = await chat.say("o_liu", "报税了吗")
    assert reply is not None
    assert "2026年9月的税还没申报，截止日期是10月26日" in reply
    assert "确认工资表" in reply

    reply = await chat.say("o_liu", "申报清单")
    assert reply is not None and "⬜ 确认工资表，10月21日前" in reply

    assert "已确认✅ 还有2项" in (await chat.say("o_liu", "工资表确认了") or "")
    assert "之前已经确认过了" in (await chat.say("o_liu", "工资表确认好了") or "")
    assert "还有1项" in (await chat.say("o_liu", "银行流水发你了") or "")
    assert "资料都齐了" in (await chat.say("o_liu", "进项发票确认了") or "")
    assert "工资表确认了吗" not in (await chat.say("o_liu", "工资表确认了吗") or "")

    reply = await chat.say("o_wang", "申报完成 云帆 增值税 1285")
    assert reply is not None and "“申报增值税”已确认" in reply
    reply = await chat.say("o_wang", "本月申报")
    assert reply is not None and "云帆科技有限公司：处理中" in reply
    reply = await chat.say("o_wang", "申报完成 云帆 个税 450.00")
    assert reply is not None and "本月的税已全部申报✅" in reply

    async def filed_told() -> bool:
        got = [str(i.get("text", "")) for i in await chat.outbox_json("o_liu")]
        return any("本月已申报✅" in t and "增值税：1,285.00元" in t for t in got)

    await chat.wait_for(filed_told)
    got = [str(i.get("text", "")) for i in await chat.outbox_json("o_liu")]
    assert sum("本月已申报" in t for t in got) == 1
    told_wang = [str(i.get("text", "")) for i in await chat.outbox_json("o_wang")]
    assert any("刘先生已确认“确认工资表”" in t for t in told_wang)
    reply = await chat.say("o_liu", "这个月报税了没")
    assert reply is not None and "已申报完成✅" in reply and "个税 450.00元" in reply


async def test_the_owner_decides_who_else_sees_the_books(
    chat: SandboxChat, tmp_path: Path, capsys: Any
) -> None:
    await staff_import(tmp_path, capsys)
    refused = await chat.say("o_cashier", "上个月利润多少")
    assert refused is not None and "26,187.51" not in refused
    assert "需要刘先生同意" in refused and "让王出纳也能看账" in refused
    assert "需要刘先生同意" in (await chat.say("o_cashier", "让王出纳也能看账") or "")
    assert "王出纳现在也能查看" in (await chat.say("o_liu", "让王出纳也能看账") or "")
    allowed = await chat.say("o_cashier", "上个月利润多少")
    assert allowed is not None and "净利润 26,187.51元" in allowed
    assert "已不能再查看" in (await chat.say("o_liu", "不让王出纳看账") or "")
    again = await chat.say("o_cashier", "账上还有多少钱")
    assert again is not None and "356,789.12" not in again and "需要刘先生同意" in again
    # 王会计 hands the books to 王出纳: now 刘先生 needs leave.
    assert "设为杭州云帆科技有限公司的账目负责人" in (
        await chat.say("o_wang", "账目负责人 云帆 王出纳") or ""
    )
    assert "356,789.12" in (await chat.say("o_cashier", "账上还有多少钱") or "")
    assert "需要王出纳同意" in (await chat.say("o_liu", "账上还有多少钱") or "")


async def test_staff_mark_the_annual_report_done_in_chat(chat: SandboxChat) -> None:
    reply = await chat.say("o_wang", "年报完成 云帆")
    assert reply is not None and "已登记：杭州云帆科技有限公司的2025年度工商年报已报送✅" in reply
    reply = await chat.say("o_wang", "年报已报 云帆")
    assert reply is not None and "之前已登记为完成" in reply
    reply = await chat.say("o_li", "年报完成 云帆")  # not 李会计's client
    assert reply is not None and "已登记" not in reply and "只能查看您服务的客户" in reply
    reply = await chat.say("o_liu", "年报完成 云帆")  # a client cannot mark it
    assert reply is None or "已登记" not in reply
    async with SqlUnitOfWork(chat.sessions) as uow:
        companies = {
            c.name: c.id for c in await uow.identities.list_companies(chat.pipeline.firm.id)
        }
        assert await uow.filing.has_warning(companies[YUNFAN], "annual_report_done", "2026")
        assert not await uow.filing.has_warning(companies[QINGHE], "annual_report_done", "2026")


async def test_last_month_is_read_against_the_message_time_at_new_year(chat: SandboxChat) -> None:
    """00:30 on 1 January 2026 in Shanghai (still 31 December in UTC): "上个月" is December
    2025, "本季度" the first quarter of 2026, whatever the machine's clock says."""
    assert chat.clock is not None
    new_year = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    chat.clock.advance(seconds=(new_year - chat.clock.now()).total_seconds())
    reply = await chat.say("o_liu", "上个月利润多少")
    assert reply is not None and "2025年12月的账还没做好" in reply, reply
    reply = await chat.say("o_liu", "9月利润多少")  # September 2025: kept
    assert reply is not None and "2025年9月净利润 26,187.51元" in reply, reply
