"""`yunkuaiji bills list | issue` and `yunkuaiji contracts add | list`: the firm's bills and
service contracts before the admin panel shows them. JSON lines out; money in fen (with the
amount in yuan beside it for people).

`bills issue` does what the scheduler does every minute: it bills every contract period that
has begun, and running it again (or beside a running server) issues nothing twice."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.settings import DEFAULT_FIRM_NAME, Settings
from domain import payments, people
from domain.actors import Actor
from domain.billing import Bill, BillStatus, Contract, yuan
from domain.clock import local
from domain.errors import DomainError, Invalid, NotFound
from domain.identity import ClientCompany
from handlers.error_texts import error_text
from handlers.payment_texts import CYCLE_NAMES, STATUS_NAMES, bill_what, parse_amount, parse_cycle
from storage.engine import create_engine, session_factory
from storage.uow import SqlUnitOfWork

Work = Callable[[SqlUnitOfWork, Actor], Awaitable[list[dict[str, Any]]]]
STATUSES = ("unpaid", "overdue", "paid", "cancelled", "refunded")
# Passes of `bills issue`: a contract behind by months gets one period a pass.
ISSUE_PASSES = 24


def _run(args: argparse.Namespace, work: Work) -> int:
    settings = Settings.load(env_file=Path(args.env_file))

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                firm = await people.ensure_firm(uow, settings.wechat_appid, DEFAULT_FIRM_NAME)
                await uow.commit()
            # The operator at the console acts for the firm, as the system. Each command opens
            # its own units of work: `issue` commits a pass at a time.
            return await work(SqlUnitOfWork(session_factory(engine)), Actor.system(firm.id))
        finally:
            await engine.dispose()

    try:
        lines = asyncio.run(go())
    except DomainError as exc:
        line = {"error": exc.category, "code": exc.code, "message": error_text(exc)}
        print(json.dumps(line, ensure_ascii=False))
        return 1
    for line in lines:
        print(json.dumps(line, ensure_ascii=False, default=str))
    return 0


async def _company(uow: SqlUnitOfWork, actor: Actor, name: str) -> ClientCompany:
    for company in await uow.identities.list_companies(actor.firm_id):
        if company.name == name:
            return company
    raise NotFound("company_not_found", query=name)


def bill_line(bill: Bill, today: date) -> dict[str, Any]:
    return {
        "bill": bill.number,
        "company": bill.company_name,
        "title": bill_what(bill),
        "amount_fen": bill.amount_fen,
        "amount": yuan(bill.amount_fen),
        "status": bill.status.value,
        "status_zh": STATUS_NAMES[bill.status],
        "overdue": bill.overdue(today),
        "due_on": bill.due_on.isoformat(),
        "period": (
            [bill.period.start.isoformat(), bill.period.end.isoformat()] if bill.period else None
        ),
        "kind": bill.kind.value,
        "paid_at": bill.paid_at.isoformat() if bill.paid_at else None,
        "refunded_fen": bill.refunded_fen,
        "created_at": bill.created_at.isoformat(),
    }


def contract_line(c: Contract) -> dict[str, Any]:
    return {
        "contract_id": c.id,
        "company": c.company_name,
        "monthly_fee_fen": c.monthly_fee_fen,
        "cycle": c.cycle.value,
        "cycle_zh": CYCLE_NAMES[c.cycle],
        "period_fee_fen": c.period_fee_fen,
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat() if c.ends_on else None,
        "next_due_on": c.next_due_on.isoformat() if c.next_due_on else None,
        "accountant_id": c.accountant_id,
        "active": c.active,
    }


def bills_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        today = local(datetime.now(UTC)).date()
        async with uow:
            company_id = (await _company(uow, actor, args.company)).id if args.company else None
            status = args.status
            stored = "unpaid" if status == "overdue" else status
            bills = await uow.billing.list_bills(
                actor.firm_id,
                company_id=company_id,
                statuses=frozenset({BillStatus(stored)}) if stored else None,
                limit=args.limit,
            )
        return [bill_line(b, today) for b in bills if status != "overdue" or b.overdue(today)]

    return _run(args, work)


def bills_issue(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        today = local(now).date()
        lines: list[dict[str, Any]] = []
        for _ in range(ISSUE_PASSES):
            async with uow:
                report = await payments.issue_due_bills(uow, now)
                await uow.commit()
            lines.extend({"issued": bill_line(b, today)} for b in report.issued)
            if not report.count and not report.ended:
                break
        lines.append({"issued_count": len(lines)})
        return lines

    return _run(args, work)


def contracts_add(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        try:
            fee = parse_amount(args.monthly_fee)
            cycle = parse_cycle(args.cycle)
            starts_on = date.fromisoformat(args.start)
            ends_on = date.fromisoformat(args.end) if args.end else None
        except ValueError as exc:
            raise Invalid("bad_argument", detail=str(exc)) from None
        async with uow:
            company = await _company(uow, actor, args.company)
            accountant_id = None
            if args.accountant:
                accountant_id = (await people.staff_named(uow, actor, args.accountant)).id
            contract = await payments.add_contract(
                uow,
                actor,
                company.id,
                fee,
                cycle,
                starts_on,
                datetime.now(UTC),
                ends_on=ends_on,
                accountant_id=accountant_id,
            )
            await uow.commit()
        return [contract_line(contract)]

    return _run(args, work)


def contracts_list(args: argparse.Namespace) -> int:
    async def work(uow: SqlUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        async with uow:
            if args.company:
                companies = [await _company(uow, actor, args.company)]
            else:
                companies = list(await uow.identities.list_companies(actor.firm_id))
            lines: list[dict[str, Any]] = []
            for company in companies:
                lines.extend(
                    contract_line(c) for c in await uow.billing.contracts_for_company(company.id)
                )
        return lines

    return _run(args, work)


def register(sub: Any) -> None:
    bills = sub.add_parser("bills", help="the firm's bills: list them, issue the due ones")
    bsub = bills.add_subparsers(dest="bills_cmd", required=True)
    p = bsub.add_parser("list", help="bills, oldest first")
    p.add_argument("--company", default="", help="one client company, by its name")
    p.add_argument("--status", choices=STATUSES, default="", help="overdue: unpaid past due")
    p.add_argument("--limit", type=int, default=500)
    p.set_defaults(func=bills_list)
    p = bsub.add_parser("issue", help="bill every contract period that has begun (idempotent)")
    p.set_defaults(func=bills_issue)

    contracts = sub.add_parser("contracts", help="service contracts (monthly fee and cycle)")
    csub = contracts.add_subparsers(dest="contracts_cmd", required=True)
    p = csub.add_parser("add", help="a service contract for a client company")
    p.add_argument("company", help="the client company's name")
    p.add_argument("--monthly-fee", required=True, help="in yuan, e.g. 300 or 299.50")
    p.add_argument("--cycle", default="月", help="月 | 季 | 半年 | 年 (default 月)")
    p.add_argument("--start", required=True, help="first day billed, YYYY-MM-DD")
    p.add_argument("--end", default="", help="last day of service, YYYY-MM-DD")
    p.add_argument("--accountant", default="", help="dedicated accountant's name")
    p.set_defaults(func=contracts_add)
    p = csub.add_parser("list", help="contracts, by company")
    p.add_argument("--company", default="")
    p.set_defaults(func=contracts_list)
