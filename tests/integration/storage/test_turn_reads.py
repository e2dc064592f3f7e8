"""The one-statement read of who is writing and their conversation gives what the identity
repository and the conversation store give separately: staff, client contacts (the first of
two companies), strangers, with and without a stored conversation."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.identity import Role
from storage.engine import create_engine, session_factory
from storage.tables.identity import CompanyRow, ContactRow, StaffRow
from storage.tables.messaging import ConversationRow
from storage.turn_reads import identity_and_conversation
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)


async def test_one_read_agrees_with_the_repositories(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            firm = await uow.identities.add_firm("测试代账", "wx_reads")
            other = await uow.identities.add_firm("别家", "wx_other")
            s = uow.session
            admin = StaffRow(firm_id=firm.id, name="赵主管", phone="138", is_admin=True)
            admin.openid = "o_admin"
            s.add(admin)
            s.add(StaffRow(firm_id=other.id, name="别家会计", openid="o_elsewhere"))
            await s.flush()
            for name in ("青禾餐饮", "云帆科技"):
                company = CompanyRow(firm_id=firm.id, name=name, accountant_id=admin.id)
                s.add(company)
                await s.flush()
                s.add(ContactRow(company_id=company.id, name="刘先生", phone="135", openid="o_liu"))
            s.add(
                ConversationRow(
                    appid=firm.appid,
                    openid="o_liu",
                    flow="raise_request",
                    slots={"type": "营业执照", "n": 2},
                    requested_slot="urgency",
                    updated_at=NOW,
                )
            )
            await uow.commit()

        for openid in ("o_admin", "o_liu", "o_new", "o_elsewhere"):
            async with SqlUnitOfWork(sessions) as uow:
                expected = (
                    await uow.identities.resolve(firm, openid),
                    await uow.conversations.load(firm.appid, openid),
                )
                got = await identity_and_conversation(uow.session, firm, openid)
            assert got == expected, openid
            async with engine.connect() as conn:
                assert await identity_and_conversation(conn, firm, openid) == expected

        async with SqlUnitOfWork(sessions) as uow:
            who, conv = await identity_and_conversation(uow.session, firm, "o_liu")
            stranger, fresh = await identity_and_conversation(uow.session, firm, "o_elsewhere")
        assert who.role is Role.CLIENT and conv.flow == "raise_request"
        assert conv.slots == {"type": "营业执照", "n": 2} and conv.requested_slot == "urgency"
        assert conv.updated_at is not None and conv.updated_at.timestamp() == NOW.timestamp()
        assert stranger.role is Role.STRANGER and fresh.flow is None
    finally:
        await engine.dispose()
