"""The firm's own wording, kept in the database: versions are kept, the latest wins, and the
sender words the next notices with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain import notice_wording
from domain.actors import Actor
from domain.message_templates import MessageTemplate
from domain.notices import Notice, NoticeKind, ProgressAdded, RequestRef
from domain.requests import Status, Urgency
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.harness import make_settings
from tests.support.outbound import SandboxChat, running_sandbox

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PROGRESS = NoticeKind.PROGRESS_ADDED


async def test_saved_versions_are_kept_and_the_latest_is_in_force(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            firm = await uow.identities.add_firm("测试代账", "wx_wording")
            admin = await uow.identities.add_staff(firm.id, "赵主管", is_admin=True)
            await uow.commit()
        actor = Actor.of_staff(admin)
        for i, text in enumerate(("{progress}", "进度：{progress}", "{handler}：{progress}")):
            async with SqlUnitOfWork(sessions) as uow:
                template = MessageTemplate(PROGRESS, text)
                await notice_wording.save_template(uow, actor, template, NOW + timedelta(hours=i))
                await uow.commit()
        async with SqlUnitOfWork(sessions) as uow:
            await notice_wording.save_template(
                uow, actor, MessageTemplate(NoticeKind.TASK_CLAIMED, title="已受理"), NOW
            )
            await uow.commit()
        async with SqlUnitOfWork(sessions) as uow:
            in_force = await notice_wording.wording_in_force(uow, actor)
            history = await notice_wording.template_history(uow, actor, PROGRESS)
            other_firm = await uow.templates.latest(firm.id + 1)
        assert in_force == {
            PROGRESS: MessageTemplate(PROGRESS, "{handler}：{progress}"),
            NoticeKind.TASK_CLAIMED: MessageTemplate(NoticeKind.TASK_CLAIMED, title="已受理"),
        }
        assert [(s.version, s.template.text) for s in history] == [
            (3, "{handler}：{progress}"),
            (2, "进度：{progress}"),
            (1, "{progress}"),
        ]
        assert history[0].saved_by == admin.id and history[0].saved_at == NOW + timedelta(hours=2)
        assert other_firm == {}
    finally:
        await engine.dispose()


async def test_the_sender_words_notices_the_firms_way(sqlite_url: str, tmp_path: Path) -> None:
    async with running_sandbox(make_settings(sqlite_url, tmp_path)) as chat:
        await chat.say("o_chen", "你好")  # the 48-hour window is open
        firm_id = chat.pipeline.firm.id
        ref = RequestRef("R1001", "工商变更", "云帆科技", Urgency.NORMAL, Status.CLAIMED)
        facts = ProgressAdded(ref, "王会计", "已提交工商局")
        await queue(chat, Notice("o_chen", PROGRESS, facts))
        await wait_for_texts(chat, 1)
        async with SqlUnitOfWork(chat.sessions) as uow:
            own = MessageTemplate(PROGRESS, "【{company}】{number}：{progress}（{handler}）")
            await notice_wording.save_template(uow, Actor.system(firm_id), own, datetime.now(UTC))
            await uow.commit()
        await queue(chat, Notice("o_chen", PROGRESS, facts))
        assert await wait_for_texts(chat, 2) == [
            "您的R1001 工商变更有新进度：已提交工商局\n（王会计）",
            "【云帆科技】R1001：已提交工商局（王会计）",
        ]


async def queue(chat: SandboxChat, notice: Notice) -> None:
    async with SqlUnitOfWork(chat.sessions) as uow:
        await uow.outbox.add(notice, datetime.now(UTC))
        await uow.commit()
    chat.sender.poke()


async def wait_for_texts(chat: SandboxChat, n: int) -> list[str]:
    def texts() -> list[str]:
        return [m["text"] for m in chat.emulator.outbox("o_chen")]

    await chat.wait_for(lambda: len(texts()) >= n)
    return texts()
