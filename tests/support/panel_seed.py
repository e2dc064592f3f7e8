"""Facts the panel's page tests start from, put straight in the database through the
repositories and the chat's own services (a client's complaint, a bill, a claimed request)."""

from __future__ import annotations

from datetime import date, datetime

from domain import feedback
from domain.actors import Actor
from domain.billing import BillKind, NewBill
from domain.complaints import Complaint
from storage.uow import SqlUnitOfWork
from tests.support.panel import Panel


async def _firm_id(uow: SqlUnitOfWork, panel: Panel) -> int:
    firm = await uow.identities.firm_by_appid(panel.chat.settings.wechat_appid)
    assert firm is not None
    return firm.id


async def company_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm_id = await _firm_id(uow, panel)
        found = [c.id for c in await uow.identities.list_companies(firm_id) if c.name == name]
        assert found, name
        return found[0]


async def staff_id(panel: Panel, name: str) -> int:
    async with SqlUnitOfWork(panel.sessions) as uow:
        staff = await uow.identities.staff_by_name(await _firm_id(uow, panel), name)
        assert staff is not None
        return staff.id


async def complain(panel: Panel, company: str, words: str) -> Complaint:
    """The company's first contact complains in chat (the chat's service)."""
    the_id = await company_id(panel, company)  # before: the pool may hold one connection
    async with SqlUnitOfWork(panel.sessions) as uow:
        the_company = await uow.identities.get_company(the_id)
        assert the_company is not None
        contact = (await uow.identities.list_contacts(the_company.id))[0]
        actor = Actor.of_contact(contact, the_company)
        c = await feedback.open_complaint(uow, actor, words, (), None, None, panel.now())
        await uow.commit()
        return c


async def bill(
    panel: Panel, company: str, fen: int, due_on: date, paid_at: datetime | None = None
) -> None:
    the_company = await company_id(panel, company)  # before: the pool may hold one connection
    async with SqlUnitOfWork(panel.sessions) as uow:
        firm_id = await _firm_id(uow, panel)
        number = await uow.billing.next_bill_number(firm_id)
        new = NewBill(
            firm_id,
            number,
            the_company,
            BillKind.ONE_OFF,
            "代办费",
            fen,
            due_on,
            panel.now(),
            source_ref=f"test:{number}",
        )
        made = await uow.billing.add_bill(new)
        assert made is not None
        if paid_at is not None:
            assert await uow.billing.mark_bill_paid(made.id, 0, paid_at, paid_at)
        await uow.commit()
