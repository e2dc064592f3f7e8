"""Money for the demo: each demo client company gets a monthly contract that began two months
ago, last-but-one month's bill paid through a (made-up) WeChat Pay order and last month's bill
overdue, so that `make run` shows a receipt, something owed, a 催费 target and arrears. The
firm's service catalogue comes with it. Skipped for a company that has a contract already."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from bot.settings import SANDBOX_PAY_MCHID
from domain import payments, service_catalogue
from domain.actors import Actor
from domain.billing import Channel, Cycle, NewOrder, add_months, new_out_trade_no
from domain.clock import SHANGHAI, local
from domain.identity import Firm
from storage.uow import SqlUnitOfWork

# Monthly fees in fen, by company (others: the first).
DEMO_FEES = {
    "杭州青禾餐饮管理有限公司": 30000,
    "杭州云帆科技有限公司": 50000,
    "杭州明远贸易有限公司": 20000,
}


async def load_demo_money(
    uow: SqlUnitOfWork, firm: Firm, appid: str, now: datetime
) -> list[dict[str, Any]]:
    """In the caller's unit of work (the caller commits)."""
    system = Actor.system(firm.id)
    await service_catalogue.ensure_catalogue(uow, firm.id)
    this_month = local(now).date().replace(day=1)
    start = add_months(this_month, -2)
    lines: list[dict[str, Any]] = []
    for company in await uow.identities.list_companies(firm.id):
        fee = DEMO_FEES.get(company.name)
        if fee is None or await uow.billing.contracts_for_company(company.id):
            continue
        await payments.add_contract(uow, system, company.id, fee, Cycle.MONTHLY, start, now)
        issued = []
        for month in (start, add_months(start, 1)):
            at = datetime.combine(month, time(10), SHANGHAI)
            report = await payments.issue_due_bills(uow, at)
            issued += [b for b in report.issued if b.company_id == company.id]
        if not issued:
            continue
        first = issued[0]
        paid_at = datetime.combine(first.due_on - timedelta(days=3), time(15), SHANGHAI)
        contacts = await uow.identities.list_contacts(company.id)
        payer = next((c.openid for c in contacts if c.openid), "") or "o_demo_payer"
        order = await uow.billing.add_order(
            NewOrder(
                firm_id=firm.id,
                bill_id=first.id,
                out_trade_no=new_out_trade_no(firm.id, first.number, 1),
                channel=Channel.JSAPI,
                appid=appid,
                mchid=SANDBOX_PAY_MCHID,
                amount_fen=first.amount_fen,
                payer_openid=payer,
                created_at=paid_at,
                expires_at=paid_at + timedelta(hours=2),
                next_query_at=paid_at + timedelta(seconds=30),
            )
        )
        await uow.billing.note_attempt(first.id, paid_at)
        paid = await uow.billing.mark_order_paid(
            order.out_trade_no,
            appid=appid,
            mchid=SANDBOX_PAY_MCHID,
            amount_fen=first.amount_fen,
            transaction_id=f"42000000{paid_at:%Y%m%d}{first.id:010d}",
            payer_openid=payer,
            paid_at=paid_at,
            now=paid_at,
        )
        if paid is not None:
            await uow.billing.mark_bill_paid(first.id, paid.id, paid_at, paid_at)
        lines.append(
            {"demo": "contract", "company": company.name, "bills": [b.number for b in issued]}
        )
    return lines
