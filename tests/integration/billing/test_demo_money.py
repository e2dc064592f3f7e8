"""`make run`'s demo shows money: each demo client has a contract, a paid bill (with its
WeChat Pay order) and an overdue one; loading the demo again adds no second contract."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.demo import load_demo
from bot.sandbox.demo_money import load_demo_money
from domain.billing import BillStatus, OrderState
from domain.clock import local
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.support.harness import create_schema, make_settings


async def test_demo_clients_have_a_paid_and_an_overdue_bill(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    await create_schema(url)
    settings = make_settings(url, tmp_path)
    await load_demo(settings)
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            firm = await uow.identities.firm_by_appid(settings.wechat_appid)
            assert firm is not None
            again = await load_demo_money(uow, firm, settings.wechat_appid, datetime.now(UTC))
            assert again == []  # loaded before: no second contract
            companies = await uow.identities.list_companies(firm.id)
            today = local(datetime.now(UTC)).date()
            assert len(companies) == 3
            for company in companies:
                assert len(await uow.billing.contracts_for_company(company.id)) == 1
                bills = await uow.billing.list_bills(firm.id, company_id=company.id)
                paid = [b for b in bills if b.status is BillStatus.PAID]
                overdue = [b for b in bills if b.overdue(today)]
                assert len(paid) == 1 and len(overdue) == 1, bills
                (order,) = await uow.billing.orders_for_bill(paid[0].id)
                assert order.state is OrderState.PAID and order.amount_fen == paid[0].amount_fen
            assert len(await uow.catalogue.list_items(firm.id, active_only=True)) == 17
    finally:
        await engine.dispose()
